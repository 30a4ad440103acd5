/**
 * The Hikvision ISAPI adapter against a local terminal stub that checks HTTP digest auth the real
 * way: person (UserInfo), ID card (CardInfo) and face (FDLib FaceDataRecord, multipart) pushed at
 * the window's start, nothing sent again while it is unchanged, a push again (the device edited)
 * modifies, the person deleted at the end; a wrong password
 * fails the issuance; 检测 reads deviceInfo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newAdminClient, newVisitor } from '../../test/factories.js';
import { startIsapiStub, type IsapiStub } from '../../test/stubs/isapi-stub.js';
import { accessCredentials } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { bookedVisit, confirmedVisit } from './test-helpers.js';
import { multipart } from '../../test/images.js';
import { visitOrders } from '../../db/schema/index.js';
import { parseDigestChallenge } from './adapters/isapi.js';

let t: TestApp;
let admin: Client;
let stub: IsapiStub;
const T0 = new Date('2026-11-25T01:00:00Z'); // 09:00 in Shanghai

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(T0);
  admin = await newAdminClient(t);
  stub = await startIsapiStub({ username: 'admin', password: 'Hik12345!' });
});
afterAll(async () => {
  await stub.close();
  await t.close();
});

const creds = (orderId: string) => t.ctx.db.select().from(accessCredentials).where(eq(accessCredentials.orderId, orderId));
async function isapiDevice(buildingId: string, password = 'Hik12345!') {
  const res = await admin.post('/api/admin/devices', { name: '东门人脸闸机', kind: 'gate', adapter: 'hikvision_isapi', address: stub.url, username: 'admin', password, buildingIds: [buildingId] });
  expect(res.statusCode).toBe(200);
  return res.json() as { id: string };
}

describe('Hikvision ISAPI adapter', () => {
  it('parses a terminal\'s digest challenge', () => {
    expect(parseDigestChallenge('Digest qop="auth", realm="DS-K1T671MF", nonce="abc", stale="FALSE"')).toMatchObject({ realm: 'DS-K1T671MF', nonce: 'abc', qop: 'auth' });
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
  });

  it('pushes person, ID card and face with digest auth at the start, nothing again while unchanged, modifies when pushed again, deletes the person at the end', async () => {
    t.ctx.clock.set(T0);
    const s = await confirmedVisit(t);
    const gate = await isapiDevice(s.building.id);
    const pid = personIdOf(s.order.id);
    await t.ctx.queue.drain();
    expect(stub.requests).toEqual([]); // confirmed, but its window has not opened
    t.ctx.clock.set(s.start);
    await t.ctx.queue.drain();

    expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'issued', kinds: ['face', 'id_card', 'qr'] }]);
    // the window in the terminal's local time (Asia/Shanghai): 11:00–13:00
    expect(stub.users.get(pid)).toMatchObject({ employeeNo: pid, name: '陈小春', userType: 'visitor', Valid: { enable: true, beginTime: '2026-11-25T11:00:00', endTime: '2026-11-25T13:00:00', timeType: 'local' } });
    expect(stub.cards.get(s.v.idNumber)).toBe(pid);
    expect(stub.faces.get(pid)!.equals(s.v.jpeg)).toBe(true);
    // the first call was challenged, then every call answered with a valid digest: the later ones
    // with the same nonce, its count going up (no second challenge per call)
    expect(stub.requests.map((r) => `${r.authenticated ? '' : 'challenged '}${r.method} ${r.path}`)).toEqual([
      'challenged POST /ISAPI/AccessControl/UserInfo/Record?format=json',
      'POST /ISAPI/AccessControl/UserInfo/Record?format=json',
      'POST /ISAPI/AccessControl/CardInfo/Record?format=json',
      'POST /ISAPI/Intelligent/FDLib/FaceDataRecord?format=json',
    ]);

    // a pass makes it arrived: what the terminal should hold is unchanged, so nothing is sent
    const res = await t.app.inject({ method: 'POST', url: '/api/access/events', payload: { method: 'face', result: 'granted', personId: pid }, headers: { authorization: `Bearer ${(await admin.get(`/api/admin/devices/${gate.id}/token`)).json().token}` } });
    expect(res.json()).toMatchObject({ arrived: true });
    stub.requests.length = 0;
    await t.ctx.queue.drain();
    expect(stub.requests).toEqual([]);

    // the administrator edits the device (after a terminal was reset, say): everything it should
    // hold is pushed again — the terminal already knows the person, so each part is modified
    // (it also restarted: the nonce it gave is forgotten, so the first call is challenged again)
    stub.expireNonces();
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { name: '东门人脸闸机（更换后）' })).statusCode).toBe(200);
    await t.ctx.queue.drain();
    expect(stub.requests.filter((r) => !r.authenticated).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['POST /ISAPI/AccessControl/UserInfo/Record']);
    expect(stub.requests.filter((r) => r.authenticated).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'POST /ISAPI/AccessControl/UserInfo/Record',
      'PUT /ISAPI/AccessControl/UserInfo/Modify',
      'POST /ISAPI/AccessControl/CardInfo/Record',
      'PUT /ISAPI/AccessControl/CardInfo/Modify',
      'POST /ISAPI/Intelligent/FDLib/FaceDataRecord',
      'PUT /ISAPI/Intelligent/FDLib/FDSetUp',
    ]);
    expect((await creds(s.order.id))[0]!.status).toBe('issued');

    t.ctx.clock.set(s.end);
    await t.ctx.queue.drain();
    expect(stub.users.has(pid)).toBe(false);
    expect(stub.cards.has(s.v.idNumber)).toBe(false);
    expect(stub.faces.has(pid)).toBe(false);
    expect((await creds(s.order.id))[0]!.status).toBe('removed');
  });

  it('a visitor without a face: the first push sends person and card only (the terminal holds nothing of them); a push again also clears any face it may hold', async () => {
    t.ctx.clock.set(T0);
    const s = await bookedVisit(t, { face: false });
    expect((await s.hostClient.post(`/api/visits/${s.order.id}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
    const gate = await isapiDevice(s.building.id);
    t.ctx.clock.set(s.start);
    stub.requests.length = 0;
    await t.ctx.queue.drain();
    const pid = personIdOf(s.order.id);
    const sent = () => stub.requests.filter((r) => r.authenticated).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(sent()).toEqual(['POST /ISAPI/AccessControl/UserInfo/Record', 'POST /ISAPI/AccessControl/CardInfo/Record']);
    expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'issued', kinds: ['id_card', 'qr'] }]);
    // a face the terminal got some other way (before a reset, by hand) is cleared when the person is pushed again
    stub.faces.set(pid, Buffer.from('stale'));
    stub.requests.length = 0;
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { name: '西门人脸闸机' })).statusCode).toBe(200);
    await t.ctx.queue.drain();
    expect(sent()).toEqual([
      'POST /ISAPI/AccessControl/UserInfo/Record',
      'PUT /ISAPI/AccessControl/UserInfo/Modify',
      'POST /ISAPI/AccessControl/CardInfo/Record',
      'PUT /ISAPI/AccessControl/CardInfo/Modify',
      'PUT /ISAPI/Intelligent/FDLib/FDSearch/Delete',
    ]);
    expect(stub.faces.has(pid)).toBe(false);
  });

  it('a terminal taken off a building loses everyone it held there in one UserInfo/Delete (a list of employee numbers)', async () => {
    t.ctx.clock.set(T0);
    const a = await confirmedVisit(t);
    const gate = await isapiDevice(a.building.id);
    // a second visitor to the same host
    const v2 = await signInVisitor(t, (await newVisitor(t, { name: '李四' })).phone);
    const booked = await v2.post('/api/visits/appointments', { hostPhone: a.host.phone, reason: '设备联调', startAt: a.start.toISOString(), endAt: a.end.toISOString(), companionPhones: [], idempotencyKey: `isapi-batch-${Date.now()}` });
    const b = booked.json() as { id: string };
    expect((await a.hostClient.post(`/api/visits/${b.id}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
    t.ctx.clock.set(a.start);
    await t.ctx.queue.drain();
    expect(stub.users.has(personIdOf(a.order.id)) && stub.users.has(personIdOf(b.id))).toBe(true);
    stub.requests.length = 0;
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { buildingIds: [] })).statusCode).toBe(200);
    await t.ctx.queue.drain();
    expect(stub.requests.filter((r) => r.authenticated).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['PUT /ISAPI/AccessControl/UserInfo/Delete']);
    expect(stub.users.has(personIdOf(a.order.id)) || stub.users.has(personIdOf(b.id))).toBe(false);
    expect((await creds(a.order.id)).map((c) => c.status)).toEqual(['removed']);
    expect((await creds(b.id)).map((c) => c.status)).toEqual(['removed']);
  });

  it('a wrong password fails the issuance with the terminal\'s refusal, shown in 下发队列', async () => {
    t.ctx.clock.set(T0);
    const s = await confirmedVisit(t);
    const gate = await isapiDevice(s.building.id, 'wrong-password');
    t.ctx.clock.set(s.start);
    await t.ctx.queue.drain();
    expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'failed', lastError: 'issue: the device refused the user name or password (401)' }]);
    expect(stub.users.has(personIdOf(s.order.id))).toBe(false);
    // the admin fixes the password and retries
    await admin.patch(`/api/admin/devices/${gate.id}`, { password: 'Hik12345!' });
    const [row] = (await admin.get(`/api/admin/access/credentials?deviceId=${gate.id}&status=failed`)).json().items;
    await admin.post(`/api/admin/access/credentials/${row.id}/retry`);
    await t.ctx.queue.drain();
    expect((await creds(s.order.id))[0]!.status).toBe('issued');
    expect(stub.users.has(personIdOf(s.order.id))).toBe(true);
  });

  it('检测 reads deviceInfo: ok with the model; an unreachable terminal is reported as such', async () => {
    const s = await confirmedVisit(t);
    const gate = await isapiDevice(s.building.id);
    const h = (await admin.post(`/api/admin/devices/${gate.id}/health`)).json();
    expect(h).toMatchObject({ health: 'ok', healthDetail: 'Access Controller / DS-K1T671MF / V3.2.30' });
    expect(h.lastSeenAt).not.toBeNull();
    await admin.patch(`/api/admin/devices/${gate.id}`, { address: 'http://127.0.0.1:9' });
    expect((await admin.post(`/api/admin/devices/${gate.id}/health`)).json()).toMatchObject({ health: 'unreachable' });
  });

  it('the terminal\'s event push (HTTP listening, JSON or multipart) feeds the same pass intake: face passed → 已到达; door events are ignored; a bad token is refused', async () => {
    t.ctx.clock.set(T0);
    const s = await confirmedVisit(t);
    const gate = await isapiDevice(s.building.id);
    const token = (await admin.get(`/api/admin/devices/${gate.id}/token`)).json().token as string;
    const pid = personIdOf(s.order.id);
    const at = new Date(s.start.getTime() + 5 * 60_000);
    t.ctx.clock.set(at);
    const event = (sub: number, employeeNoString?: string) => ({
      ipAddress: '192.168.1.64',
      portNo: 80,
      protocol: 'HTTP',
      dateTime: '2026-11-25T11:05:00+08:00',
      activePostCount: 1,
      eventType: 'AccessControllerEvent',
      eventState: 'active',
      eventDescription: 'Access Controller Event',
      AccessControllerEvent: { deviceName: 'Access Controller', majorEventType: 5, subEventType: sub, employeeNoString, cardReaderNo: 1, currentVerifyMode: 'cardOrFace' },
    });
    const url = `/api/access/isapi/events?token=${encodeURIComponent(token)}`;
    expect((await t.app.inject({ method: 'POST', url: '/api/access/isapi/events?token=nope', payload: event(75, pid) })).statusCode).toBe(401);
    // a door-open event (major 5, sub 21) is not a pass
    expect((await t.app.inject({ method: 'POST', url, payload: event(21) })).json()).toEqual({ ok: true, recorded: false });
    // face failed, as multipart (event_log part + a picture)
    const m = await multipart({ event_log: JSON.stringify(event(76, pid)) }, { data: s.v.jpeg, type: 'image/jpeg', field: 'Picture', name: 'Picture.jpg' });
    expect((await t.app.inject({ method: 'POST', url, payload: m.payload, headers: m.headers })).json()).toEqual({ ok: true, recorded: true });
    expect((await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, s.order.id)))[0]!.status).toBe('confirmed');
    // face passed, as JSON
    expect((await t.app.inject({ method: 'POST', url, payload: event(75, pid) })).json()).toEqual({ ok: true, recorded: true });
    const o = (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, s.order.id)))[0]!;
    expect(o.status).toBe('arrived');
    expect(o.arrivedAt?.toISOString()).toBe(at.toISOString());
    const events = (await admin.get(`/api/admin/access/events?orderId=${s.order.id}`)).json().items;
    expect(events.map((e: { method: string; result: string; at: string }) => [e.method, e.result, e.at])).toEqual([
      ['face', 'granted', '2026-11-25T03:05:00.000Z'],
      ['face', 'denied', '2026-11-25T03:05:00.000Z'],
    ]);
  });
});
