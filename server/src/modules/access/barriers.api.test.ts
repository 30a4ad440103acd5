/**
 * Parking barriers (S8 车辆审核 → X4): an approved plate goes to the barriers of the order's
 * building for its window — only there, only the plate — and leaves at the end, on cancellation, on
 * a rejection; a barrier's plate pass records the vehicle's entry and exit on the order; a plate with
 * no live approved order is refused; Hikvision ISAPI barriers are refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { accessCredentials, accessEvents, orderTransitions, securityAlerts } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { deviceToken } from './access.service.js';
import { held, newBuilding, newGate, orderRow, startAccessApp, T0 } from './test-helpers.js';

let t: TestApp;
let admin: Client;
const HOUR = 3600_000;
let seq = 0;

beforeAll(async () => ({ t, admin } = await startAccessApp()));
afterAll(() => t.close());

const at = (d: Date) => t.ctx.clock.set(d);
const drain = () => t.ctx.queue.drain();
const barrier = (buildingIds: string[], o: Record<string, unknown> = {}) => newGate(admin, buildingIds, { name: `北门道闸${seq++}`, kind: 'barrier', ...o });
const creds = (orderId: string, deviceId: string) =>
  t.ctx.db
    .select()
    .from(accessCredentials)
    .where(and(eq(accessCredentials.orderId, orderId), eq(accessCredentials.deviceId, deviceId)));

/**
 * A building with a gate and a barrier, a unit with its vehicle reviewer (A6), a visitor's
 * appointment for [now+2h, now+4h) with a plate, approved by the host (the plate still 待确认).
 */
async function scene(plate = '浙C·12345') {
  at(T0);
  const building = await newBuilding(t);
  const gate = await newGate(admin, [building.id]);
  const bar = await barrier([building.id]);
  const unit = await newUnit(t, { buildingId: building.id });
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const reviewer = await newStaff(t, { unitId: unit.id, name: '车管员' });
  expect((await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'vehicle', reviewerIds: [reviewer.id], ccIds: [] })).statusCode).toBe(200);
  const v = await newVisitor(t, { name: '陈小春' });
  const visitor = await signInVisitor(t, v.phone);
  const start = new Date(T0.getTime() + 2 * HOUR);
  const end = new Date(start.getTime() + 2 * HOUR);
  const res = await visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '送货', startAt: start.toISOString(), endAt: end.toISOString(), plate, companionPhones: [], idempotencyKey: `bar-${seq++}-${Date.now()}` });
  expect(res.statusCode).toBe(201);
  const order = res.json() as { id: string };
  const hostClient = await signInStaff(t, host.phone);
  expect((await hostClient.post(`/api/visits/${order.id}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
  const reviewerClient = await signInStaff(t, reviewer.phone);
  const review = (decision: 'approve' | 'reject', comment?: string) => reviewerClient.post(`/api/visits/${order.id}/vehicle-review`, { decision, comment });
  return { building, gate, bar, unit, host, hostClient, visitor, order, start, end, review };
}

const simulate = (deviceId: string, body: Record<string, unknown>) => admin.post(`/api/admin/devices/${deviceId}/simulate`, body);

describe('plates on the barriers', () => {
  it('an approved plate is on the barrier inside the window only — only the plate, and nothing of the person; the gate gets the person, not the plate', async () => {
    const s = await scene();
    // inside the window but still 待确认: the barrier holds nothing
    at(s.start);
    await drain();
    expect(held(t, s.bar.id)).toEqual([]);
    expect(held(t, s.gate.id).map((h) => h.kinds)).toEqual([['id_card', 'qr']]);

    // approved before the window: nothing yet; at the start: the plate
    at(T0);
    expect((await s.review('approve')).json().vehicle.status).toBe('approved');
    await drain();
    expect(held(t, s.bar.id)).toEqual([]);
    at(s.start);
    await drain();
    const [h] = held(t, s.bar.id);
    expect(h).toMatchObject({ personId: personIdOf(s.order.id), orderId: s.order.id, name: '陈小春', plate: '浙C12345', kinds: ['plate'], idNumber: null, face: null });
    expect([h!.validFrom.toISOString(), h!.validTo.toISOString()]).toEqual([s.start.toISOString(), s.end.toISOString()]);
    expect(held(t, s.gate.id)[0]).not.toHaveProperty('plate', '浙C12345');
    expect(await creds(s.order.id, s.bar.id)).toMatchObject([{ status: 'issued', kinds: ['plate'] }]);

    // 设备管理 详情: the barrier shows the plate it holds
    const list = (await admin.get(`/api/admin/devices/${s.bar.id}/held`)).json();
    expect(list.items).toMatchObject([{ name: '陈小春', plate: '浙C12345', kinds: ['plate'], hasFace: false, idNumberMasked: null }]);

    // at the end: gone
    at(s.end);
    await drain();
    expect(held(t, s.bar.id)).toEqual([]);
    expect(await creds(s.order.id, s.bar.id)).toMatchObject([{ status: 'removed' }]);
  });

  it('a rejected plate never reaches the barrier; a cancelled order takes the plate off at once', async () => {
    const rejected = await scene('粤B·D12345');
    at(rejected.start);
    expect((await rejected.review('reject', '车位已满')).statusCode).toBe(200);
    await drain();
    expect(held(t, rejected.bar.id)).toEqual([]);
    expect(held(t, rejected.gate.id)).toHaveLength(1); // the person still comes in on foot

    const s = await scene('沪AD12345');
    at(s.start);
    await s.review('approve');
    await drain();
    expect(held(t, s.bar.id).map((h) => h.plate)).toEqual(['沪AD12345']);
    expect((await s.visitor.post(`/api/visits/${s.order.id}/cancel`, {})).statusCode).toBe(200);
    await drain();
    expect(held(t, s.bar.id)).toEqual([]);
    expect(await creds(s.order.id, s.bar.id)).toMatchObject([{ status: 'removed' }]);
  });

  it('a plate pass in and out at the barrier records the vehicle’s entry and exit on the order (not the person’s arrival)', async () => {
    const s = await scene('京A·12345');
    at(s.start);
    await s.review('approve');
    await drain();
    const inAt = new Date(s.start.getTime() + 10 * 60_000);
    at(inAt);
    const pass = await simulate(s.bar.id, { method: 'plate', plate: '京a 12345', direction: 'in' });
    expect(pass.statusCode).toBe(200);
    expect(pass.json()).toMatchObject({ result: 'granted', orderId: s.order.id, arrived: false, note: null });
    let o = await orderRow(t, s.order.id);
    expect([o.vehicleInAt?.toISOString(), o.vehicleOutAt, o.status]).toEqual([inAt.toISOString(), null, 'confirmed']);
    const detail = (await s.visitor.get(`/api/visits/${s.order.id}`)).json();
    expect(detail.vehicle).toMatchObject({ plate: '京A12345', status: 'approved', inAt: inAt.toISOString(), outAt: null });
    expect(detail.trail.at(-1).label['zh-CN']).toBe('道闸：车辆入场');

    const outAt = new Date(inAt.getTime() + 30 * 60_000);
    at(outAt);
    expect((await simulate(s.bar.id, { method: 'plate', plate: '京A12345', direction: 'out' })).json()).toMatchObject({ result: 'granted', orderId: s.order.id });
    o = await orderRow(t, s.order.id);
    expect(o.vehicleOutAt?.toISOString()).toBe(outAt.toISOString());
    const trail = await t.ctx.db.select().from(orderTransitions).where(eq(orderTransitions.orderId, s.order.id));
    expect(trail.filter((x) => x.actorRole === 'barrier').map((x) => [x.action, x.comment])).toEqual([
      ['vehicle_in', `京A12345 · ${s.bar.name}`],
      ['vehicle_out', `京A12345 · ${s.bar.name}`],
    ]);
    // 通行记录 shows the plate
    const events = (await admin.get(`/api/admin/access/events?deviceId=${s.bar.id}`)).json().items;
    expect(events.map((e: { method: string; plate: string; direction: string; holderName: string }) => [e.method, e.plate, e.direction, e.holderName])).toEqual([
      ['plate', '京A12345', 'out', '陈小春'],
      ['plate', '京A12345', 'in', '陈小春'],
    ]);
  });

  it('the server refuses a plate with no live approved order there: unknown, pending, another building — denied, or anomaly when the barrier let it in', async () => {
    const s = await scene('苏E·12345');
    at(s.start);
    await drain();
    // still 待确认: the simulator holds nothing, so it refuses; a real barrier that lets it in is an anomaly
    expect((await simulate(s.bar.id, { method: 'plate', plate: '苏E12345' })).json()).toMatchObject({ result: 'denied', orderId: s.order.id, note: 'VEHICLE_PENDING' });
    const token = deviceToken(t.ctx, s.bar.id);
    const report = (body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${token}` }, payload: body });
    const anomaly = await report({ method: 'plate', plate: '苏E12345', result: 'granted', direction: 'in' });
    expect(anomaly.json()).toMatchObject({ result: 'anomaly', note: 'VEHICLE_PENDING' });
    const unknown = await report({ method: 'plate', plate: '闽D99999', result: 'granted', direction: 'in' });
    expect(unknown.json()).toMatchObject({ result: 'anomaly', orderId: null, note: 'PLATE_UNKNOWN' });
    expect((await simulate(s.bar.id, { method: 'plate', plate: '闽D99999' })).json()).toMatchObject({ result: 'denied', orderId: null, note: 'PLATE_UNKNOWN' });
    const raised = await t.ctx.db.select().from(securityAlerts).where(eq(securityAlerts.deviceId, s.bar.id));
    expect(raised.length).toBeGreaterThanOrEqual(2);
    expect((await orderRow(t, s.order.id)).vehicleInAt).toBeNull();

    // approved, but at a barrier of another building: unknown there
    await s.review('approve');
    await drain();
    const other = await barrier([(await newBuilding(t)).id]);
    expect((await report({ method: 'plate', plate: '苏E12345', result: 'granted' })).json()).toMatchObject({ result: 'granted', orderId: s.order.id });
    const elsewhere = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, other.id)}` }, payload: { method: 'plate', plate: '苏E12345', result: 'granted' } });
    expect(elsewhere.json()).toMatchObject({ result: 'anomaly', orderId: null, note: 'PLATE_UNKNOWN' });
    // after the window: refused
    at(s.end);
    expect((await report({ method: 'plate', plate: '苏E12345', result: 'denied' })).json()).toMatchObject({ result: 'denied', note: 'OUTSIDE_WINDOW' });
    // an unknown vehicle leaving is noted, not refused
    expect((await report({ method: 'plate', plate: '闽D88888', result: 'granted', direction: 'out' })).json()).toMatchObject({ result: 'granted', orderId: null, note: 'PLATE_UNKNOWN' });
    const stored = await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.deviceId, s.bar.id));
    expect(stored.every((e) => e.method === 'plate')).toBe(true);
  });

  it('模拟通行 on a barrier needs the plate; a gate pass with a person still works as before', async () => {
    const s = await scene();
    expect((await simulate(s.bar.id, { method: 'plate' })).json().error.code).toBe('VALIDATION_FAILED');
    expect((await simulate(s.gate.id, { method: 'id_card' })).json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a Hikvision ISAPI barrier is refused with a clear message; MQTT and simulator barriers are accepted', async () => {
    const b = (await newBuilding(t)).id;
    const res = await admin.post('/api/admin/devices', { name: '南门道闸', kind: 'barrier', adapter: 'hikvision_isapi', address: 'http://10.0.0.9', buildingIds: [b], direction: 'in', enabled: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'DEVICE_BARRIER_UNSUPPORTED' });
    expect(res.json().error.message['zh-CN']).toContain('MQTT');
    const gate = await newGate(admin, [b], { adapter: 'hikvision_isapi', address: 'http://10.0.0.9' });
    expect((await admin.patch(`/api/admin/devices/${gate.id}`, { kind: 'barrier' })).json().error.code).toBe('DEVICE_BARRIER_UNSUPPORTED');
    expect((await admin.post('/api/admin/devices', { name: '西门道闸', kind: 'barrier', adapter: 'mqtt', address: 'mqtt://127.0.0.1:1883/barrier-west', buildingIds: [b], direction: 'in', enabled: true })).statusCode).toBe(200);
  });
});
