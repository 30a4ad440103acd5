/**
 * A unit's own meeting rooms (A5 with A10, decision 0015): a room may belong to a unit (局大会议室);
 * its 单位管理员 sees and changes only that unit's rooms, and only that unit's staff see and book it.
 * The center's shared rooms (no unit) are for every unit's staff and the 系统管理员's to manage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { addDays, atMinute } from './bookings.rules.js';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit } from '../../test/factories.js';
import { makeImage, multipart } from '../../test/images.js';
import { meetingRooms } from '../../db/schema/index.js';

let t: TestApp;
let system: Client;
let adminA: Client;
let unitA: Awaited<ReturnType<typeof newUnit>>;
let unitB: Awaited<ReturnType<typeof newUnit>>;
let staffA: Awaited<ReturnType<typeof newStaff>>;
let staffA2: Awaited<ReturnType<typeof newStaff>>;
let staffB: Awaited<ReturnType<typeof newStaff>>;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  system = await newAdminClient(t, 'unit-rooms-system');
  unitA = await newUnit(t, { name: '发改局' });
  unitB = await newUnit(t, { name: '财政局' });
  adminA = await newAdminClient(t, 'unit-rooms-a', undefined, unitA.id);
  staffA = await newStaff(t, { unitId: unitA.id, name: '发改甲' });
  staffA2 = await newStaff(t, { unitId: unitA.id, name: '发改乙' });
  staffB = await newStaff(t, { unitId: unitB.id, name: '财政甲' });
});
afterAll(() => t.close());

const body = (o: Record<string, unknown> = {}) => ({
  name: `局会议室${Date.now().toString(36)}${seq++}`,
  buildingId: null,
  floor: '5F',
  location: null,
  capacity: 12,
  seatingStyles: ['课桌式'],
  services: ['茶水'],
  openFrom: 480,
  openTo: 1440,
  reviewRequired: false,
  approverIds: [],
  undertakerIds: [],
  enabled: true,
  ...o,
});

describe('rooms of a unit', () => {
  it('the 系统管理员 gives a room to a unit or keeps it shared; a 单位管理员 lists only their unit\'s rooms', async () => {
    const own = (await system.post('/api/admin/rooms', body({ unitId: unitA.id }))).json();
    expect(own).toMatchObject({ unitId: unitA.id, unitName: '发改局' });
    const shared = (await system.post('/api/admin/rooms', body())).json();
    expect(shared).toMatchObject({ unitId: null, unitName: null });
    const other = (await system.post('/api/admin/rooms', body({ unitId: unitB.id }))).json();

    const mine = (await adminA.get('/api/admin/rooms?pageSize=200')).json();
    const ids = mine.items.map((r: { id: string }) => r.id);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(shared.id);
    expect(ids).not.toContain(other.id);
    expect(mine.items.every((r: { unitId: string }) => r.unitId === unitA.id)).toBe(true);

    const all = (await system.get('/api/admin/rooms?pageSize=200')).json().items.map((r: { id: string }) => r.id);
    expect(all).toEqual(expect.arrayContaining([own.id, shared.id, other.id]));
    const onlyShared = (await system.get('/api/admin/rooms?pageSize=200&unitId=shared')).json().items;
    expect(onlyShared.map((r: { id: string }) => r.id)).toContain(shared.id);
    expect(onlyShared.every((r: { unitId: string | null }) => r.unitId === null)).toBe(true);
  });

  it('a 单位管理员\'s new room is their unit\'s; naming another unit is UNIT_NOT_FOUND; approvers must be the unit\'s staff', async () => {
    const res = await adminA.post('/api/admin/rooms', body());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().unitId).toBe(unitA.id);

    const elsewhere = await adminA.post('/api/admin/rooms', body({ unitId: unitB.id }));
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().error.code).toBe('UNIT_NOT_FOUND');

    const foreignApprover = await adminA.post('/api/admin/rooms', body({ reviewRequired: true, approverIds: [staffB.id] }));
    expect(foreignApprover.statusCode).toBe(400);
    expect(foreignApprover.json().error).toMatchObject({ code: 'STAFF_NOT_FOUND' });
    const ok = await adminA.post('/api/admin/rooms', body({ reviewRequired: true, approverIds: [staffA2.id], undertakerIds: [staffA2.id] }));
    expect(ok.statusCode, ok.body).toBe(200);

    // moving one's room to another unit is refused too, and nothing changes
    const moved = await adminA.patch(`/api/admin/rooms/${ok.json().id}`, { unitId: unitB.id });
    expect(moved.json().error.code).toBe('UNIT_NOT_FOUND');
    expect((await t.ctx.db.select().from(meetingRooms).where(eq(meetingRooms.id, ok.json().id)))[0]!.unitId).toBe(unitA.id);
  });

  it('another unit\'s room and a shared room are as if they did not exist for a 单位管理员 (404 ROOM_NOT_FOUND), and unchanged', async () => {
    const other = (await system.post('/api/admin/rooms', body({ unitId: unitB.id }))).json();
    const shared = (await system.post('/api/admin/rooms', body())).json();
    for (const room of [other, shared]) {
      const calls = [
        adminA.get(`/api/admin/rooms/${room.id}`),
        adminA.patch(`/api/admin/rooms/${room.id}`, { capacity: 99 }),
        adminA.delete(`/api/admin/rooms/${room.id}`),
        adminA.get(`/api/admin/rooms/${room.id}/photo`),
        adminA.delete(`/api/admin/rooms/${room.id}/photo`),
        multipart({}, { data: await makeImage({ format: 'jpeg' }), type: 'image/jpeg' }).then((m) => adminA.req('POST', `/api/admin/rooms/${room.id}/photo`, m.payload, m.headers)),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().error.code).toBe('ROOM_NOT_FOUND');
      }
      const [row] = await t.ctx.db.select().from(meetingRooms).where(eq(meetingRooms.id, room.id));
      expect(row).toMatchObject({ capacity: 12, photoKey: null });
    }
  });

  it('staff see and book the shared rooms and their own unit\'s, never another unit\'s', async () => {
    const own = (await system.post('/api/admin/rooms', body({ unitId: unitA.id }))).json();
    const shared = (await system.post('/api/admin/rooms', body())).json();
    const a = await signInStaff(t, staffA.phone);
    const b = await signInStaff(t, staffB.phone);

    const seenByA = (await a.get('/api/rooms')).json().items.map((r: { id: string }) => r.id);
    expect(seenByA).toEqual(expect.arrayContaining([own.id, shared.id]));
    const seenByB = (await b.get('/api/rooms')).json().items.map((r: { id: string }) => r.id);
    expect(seenByB).toContain(shared.id);
    expect(seenByB).not.toContain(own.id);

    for (const url of [`/api/rooms/${own.id}`, `/api/rooms/${own.id}/week`, `/api/rooms/${own.id}/day?date=${addDays(t.ctx.clock.today(), 3)}`]) {
      const res = await b.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ROOM_NOT_FOUND');
    }
    expect((await a.get(`/api/rooms/${own.id}/week`)).statusCode).toBe(200);

    const day = addDays(t.ctx.clock.today(), 3);
    const tz = t.ctx.config.TZ_CENTER;
    const booking = (who: { id: string }, unitId: string, co: { id: string }) => ({
      roomId: own.id,
      title: '局务会',
      coBookerIds: [co.id],
      settlementUnitId: unitId,
      seating: '课桌式',
      headcount: 6,
      services: [],
      remark: '',
      startAt: atMinute(day, 600, tz).toISOString(),
      endAt: atMinute(day, 660, tz).toISOString(),
      applicant: who.id,
    });
    const refused = await b.post('/api/bookings', { ...booking(staffB, unitB.id, staffA), applicant: undefined });
    expect(refused.statusCode, refused.body).toBe(404);
    expect(refused.json().error.code).toBe('ROOM_NOT_FOUND');
    const booked = await a.post('/api/bookings', { ...booking(staffA, unitA.id, staffA2), applicant: undefined });
    expect(booked.statusCode, booked.body).toBe(201);
  });

  it('a unit that still has rooms cannot be deleted (409 IN_USE)', async () => {
    const u = await newUnit(t, { name: `有会议室的单位${seq++}` });
    await system.post('/api/admin/rooms', body({ unitId: u.id }));
    await system.delete(`/api/admin/departments/${u.departmentId}`);
    const res = await system.delete(`/api/admin/units/${u.id}`);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.code).toBe('IN_USE');
  });
});
