import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { isJpeg, makeImage, makeNoisePng, multipart } from '../../test/images.js';
import { auditLog, buildings, meetingBookings, meetingRooms, staff, units } from '../../db/schema/index.js';
import { ROOM_SERVICES, SEATING_STYLES } from '../../../../contracts/meetings.js';

let t: TestApp;
let admin: Client;
let staffClient: Client;
let visitor: Client;
let approver: { id: string; name: string };
let undertaker: { id: string; name: string };
let buildingA: string;
let buildingB: string;
const NIL = '00000000-0000-7000-8000-000000000000';
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t, 'rooms-admin');
  const me = await newStaff(t, { name: '订会人' });
  staffClient = await signInStaff(t, me.phone);
  visitor = await signInVisitor(t, randomPhone());
  approver = await newStaff(t, { name: '审核人' });
  undertaker = await newStaff(t, { name: '承接人' });
  const [a, b] = await t.ctx.db
    .insert(buildings)
    .values([{ name: `行政中心1号楼-${Date.now()}` }, { name: `行政中心2号楼-${Date.now()}` }])
    .returning();
  buildingA = a!.id;
  buildingB = b!.id;
});
afterAll(() => t.close());

const body = (o: Record<string, unknown> = {}) => ({
  name: `会议室${Date.now().toString(36)}${seq++}`,
  buildingId: buildingA,
  floor: '3F',
  location: '东侧',
  capacity: 20,
  seatingStyles: ['课桌式', 'U形'],
  services: ['电视/投影', '茶水'],
  openFrom: 480,
  openTo: 1440,
  reviewRequired: false,
  approverIds: [],
  undertakerIds: [],
  enabled: true,
  ...o,
});
async function createRoom(o: Record<string, unknown> = {}) {
  const res = await admin.post('/api/admin/rooms', body(o));
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { id: string; name: string; photoUrl: string | null; [k: string]: unknown };
}
const roomRow = async (id: string) => (await t.ctx.db.select().from(meetingRooms).where(eq(meetingRooms.id, id)))[0];
const auditOf = (action: string, id: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, id)));
const upload = async (c: Client, id: string, data: Buffer | null, type = 'image/jpeg') => {
  const m = await multipart({}, data ? { data, type } : undefined);
  return c.req('POST', `/api/admin/rooms/${id}/photo`, m.payload, m.headers);
};
async function book(roomId: string) {
  const unit = await newUnit(t);
  const applicant = await newStaff(t, { unitId: unit.id });
  const start = new Date(Date.now() + 86_400_000);
  await t.ctx.db.insert(meetingBookings).values({
    roomId,
    title: '周例会',
    applicantId: applicant.id,
    settlementUnitId: unit.id,
    seating: '课桌式',
    headcount: 5,
    startAt: start,
    endAt: new Date(start.getTime() + 3_600_000),
    status: 'approved',
  });
}

describe('access', () => {
  it('admin room endpoints: no session, visitor and staff sessions → 401 AUTH_REQUIRED, nothing written', async () => {
    const room = await createRoom();
    for (const c of [new Client(t), visitor, staffClient]) {
      const calls = [
        await c.get('/api/admin/rooms'),
        await c.get(`/api/admin/rooms/${room.id}`),
        await c.post('/api/admin/rooms', body()),
        await c.patch(`/api/admin/rooms/${room.id}`, { name: '改名' }),
        await c.delete(`/api/admin/rooms/${room.id}`),
        await upload(c, room.id, await makeImage()),
        await c.get(`/api/admin/rooms/${room.id}/photo`),
      ];
      for (const res of calls) {
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('AUTH_REQUIRED');
      }
    }
    expect((await roomRow(room.id))!.name).toBe(room.name);
  });

  it('staff room endpoints: no session, visitor and admin sessions → 401 AUTH_REQUIRED', async () => {
    const room = await createRoom();
    for (const c of [new Client(t), visitor, admin]) {
      for (const url of ['/api/rooms', `/api/rooms/${room.id}`, `/api/rooms/${room.id}/photo`]) {
        const res = await c.get(url);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('AUTH_REQUIRED');
      }
    }
  });
});

describe('admin CRUD', () => {
  it('creates a room with all A5 fields; slot size is 15; the creation is audited', async () => {
    const b = body({ reviewRequired: true, approverIds: [approver.id], undertakerIds: [undertaker.id], seatingStyles: ['剧院式', '自定义排位'], services: ['话筒', '同声传译'] });
    const res = await admin.post('/api/admin/rooms', b);
    expect(res.statusCode).toBe(200);
    const room = res.json();
    expect(room).toMatchObject({
      name: b.name,
      buildingId: buildingA,
      buildingName: expect.stringContaining('1号楼'),
      floor: '3F',
      location: '东侧',
      capacity: 20,
      photoUrl: null,
      seatingStyles: ['剧院式', '自定义排位'],
      services: ['话筒', '同声传译'],
      openFrom: 480,
      openTo: 1440,
      slotMinutes: 15,
      reviewRequired: true,
      approverIds: [approver.id],
      undertakerIds: [undertaker.id],
      approvers: [{ id: approver.id, name: '审核人', unitName: expect.any(String) }],
      undertakers: [{ id: undertaker.id, name: '承接人', unitName: expect.any(String) }],
      enabled: true,
    });
    expect(await auditOf('room.create', room.id)).toHaveLength(1);
    expect((await admin.get(`/api/admin/rooms/${room.id}`)).json()).toEqual(room);
  });

  it('text is trimmed, blank floor/location become null, repeated seating styles and services are kept once', async () => {
    const room = await createRoom({ name: '  空格会议室  ', floor: ' ', location: '', seatingStyles: [' 课桌式 ', '课桌式', ''], services: ['茶水', '茶水 '] });
    expect(room).toMatchObject({ name: '空格会议室', floor: null, location: null, seatingStyles: ['课桌式'], services: ['茶水'] });
  });

  it('lists rooms paged, searches by name and filters by building and state', async () => {
    const tag = `检索${Date.now().toString(36)}`;
    const a = await createRoom({ name: `${tag}甲`, buildingId: buildingA, sort: 2 });
    const b = await createRoom({ name: `${tag}乙`, buildingId: buildingB, sort: 3 });
    const c = await createRoom({ name: `${tag}丙`, buildingId: buildingB, enabled: false, sort: 1 });
    const q = encodeURIComponent(tag);
    const all = (await admin.get(`/api/admin/rooms?q=${q}`)).json();
    expect(all.total).toBe(3);
    // in 排序 order
    expect(all.items.map((r: { id: string }) => r.id)).toEqual([c.id, a.id, b.id]);
    expect((await admin.get(`/api/admin/rooms?q=${q}&buildingId=${buildingB}`)).json().items.map((r: { id: string }) => r.id).sort()).toEqual([b.id, c.id].sort());
    expect((await admin.get(`/api/admin/rooms?q=${q}&enabled=false`)).json().items.map((r: { id: string }) => r.id)).toEqual([c.id]);
    const page1 = (await admin.get(`/api/admin/rooms?q=${q}&page=1&pageSize=2`)).json();
    const page2 = (await admin.get(`/api/admin/rooms?q=${q}&page=2&pageSize=2`)).json();
    expect(page1).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page2.items).toHaveLength(1);
    expect(new Set([...page1.items, ...page2.items].map((r: { id: string }) => r.id)).size).toBe(3);
    // % and _ in the search are literal characters, not wildcards
    expect((await admin.get(`/api/admin/rooms?q=${encodeURIComponent('%')}`)).json().total).toBe(0);
  });

  it('updates the given fields only; the change is audited with the changed fields', async () => {
    const room = await createRoom();
    const res = await admin.patch(`/api/admin/rooms/${room.id}`, { capacity: 30, openFrom: 510, openTo: 1080, undertakerIds: [undertaker.id] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: room.name, capacity: 30, openFrom: 510, openTo: 1080, undertakerIds: [undertaker.id], seatingStyles: ['课桌式', 'U形'] });
    const [a] = await auditOf('room.update', room.id);
    expect((a!.detail as { fields: string[] }).fields.sort()).toEqual(['capacity', 'openFrom', 'openTo', 'undertakerIds']);
  });

  it('enable/disable: PATCH { enabled } switches the room and is audited as room.disable / room.enable', async () => {
    const room = await createRoom();
    expect((await admin.patch(`/api/admin/rooms/${room.id}`, { enabled: false })).json().enabled).toBe(false);
    expect(await auditOf('room.disable', room.id)).toHaveLength(1);
    expect((await admin.patch(`/api/admin/rooms/${room.id}`, { enabled: true })).json().enabled).toBe(true);
    expect(await auditOf('room.enable', room.id)).toHaveLength(1);
    expect(await auditOf('room.update', room.id)).toHaveLength(0);
  });

  it('a room name is unique → 409 NAME_TAKEN on create and on rename', async () => {
    const a = await createRoom();
    const b = await createRoom();
    const dup = await admin.post('/api/admin/rooms', body({ name: a.name }));
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('NAME_TAKEN');
    const ren = await admin.patch(`/api/admin/rooms/${b.id}`, { name: a.name });
    expect(ren.statusCode).toBe(409);
    // keeping its own name is fine
    expect((await admin.patch(`/api/admin/rooms/${a.id}`, { name: a.name, capacity: 21 })).statusCode).toBe(200);
  });

  it('deletes a room never booked (audited); unknown room → 404 ROOM_NOT_FOUND', async () => {
    const room = await createRoom();
    expect((await admin.delete(`/api/admin/rooms/${room.id}`)).json()).toEqual({ ok: true });
    expect(await roomRow(room.id)).toBeUndefined();
    expect(await auditOf('room.delete', room.id)).toHaveLength(1);
    for (const res of [await admin.delete(`/api/admin/rooms/${room.id}`), await admin.get(`/api/admin/rooms/${NIL}`), await admin.patch(`/api/admin/rooms/${NIL}`, { capacity: 3 })]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ROOM_NOT_FOUND');
    }
  });

  it('a room with bookings cannot be deleted → 409 IN_USE; it can be disabled instead', async () => {
    const room = await createRoom();
    await book(room.id);
    const res = await admin.delete(`/api/admin/rooms/${room.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'IN_USE', details: { bookings: 1, hint: 'disable' } });
    expect(await roomRow(room.id)).toBeDefined();
    expect((await admin.patch(`/api/admin/rooms/${room.id}`, { enabled: false })).statusCode).toBe(200);
  });
});

describe('validation', () => {
  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ['capacity 0', { capacity: 0 }, 400, 'ROOM_CAPACITY_INVALID'],
    ['capacity negative', { capacity: -5 }, 400, 'ROOM_CAPACITY_INVALID'],
    ['capacity 2.5', { capacity: 2.5 }, 400, 'ROOM_CAPACITY_INVALID'],
    ['capacity 10001', { capacity: 10001 }, 400, 'ROOM_CAPACITY_INVALID'],
    ['opens after it closes', { openFrom: 1080, openTo: 480 }, 400, 'ROOM_HOURS_INVALID'],
    ['opens when it closes', { openFrom: 600, openTo: 600 }, 400, 'ROOM_HOURS_INVALID'],
    ['closes after 24:00', { openTo: 1455 }, 400, 'ROOM_HOURS_INVALID'],
    ['opens before 00:00', { openFrom: -15 }, 400, 'ROOM_HOURS_INVALID'],
    ['hours off the 15-minute grid', { openFrom: 485 }, 400, 'ROOM_HOURS_INVALID'],
    ['review without approvers', { reviewRequired: true, approverIds: [] }, 400, 'ROOM_APPROVER_REQUIRED'],
    ['an approver who is not staff', { approverIds: [NIL] }, 400, 'STAFF_NOT_FOUND'],
    ['an undertaker who is not staff', { undertakerIds: [NIL] }, 400, 'STAFF_NOT_FOUND'],
    ['an unknown building', { buildingId: NIL }, 400, 'BUILDING_NOT_FOUND'],
    ['a blank name', { name: '   ' }, 400, 'VALIDATION_FAILED'],
    ['a name of 51 characters', { name: '会'.repeat(51) }, 400, 'VALIDATION_FAILED'],
    ['21 seating styles', { seatingStyles: Array.from({ length: 21 }, (_, i) => `式${i}`) }, 400, 'VALIDATION_FAILED'],
    ['a service of 21 characters', { services: ['服'.repeat(21)] }, 400, 'VALIDATION_FAILED'],
    ['an approver id that is not a uuid', { approverIds: ['x'] }, 400, 'VALIDATION_FAILED'],
  ];
  it.each(cases)('create with %s → %i %s (zh + en message), nothing stored', async (_, o, status, code) => {
    const b = body(o);
    const res = await admin.post('/api/admin/rooms', b);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code, message: { 'zh-CN': expect.any(String), en: expect.any(String) } });
    if (typeof b.name === 'string') expect(await t.ctx.db.select().from(meetingRooms).where(eq(meetingRooms.name, b.name.trim()))).toEqual([]);
  });

  it('an update is checked against the whole room: closing before the stored opening → ROOM_HOURS_INVALID', async () => {
    const room = await createRoom({ openFrom: 600, openTo: 1200 });
    const res = await admin.patch(`/api/admin/rooms/${room.id}`, { openTo: 540 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ROOM_HOURS_INVALID');
    expect((await roomRow(room.id))!.openTo).toBe(1200);
  });

  it('a deleted staff member cannot be chosen, but one deleted after being chosen does not block other edits', async () => {
    const gone = await newStaff(t, { name: '已离职' });
    const room = await createRoom({ undertakerIds: [gone.id, undertaker.id] });
    await t.ctx.db.update(staff).set({ deletedAt: new Date() }).where(eq(staff.id, gone.id));
    const res = await admin.patch(`/api/admin/rooms/${room.id}`, { capacity: 25 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ capacity: 25, undertakerIds: [undertaker.id], undertakers: [{ id: undertaker.id }] });
    const other = await admin.post('/api/admin/rooms', body({ undertakerIds: [gone.id] }));
    expect(other.json().error.code).toBe('STAFF_NOT_FOUND');
  });
});

describe('photo', () => {
  it('upload a JPEG: stored encrypted, normalised to JPEG, readable by admin and staff; replacing deletes the old object', async () => {
    const room = await createRoom();
    const res = await upload(admin, room.id, await makeImage({ width: 2000, height: 1200 }));
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view.photoUrl).toMatch(new RegExp(`^/api/admin/rooms/${room.id}/photo\\?v=`));
    const key = (await roomRow(room.id))!.photoKey!;
    expect(key).toMatch(/^rooms\//);
    const raw = fs.readFileSync(path.join(t.ctx.config.storageDir, key));
    expect(isJpeg(raw)).toBe(false); // encrypted at rest
    const got = await admin.get(`/api/admin/rooms/${room.id}/photo`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(isJpeg(got.rawPayload)).toBe(true);
    const staffGot = await staffClient.get(`/api/rooms/${room.id}/photo`);
    expect(staffGot.statusCode).toBe(200);
    expect(isJpeg(staffGot.rawPayload)).toBe(true);
    expect((await staffClient.get(`/api/rooms/${room.id}`)).json().photoUrl).toMatch(new RegExp(`^/api/rooms/${room.id}/photo\\?v=`));
    expect(await auditOf('room.photo.upload', room.id)).toHaveLength(1);

    const again = await upload(admin, room.id, await makeImage({ format: 'png' }), 'image/png');
    expect(again.statusCode).toBe(200);
    expect(again.json().photoUrl).not.toBe(view.photoUrl);
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, key))).toBe(false);
  });

  const bad: Array<[string, number, string, () => Promise<{ data: Buffer | null; type?: string }>]> = [
    ['no file', 400, 'VALIDATION_FAILED', async () => ({ data: null })],
    ['a text file', 400, 'PHOTO_NOT_IMAGE', async () => ({ data: Buffer.from('not a picture\n'.repeat(40)) })],
    ['a GIF', 400, 'PHOTO_NOT_IMAGE', async () => ({ data: await makeImage({ format: 'gif' }), type: 'image/gif' })],
    ['a 6 MB image', 413, 'PHOTO_TOO_LARGE', async () => ({ data: await makeNoisePng(6 * 1024 * 1024), type: 'image/png' })],
  ];
  it.each(bad)('upload %s → %i %s, the room keeps no photo', async (_, status, code, make) => {
    const room = await createRoom();
    const { data, type } = await make();
    const res = await upload(admin, room.id, data, type);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect((await roomRow(room.id))!.photoKey).toBeNull();
  });

  it('no photo → 404 ROOM_PHOTO_NOT_FOUND; unknown room → 404 ROOM_NOT_FOUND', async () => {
    const room = await createRoom();
    expect((await admin.get(`/api/admin/rooms/${room.id}/photo`)).json().error.code).toBe('ROOM_PHOTO_NOT_FOUND');
    expect((await staffClient.get(`/api/rooms/${room.id}/photo`)).json().error.code).toBe('ROOM_PHOTO_NOT_FOUND');
    expect((await admin.delete(`/api/admin/rooms/${room.id}/photo`)).json().error.code).toBe('ROOM_PHOTO_NOT_FOUND');
    const up = await upload(admin, NIL, await makeImage());
    expect(up.statusCode).toBe(404);
    expect(up.json().error.code).toBe('ROOM_NOT_FOUND');
  });

  it('removing the photo clears it and deletes the stored object; deleting the room deletes its photo', async () => {
    const room = await createRoom();
    await upload(admin, room.id, await makeImage());
    const key = (await roomRow(room.id))!.photoKey!;
    const res = await admin.delete(`/api/admin/rooms/${room.id}/photo`);
    expect(res.statusCode).toBe(200);
    expect(res.json().photoUrl).toBeNull();
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, key))).toBe(false);

    await upload(admin, room.id, await makeImage());
    const key2 = (await roomRow(room.id))!.photoKey!;
    expect((await admin.delete(`/api/admin/rooms/${room.id}`)).statusCode).toBe(200);
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, key2))).toBe(false);
  });
});

describe('staff room list (S4 查看会议室)', () => {
  it('shows only enabled rooms, with building name, capacity, photo, seating, services and open hours', async () => {
    const on = await createRoom({ seatingStyles: [...SEATING_STYLES], services: [...ROOM_SERVICES], openFrom: 540, openTo: 1260 });
    const off = await createRoom({ enabled: false });
    const res = await staffClient.get('/api/rooms');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ id: string }>;
    expect(items.map((r) => r.id)).toContain(on.id);
    expect(items.map((r) => r.id)).not.toContain(off.id);
    expect(items.find((r) => r.id === on.id)).toEqual({
      id: on.id,
      name: on.name,
      buildingId: buildingA,
      buildingName: expect.stringContaining('1号楼'),
      unitId: null,
      unitName: null,
      floor: '3F',
      location: '东侧',
      capacity: 20,
      photoUrl: null,
      seatingStyles: [...SEATING_STYLES],
      services: [...ROOM_SERVICES],
      openFrom: 540,
      openTo: 1260,
      slotMinutes: 15,
      reviewRequired: false,
      approverIds: [],
      undertakerIds: [],
      enabled: true,
    });
    // a disabled room is not found by staff, nor its photo
    await upload(admin, off.id, await makeImage());
    for (const url of [`/api/rooms/${off.id}`, `/api/rooms/${off.id}/photo`]) {
      const r = await staffClient.get(url);
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('ROOM_NOT_FOUND');
    }
    // disabling hides a listed room at once
    await admin.patch(`/api/admin/rooms/${on.id}`, { enabled: false });
    expect((await staffClient.get('/api/rooms')).json().items.map((r: { id: string }) => r.id)).not.toContain(on.id);
  });

  it('filters by building and by minimum capacity', async () => {
    const small = await createRoom({ buildingId: buildingB, capacity: 8 });
    const big = await createRoom({ buildingId: buildingB, capacity: 60 });
    const elsewhere = await createRoom({ buildingId: buildingA, capacity: 60 });
    const inB = (await staffClient.get(`/api/rooms?buildingId=${buildingB}`)).json().items.map((r: { id: string }) => r.id);
    expect(inB).toEqual(expect.arrayContaining([small.id, big.id]));
    expect(inB).not.toContain(elsewhere.id);
    const forMany = (await staffClient.get(`/api/rooms?buildingId=${buildingB}&minCapacity=50`)).json().items.map((r: { id: string }) => r.id);
    expect(forMany).toContain(big.id);
    expect(forMany).not.toContain(small.id);
    expect((await staffClient.get('/api/rooms?minCapacity=0')).json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('demo data', () => {
  it("seeds 5 rooms once (one of them a unit's own); 大会议室 needs review by the 2nd staff of the first unit, undertaken by the 3rd", async () => {
    const { seedDemo, seedDemoRooms } = await import('../../db/seed-demo.js');
    await seedDemo(t.ctx);
    await seedDemo(t.ctx);
    expect(await seedDemoRooms(t.ctx)).toBe(false);
    const names = ['第一会议室', '第二会议室', '大会议室', '培训室'];
    const rows = await t.ctx.db.select().from(meetingRooms);
    for (const n of names) expect(rows.filter((r) => r.name === n)).toHaveLength(1);
    const [second] = await t.ctx.db.select().from(staff).where(eq(staff.employeeNo, 'JGSW002'));
    const [third] = await t.ctx.db.select().from(staff).where(eq(staff.employeeNo, 'JGSW003'));
    expect(rows.find((r) => r.name === '大会议室')).toMatchObject({ capacity: 80, reviewRequired: true, approverIds: [second!.id], undertakerIds: [third!.id] });
    expect(rows.find((r) => r.name === '第一会议室')).toMatchObject({ capacity: 20, reviewRequired: false });
    const listed = (await staffClient.get('/api/rooms')).json().items.map((r: { name: string }) => r.name);
    expect(listed).toEqual(expect.arrayContaining(names));
    // 发改委小会议室 is 市发展和改革委员会's: shown to its staff only
    const fgw = rows.find((r) => r.name === '发改委小会议室')!;
    const [unit] = await t.ctx.db.select().from(units).where(eq(units.name, '市发展和改革委员会'));
    expect(fgw.unitId).toBe(unit!.id);
    expect(listed).not.toContain('发改委小会议室');
    const [member] = await t.ctx.db.select().from(staff).where(eq(staff.unitId, unit!.id)).limit(1);
    const fgwStaff = await signInStaff(t, member!.phone);
    expect((await fgwStaff.get('/api/rooms')).json().items.map((r: { name: string }) => r.name)).toContain('发改委小会议室');
  });
});
