/**
 * X4 access: issuance of credentials to the gates (through the built-in simulator), removal,
 * failures and retries, pass events → 已到达, and the admin API — on a real database, with the
 * test clock moved across the order's window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, signInStaff, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit } from '../../test/factories.js';
import { makeImage } from '../../test/images.js';
import { accessCredentials, accessDevices, consents, jobs, meetingBookings, meetingRooms, orderTransitions, smsMessages, staff, visitOrders, visitors as visitorsTable } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { maskIdNumber } from '../../../../contracts/identity.js';
import { simulatorOf } from './adapters/simulator.js';
import { deviceToken, holderChanged, scheduleOrderSync } from './access.service.js';
import { signCode } from '../visits/codes.js';
import { bookedVisit, held, newBuilding, newGate, orderRow, startAccessApp, T0 } from './test-helpers.js';

let t: TestApp;
let admin: Client;
const HOUR = 3600_000;
let seq = 0;

beforeAll(async () => ({ t, admin } = await startAccessApp()));
afterAll(() => t.close());

/** A host in a building, a visitor, and an appointment for [now+2h, now+4h) (pending). */
const scene = (o: { face?: boolean; consent?: boolean } = {}) => bookedVisit(t, o);
const approve = (s: { hostClient: Client; order: { id: string } }) => s.hostClient.post(`/api/visits/${s.order.id}/review`, { decision: 'approve' });
const creds = (orderId: string) => t.ctx.db.select().from(accessCredentials).where(eq(accessCredentials.orderId, orderId));
const at = (d: Date) => t.ctx.clock.set(d);
const drain = () => t.ctx.queue.drain();

describe('issuance rule (X4)', () => {
  it('face issuance (人脸下发) happens only for confirmed orders and only while the order\'s window is open', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    const elsewhere = await newGate(admin, [(await newBuilding(t)).id]);

    // pending, even inside its window: never pushed
    const pending = await scene();
    const pendingGate = await newGate(admin, [pending.building.id]);
    expect(pending.order.status).toBe('pending');

    // confirmed before its start: not pushed yet
    expect((await approve(s)).json().status).toBe('confirmed');
    await drain();
    expect(held(t, gate.id)).toEqual([]);
    expect(await creds(s.order.id)).toEqual([]);

    // one minute before the start: still nothing
    at(new Date(s.start.getTime() - 60_000));
    await drain();
    expect(held(t, gate.id)).toEqual([]);

    // at the start: face + ID card + QR on the gate of the host's building, nowhere else
    at(s.start);
    await drain();
    const [h] = held(t, gate.id);
    expect(h).toMatchObject({ personId: personIdOf(s.order.id), orderId: s.order.id, name: '陈小春', idNumber: s.v.idNumber, kinds: ['face', 'id_card', 'qr'] });
    expect(h!.face!.equals(s.v.jpeg!)).toBe(true);
    expect(h!.validFrom.toISOString()).toBe(s.start.toISOString());
    expect(h!.validTo.toISOString()).toBe(s.end.toISOString());
    expect(held(t, elsewhere.id)).toEqual([]);
    expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'issued', kinds: ['face', 'id_card', 'qr'], lastError: null }]);

    // the pending order, whose window is open as well, was never pushed
    expect(held(t, pendingGate.id)).toEqual([]);
    expect(await creds(pending.order.id)).toEqual([]);

    // at the end: removed
    at(s.end);
    await drain();
    expect(held(t, gate.id)).toEqual([]);
    expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'removed' }]);
    expect(simulatorOf(t.ctx).calls.filter((c) => c.personId === personIdOf(pending.order.id))).toEqual([]);
  });

  it('a cancelled order is removed from the gates at once; one cancelled before its start is never pushed', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 10 * 60_000));
    await drain();
    expect(held(t, gate.id)).toHaveLength(1);
    const res = await s.visitor.post(`/api/visits/${s.order.id}/cancel`, {});
    expect(res.json().status).toBe('cancelled');
    await drain();
    expect(held(t, gate.id)).toEqual([]);
    expect(await creds(s.order.id)).toMatchObject([{ status: 'removed' }]);

    at(T0);
    const early = await scene();
    const gate2 = await newGate(admin, [early.building.id]);
    await approve(early);
    await early.hostClient.post(`/api/visits/${early.order.id}/cancel`, {});
    at(early.start);
    await drain();
    expect(held(t, gate2.id)).toEqual([]);
    expect(await creds(early.order.id)).toEqual([]);
  });

  it('an order cancelled while its push is under way does not stay on the gate', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    await drain();
    at(s.start);
    const sim = simulatorOf(t.ctx);
    sim.during = async (c) => {
      if (c.op !== 'upsert' || c.deviceId !== gate.id) return;
      sim.during = null;
      // the visitor cancels between the job's read of the order and the gate's answer, and another
      // worker runs the cancellation's sync at once (it finds nothing issued yet)
      expect((await s.visitor.post(`/api/visits/${s.order.id}/cancel`, {})).json().status).toBe('cancelled');
      await drain();
    };
    try {
      await drain();
    } finally {
      sim.during = null;
    }
    expect(held(t, gate.id)).toEqual([]);
    expect(await creds(s.order.id)).toMatchObject([{ status: 'removed' }]);
  });

  it('face is never the only way in: without a face consent only the ID card and the QR code are pushed', async () => {
    at(T0);
    const s = await scene({ consent: false });
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(s.start);
    await drain();
    const [h] = held(t, gate.id);
    expect(h!.kinds).toEqual(['id_card', 'qr']);
    expect(h!.face).toBeNull();
  });

  it('a face consent withdrawn during an open window takes the face off the gates at once; ID card and QR stay', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 10 * 60_000));
    await drain();
    expect(held(t, gate.id)[0]!.kinds).toEqual(['face', 'id_card', 'qr']);
    const res = await s.visitor.delete('/api/visitor/me/face-consent');
    expect(res.statusCode).toBe(200);
    await drain();
    const [h] = held(t, gate.id);
    expect(h!.kinds).toEqual(['id_card', 'qr']);
    expect(h!.face).toBeNull();
    expect((await creds(s.order.id))[0]).toMatchObject({ status: 'issued', kinds: ['id_card', 'qr'] });
  });

  it('a meeting order is pushed to the gates of the meeting room\'s building, with an internal attendee\'s staff photo', async () => {
    at(T0);
    const hostBuilding = await newBuilding(t);
    const roomBuilding = await newBuilding(t);
    const unit = await newUnit(t, { buildingId: hostBuilding.id });
    const applicant = await newStaff(t, { unitId: unit.id });
    const attendee = await newStaff(t, { unitId: unit.id, name: '王晓东' });
    const jpeg = await makeImage({ format: 'jpeg' });
    await t.ctx.storage.put(`faces/staff-${attendee.id}`, jpeg);
    await t.ctx.db.update(staff).set({ photoKey: `faces/staff-${attendee.id}` }).where(eq(staff.id, attendee.id));
    await t.ctx.db.insert(consents).values({ subjectType: 'staff', subjectId: attendee.id, kind: 'face', textVersion: 'staff-face-v1', grantedAt: T0 });
    const [room] = await t.ctx.db.insert(meetingRooms).values({ name: `会议室${seq++}`, buildingId: roomBuilding.id, capacity: 10 }).returning();
    const start = new Date(T0.getTime() + HOUR);
    const end = new Date(T0.getTime() + 2 * HOUR);
    const [booking] = await t.ctx.db
      .insert(meetingBookings)
      .values({ roomId: room!.id, title: '项目评审会', applicantId: applicant.id, startAt: start, endAt: end, status: 'approved', headcount: 3, settlementUnitId: unit.id, seating: '课桌式' })
      .returning();
    const [o] = await t.ctx.db
      .insert(visitOrders)
      .values({ kind: 'meeting', status: 'confirmed', visitorPhone: attendee.phone, hostId: applicant.id, unitId: unit.id, reason: '项目评审会', startAt: start, endAt: end, meetingId: booking!.id, attendeeStaffId: attendee.id })
      .returning();
    await t.ctx.db.transaction((tx) => scheduleOrderSync(t.ctx, tx, o!));
    const roomGate = await newGate(admin, [roomBuilding.id]);
    const hostGate = await newGate(admin, [hostBuilding.id]);
    at(start);
    await drain();
    expect(held(t, hostGate.id)).toEqual([]);
    const [h] = held(t, roomGate.id);
    expect(h).toMatchObject({ name: '王晓东', kinds: ['face', 'qr'] });
    expect(h!.face!.equals(jpeg)).toBe(true);
  });
});

describe('failures (下发队列)', () => {
  it('a device that refuses shows as failed with its error, the job retries with backoff, and the admin retry issues it', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    simulatorOf(t.ctx).setFailing(gate.id, 'memory full');
    at(s.start);
    await drain();
    expect(await creds(s.order.id)).toMatchObject([{ status: 'failed', lastError: 'issue: memory full' }]);
    const failedJobs = await t.ctx.db.select().from(jobs).where(and(eq(jobs.type, 'access.sync'), eq(jobs.status, 'failed')));
    expect(failedJobs.some((j) => (j.payload as { orderId: string }).orderId === s.order.id && j.runAt > s.start)).toBe(true);

    const list = (await admin.get(`/api/admin/access/credentials?status=failed&deviceId=${gate.id}`)).json();
    expect(list.items).toMatchObject([{ orderId: s.order.id, deviceName: gate.name, holderName: '陈小春', status: 'failed', lastError: 'issue: memory full' }]);

    // still failing: retry fails again
    const id = list.items[0].id;
    expect((await admin.post(`/api/admin/access/credentials/${id}/retry`)).statusCode).toBe(200);
    await drain();
    expect((await creds(s.order.id))[0]!.status).toBe('failed');

    simulatorOf(t.ctx).setFailing(gate.id, null);
    expect((await admin.post(`/api/admin/access/credentials/${id}/retry`)).statusCode).toBe(200);
    await drain();
    expect(await creds(s.order.id)).toMatchObject([{ status: 'issued', lastError: null }]);
    expect(held(t, gate.id)).toHaveLength(1);
    // only a failed row can be retried
    const again = await admin.post(`/api/admin/access/credentials/${id}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CREDENTIAL_NOT_RETRYABLE');
  });

  it('the queue\'s own retry issues once the device works again (no admin needed)', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    simulatorOf(t.ctx).setFailing(gate.id, 'offline');
    at(s.start);
    await drain();
    expect((await creds(s.order.id))[0]!.status).toBe('failed');
    simulatorOf(t.ctx).setFailing(gate.id, null);
    at(new Date(s.start.getTime() + 60_000)); // past the first backoff (5 s)
    await drain();
    expect((await creds(s.order.id))[0]!.status).toBe('issued');
  });
});

describe('pass events (通行记录)', () => {
  it('a granted pass in by the holder inside the window marks the order 已到达 with a trail entry and tells the host; a pass out records leftAt', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 5 * 60_000));
    await drain();
    const token = deviceToken(t.ctx, gate.id);
    const send = (body: unknown, auth = `Bearer ${token}`) => t.app.inject({ method: 'POST', url: '/api/access/events', payload: body as object, headers: { authorization: auth } });

    expect((await send({ method: 'face', result: 'granted', personId: personIdOf(s.order.id) }, 'Bearer nope')).statusCode).toBe(401);
    // the device is checked before the body: no token → 401 whatever is sent; a bad body with a token → 400
    expect((await send({ method: 'teleport' }, '')).statusCode).toBe(401);
    const badBody = await send({ method: 'teleport', result: 'granted' });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error.code).toBe('VALIDATION_FAILED');
    expect((await send({ method: 'face', result: 'granted', personId: personIdOf(s.order.id) }, `Bearer ${deviceToken(t.ctx, s.order.id)}`)).statusCode).toBe(401);

    const res = await send({ method: 'face', result: 'granted', personId: personIdOf(s.order.id) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ orderId: s.order.id, result: 'granted', arrived: true });
    const o = await orderRow(t, s.order.id);
    expect(o.status).toBe('arrived');
    expect(o.arrivedAt?.toISOString()).toBe(t.ctx.clock.now().toISOString());
    const trail = await t.ctx.db.select().from(orderTransitions).where(eq(orderTransitions.orderId, s.order.id));
    expect(trail.at(-1)).toMatchObject({ action: 'arrive', actorType: 'system', actorId: `device:${gate.id}`, fromStatus: 'confirmed', toStatus: 'arrived', comment: `人脸通行 · ${gate.name}` });
    // the host sees it in the order's trail
    const seen = (await s.hostClient.get(`/api/visits/${s.order.id}`)).json();
    expect(seen.status).toBe('arrived');
    expect(seen.trail.at(-1).label['zh-CN']).toBe('闸机：已到达');
    await drain();
    const sms = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, s.host.phone));
    // the host's notice names the visitor (the gate's read of the order brought the name along)
    const [visitorRow] = await t.ctx.db.select({ name: visitorsTable.name }).from(visitorsTable).where(eq(visitorsTable.phone, s.v.phone));
    expect(sms.some((m) => m.content.includes(`您的访客${visitorRow!.name}已到达`))).toBe(true);
    // still held after arrival (out and back in within the window)
    expect(held(t, gate.id)).toHaveLength(1);

    // a second pass in does not move it again
    expect((await send({ method: 'id_card', result: 'granted', personId: personIdOf(s.order.id) })).json()).toMatchObject({ arrived: false });
    at(new Date(s.start.getTime() + 60 * 60_000));
    expect((await send({ method: 'face', result: 'granted', direction: 'out', personId: personIdOf(s.order.id) })).statusCode).toBe(200);
    expect((await orderRow(t, s.order.id)).leftAt?.toISOString()).toBe(t.ctx.clock.now().toISOString());

    const ev = (await admin.get(`/api/admin/access/events?orderId=${s.order.id}`)).json();
    expect(ev.total).toBe(3);
    expect(ev.items[0]).toMatchObject({ direction: 'out', method: 'face', result: 'granted', holderName: '陈小春', deviceName: gate.name });
  });

  it('a pass before the window opens records the event but does not mark arrival; a scanned code is verified by the server', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    const token = deviceToken(t.ctx, gate.id);
    const send = (body: unknown) => t.app.inject({ method: 'POST', url: '/api/access/events', payload: body as object, headers: { authorization: `Bearer ${token}` } });
    expect((await send({ method: 'face', result: 'granted', personId: personIdOf(s.order.id) })).json()).toMatchObject({ arrived: false, note: 'OUTSIDE_WINDOW' });
    expect((await orderRow(t, s.order.id)).status).toBe('confirmed');

    // a code outside the window is refused by the server whatever the device says
    const early = await signCode(t.ctx, s.order.id);
    expect((await send({ method: 'qr', result: 'granted', qrToken: early.token })).json()).toMatchObject({ result: 'denied', note: 'OUTSIDE_WINDOW' });
    at(new Date(s.start.getTime() + 60_000));
    expect((await send({ method: 'qr', result: 'granted', qrToken: 'forged.token.x' })).json()).toMatchObject({ result: 'denied', note: 'CODE_INVALID', orderId: null });
    const code = await signCode(t.ctx, s.order.id);
    expect((await send({ method: 'qr', result: 'granted', qrToken: code.token })).json()).toMatchObject({ result: 'granted', arrived: true, orderId: s.order.id });
    expect((await orderRow(t, s.order.id)).status).toBe('arrived');
  });

  it('模拟通行 on a simulator: granted only for what the gate holds, then 已到达; not on other adapters', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    const pid = personIdOf(s.order.id);
    const before = await admin.post(`/api/admin/devices/${gate.id}/simulate`, { personId: pid, method: 'face' });
    expect(before.json()).toMatchObject({ result: 'denied', arrived: false });
    at(s.start);
    await drain();
    const heldRes = (await admin.get(`/api/admin/devices/${gate.id}/held`)).json();
    expect(heldRes).toMatchObject({ source: 'device', items: [{ personId: pid, orderId: s.order.id, name: '陈小春', hasFace: true, idNumberMasked: maskIdNumber(s.v.idNumber) }] });
    const ok = await admin.post(`/api/admin/devices/${gate.id}/simulate`, { personId: pid, method: 'face' });
    expect(ok.json()).toMatchObject({ result: 'granted', arrived: true });
    expect((await orderRow(t, s.order.id)).status).toBe('arrived');

    const isapi = await newGate(admin, [s.building.id], { adapter: 'hikvision_isapi', address: 'http://127.0.0.1:9', enabled: false });
    const res = await admin.post(`/api/admin/devices/${isapi.id}/simulate`, { personId: pid, method: 'face' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('DEVICE_NOT_SIMULATOR');
  });
});

describe('admin API 设备管理', () => {
  it('needs an admin session (401), whatever the body', async () => {
    const anon = new Client(t);
    for (const [m, u] of [
      ['GET', '/api/admin/devices'],
      ['POST', '/api/admin/devices'],
      ['GET', '/api/admin/access/credentials'],
      ['GET', '/api/admin/access/events'],
    ] as const) {
      const res = await anon.req(m, u, m === 'POST' ? { bogus: 1 } : undefined);
      expect(res.statusCode, `${m} ${u}`).toBe(401);
    }
    const staffClient = await signInStaff(t, (await newStaff(t)).phone);
    expect((await staffClient.get('/api/admin/devices')).statusCode).toBe(401);
  });

  it('validates devices; the password is stored encrypted and never returned; changes re-sync and delete waits for removal', async () => {
    const b = await newBuilding(t);
    const bad = await admin.post('/api/admin/devices', { name: '', kind: 'gate', adapter: 'simulator', address: '', buildingIds: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const badAddr = await admin.post('/api/admin/devices', { name: 'A', kind: 'gate', adapter: 'hikvision_isapi', address: 'ftp://x', buildingIds: [b.id] });
    expect(badAddr.json().error.code).toBe('DEVICE_ADDRESS_INVALID');
    const badMqtt = await admin.post('/api/admin/devices', { name: 'A', kind: 'gate', adapter: 'mqtt', address: 'mqtt://127.0.0.1:1883', buildingIds: [b.id] });
    expect(badMqtt.json().error.code).toBe('DEVICE_ADDRESS_INVALID');
    const badKind = await admin.post('/api/admin/devices', { name: 'A', kind: 'elevator', adapter: 'simulator', address: '', buildingIds: [b.id] });
    expect(badKind.statusCode).toBe(400);
    const noBuilding = await admin.post('/api/admin/devices', { name: 'A', kind: 'gate', adapter: 'simulator', address: '', buildingIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(noBuilding.json().error.code).toBe('BUILDING_NOT_FOUND');

    const created = await admin.post('/api/admin/devices', { name: '东门闸机', kind: 'gate', adapter: 'hikvision_isapi', address: 'http://127.0.0.1:9', username: 'admin', password: 'S3cret!pw', buildingIds: [b.id] });
    expect(created.statusCode).toBe(200);
    const d = created.json();
    expect(d).toMatchObject({ name: '东门闸机', hasPassword: true, username: 'admin', buildingNames: [b.name], health: 'unknown', enabled: true, direction: 'in' });
    expect(JSON.stringify(d)).not.toContain('S3cret');
    const [row] = await t.ctx.db.select().from(accessDevices).where(eq(accessDevices.id, d.id));
    expect(row!.passwordEnc).not.toContain('S3cret');
    expect(t.ctx.crypto.decrypt(row!.passwordEnc!)).toBe('S3cret!pw');
    expect(JSON.stringify((await admin.get('/api/admin/devices')).json())).not.toContain('S3cret');

    // keep the password when omitted, remove it with null
    expect((await admin.patch(`/api/admin/devices/${d.id}`, { name: '东门闸机1' })).json()).toMatchObject({ name: '东门闸机1', hasPassword: true });
    expect((await admin.patch(`/api/admin/devices/${d.id}`, { password: null })).json()).toMatchObject({ hasPassword: false });

    // health of an unreachable device
    const h = await admin.post(`/api/admin/devices/${d.id}/health`);
    expect(h.json()).toMatchObject({ health: 'unreachable' });
    // the device token (audited)
    expect((await admin.get(`/api/admin/devices/${d.id}/token`)).json().token).toBe(deviceToken(t.ctx, d.id));
    expect((await admin.delete(`/api/admin/devices/${d.id}`)).json()).toEqual({ ok: true });
    expect((await admin.get(`/api/admin/devices/${d.id}`)).statusCode).toBe(404);
  });

  it('a device holding credentials cannot be deleted; disabling it removes them, then it can', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(s.start);
    await drain();
    expect(held(t, gate.id)).toHaveLength(1);
    const del = await admin.delete(`/api/admin/devices/${gate.id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('DEVICE_HAS_CREDENTIALS');
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { enabled: false, direction: 'both' })).statusCode).toBe(200);
    // a change that names neither leaves them as they are
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { name: '停用的闸机' })).json()).toMatchObject({ name: '停用的闸机', enabled: false, direction: 'both' });
    await drain();
    expect(held(t, gate.id)).toEqual([]);
    // a disabled device's passes are refused
    const pass = await t.app.inject({ method: 'POST', url: '/api/access/events', payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) }, headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` } });
    expect(pass.statusCode).toBe(401);
    expect((await admin.delete(`/api/admin/devices/${gate.id}`)).statusCode).toBe(200);
  });

  it('a device added while a visit is on gets the visitor at once', async () => {
    at(T0);
    const s = await scene();
    await approve(s);
    at(new Date(s.start.getTime() + 60_000));
    await drain();
    const late = await newGate(admin, [s.building.id]);
    await drain();
    expect(held(t, late.id).map((h) => h.orderId)).toEqual([s.order.id]);
  });
});

describe('what is sent to the gates, and how often', () => {
  const upsertsTo = (deviceId: string, personId: string) => simulatorOf(t.ctx).calls.filter((c) => c.deviceId === deviceId && c.personId === personId && c.op === 'upsert').length;

  it('an arrival sends the gate nothing again; a second gate added to the building gets the order without the first being called again', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 60_000));
    await drain();
    const pid = personIdOf(s.order.id);
    expect(upsertsTo(gate.id, pid)).toBe(1);
    const pass = await t.app.inject({ method: 'POST', url: '/api/access/events', payload: { method: 'face', result: 'granted', personId: pid }, headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` } });
    expect(pass.json()).toMatchObject({ arrived: true });
    await drain();
    expect(upsertsTo(gate.id, pid)).toBe(1);

    const second = await newGate(admin, [s.building.id]);
    await drain();
    expect(held(t, second.id).map((h) => h.personId)).toEqual([pid]);
    expect(upsertsTo(gate.id, pid)).toBe(1);
    expect(held(t, gate.id).map((h) => h.personId)).toEqual([pid]);
  });

  it('a gate moved to another building loses what it held there and takes what the new one has, and its record says so', async () => {
    at(T0);
    const a = await scene();
    const b = await scene();
    const gate = await newGate(admin, [a.building.id]);
    await approve(a);
    await approve(b);
    at(new Date(a.start.getTime() + 60_000));
    await drain();
    expect(held(t, gate.id).map((h) => h.orderId)).toEqual([a.order.id]);
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { buildingIds: [b.building.id] })).statusCode).toBe(200);
    await drain();
    expect(held(t, gate.id).map((h) => h.orderId)).toEqual([b.order.id]);
    expect(await creds(a.order.id)).toMatchObject([{ deviceId: gate.id, status: 'removed', kinds: ['face', 'id_card', 'qr'] }]);
    expect(await creds(b.order.id)).toMatchObject([{ deviceId: gate.id, status: 'issued', kinds: ['face', 'id_card', 'qr'] }]);
  });

  it('a new photo is pushed again at once even under the same key; an unchanged order is not', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 60_000));
    await drain();
    const pid = personIdOf(s.order.id);
    const photo = await makeImage({ format: 'jpeg', width: 320, height: 240 });
    const [row] = await t.ctx.db.select({ key: visitorsTable.photoKey }).from(visitorsTable).where(eq(visitorsTable.id, s.v.id));
    await t.ctx.storage.put(row!.key!, photo);
    await t.ctx.db.transaction((tx) => holderChanged(t.ctx, tx, { visitorId: s.v.id }));
    await drain();
    expect(upsertsTo(gate.id, pid)).toBe(2);
    expect(held(t, gate.id)[0]!.face!.equals(photo)).toBe(true);
    // the order's own sync again (an admin's 重试 of another device, say): nothing to send
    await t.ctx.db.transaction((tx) => t.ctx.queue.enqueue(tx, { type: 'access.sync', key: `again-${s.order.id}`, payload: { orderId: s.order.id } }));
    await drain();
    expect(upsertsTo(gate.id, pid)).toBe(2);
  });
});

describe('the simulator after a restart', () => {
  it('starts empty and takes at start what each of its devices should hold', async () => {
    at(T0);
    const s = await scene();
    const gate = await newGate(admin, [s.building.id]);
    await approve(s);
    at(new Date(s.start.getTime() + 60_000));
    await drain();
    const before = held(t, gate.id).map((h) => h.personId);
    expect(before).toEqual([personIdOf(s.order.id)]);
    simulatorOf(t.ctx).reset();
    expect(held(t, gate.id)).toEqual([]);
    const { AccessService } = await import('./access.service.js');
    const { VisitsService } = await import('../visits/visits.service.js');
    expect(await new AccessService(t.ctx, new VisitsService(t.ctx)).refillSimulators()).toBeGreaterThanOrEqual(1);
    expect(held(t, gate.id).map((h) => h.personId)).toEqual(before);
  });
});

describe('demo data', () => {
  it('seeds one simulator gate per demo building, once', async () => {
    const { seedDemo, seedDemoGates } = await import('../../db/seed-demo.js');
    await seedDemo(t.ctx);
    const gates = (await admin.get('/api/admin/devices')).json().items.filter((d: { name: string }) => d.name.includes('闸机（模拟）'));
    expect(gates.map((d: { buildingNames: string[]; adapter: string }) => [d.adapter, d.buildingNames])).toEqual([
      ['simulator', ['行政中心1号楼']],
      ['simulator', ['行政中心2号楼']],
    ]);
    expect(await seedDemoGates(t.ctx)).toBe(false);
    await seedDemo(t.ctx);
    expect((await admin.get('/api/admin/devices')).json().items.filter((d: { name: string }) => d.name.includes('闸机（模拟）'))).toHaveLength(2);
  });
});
