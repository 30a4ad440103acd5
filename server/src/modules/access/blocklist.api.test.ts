/**
 * A2 × X4: a blocklisted visitor never walks through a gate. Blocking takes the person off every
 * device at once and cancels their open orders (已列入黑名单, hosts told, subs follow); whatever a
 * device reports afterwards, the server refuses the pass, never marks arrival, and raises an alert
 * that administrators see and reception is told of. The kiosk refuses them too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { accessEvents, orderTransitions, securityAlerts, smsMessages, visitOrders, visitors } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { deviceToken } from './access.service.js';
import { signCode } from '../visits/codes.js';
import { T0, confirmedVisit, held, newGate, orderRow, startAccessApp } from './test-helpers.js';

let t: TestApp;
let admin: Client;
const HOUR = 3600_000;
let seq = 0;

beforeAll(async () => ({ t, admin } = await startAccessApp()));
afterAll(() => t.close());

const drain = () => t.ctx.queue.drain();
const block = (visitorId: string) => admin.patch(`/api/admin/visitors/${visitorId}/block`, { blocked: true, reason: '扰乱办公秩序' });
const alertsOf = async (visitorId: string) => t.ctx.db.select().from(securityAlerts).where(eq(securityAlerts.visitorId, visitorId));
const smsTo = async (phone: string, template: string) => {
  await drain();
  return t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, template)));
};
/** a confirmed visit inside its window, its credentials on a simulated gate of the host's building */
async function onTheGate() {
  t.ctx.clock.set(T0);
  const s = await confirmedVisit(t);
  const gate = await newGate(admin, [s.building.id]);
  t.ctx.clock.set(new Date(s.start.getTime() + 10 * 60_000));
  await drain();
  expect(held(t, gate.id).map((h) => h.orderId)).toEqual([s.order.id]);
  return { ...s, gate };
}

describe('blocking a visitor (A2, X4)', () => {
  it('takes their credentials off the gate at once, cancels the order (已列入黑名单, host told); a 模拟通行 is then refused and raises an alert that admin and reception see', async () => {
    const s = await onTheGate();
    const reception = await newStaff(t, { name: '前台小王', roles: ['staff', 'reception'], unitId: (await newUnit(t, { buildingId: s.building.id })).id });

    const res = await block(s.v.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ blocked: true, cancelledOrders: 1 });
    await drain();

    // gone from the gate, the order cancelled with its reason and trail entry
    expect(held(t, s.gate.id)).toEqual([]);
    const o = await orderRow(t, s.order.id);
    expect(o).toMatchObject({ status: 'cancelled', cancelReason: 'blocked' });
    const trail = await t.ctx.db.select().from(orderTransitions).where(eq(orderTransitions.orderId, s.order.id));
    expect(trail.at(-1)).toMatchObject({ actorType: 'admin', actorRole: 'admin', action: 'cancel', toStatus: 'cancelled', reason: 'blocked' });
    const detail = (await s.visitor.get(`/api/visits/${s.order.id}`)).json();
    expect(detail.status).toBe('cancelled');
    // the host is told
    const hostSms = await smsTo(s.host.phone, 'order_cancelled');
    expect(hostSms.map((m) => m.content).join()).toContain('黑名单');

    // the face at the gate: refused — the simulator holds nothing — and never 已到达
    const pass = await admin.post(`/api/admin/devices/${s.gate.id}/simulate`, { personId: personIdOf(s.order.id), method: 'face' });
    expect(pass.json()).toMatchObject({ result: 'denied', arrived: false, note: 'VISITOR_BLOCKED' });
    expect((await orderRow(t, s.order.id)).status).toBe('cancelled');

    // the alert: in admin with a count, and an SMS to reception through the template system
    const counts = (await admin.get('/api/admin/alerts/counts')).json();
    expect(counts.open).toBeGreaterThanOrEqual(1);
    const list = (await admin.get('/api/admin/alerts?state=open')).json();
    const a = list.items.find((x: { visitorId: string }) => x.visitorId === s.v.id);
    expect(a).toMatchObject({ kind: 'blocked_visitor', source: 'gate', deviceName: s.gate.name, personName: '陈小春', reason: 'VISITOR_BLOCKED', state: 'open' });
    const told = await smsTo(reception.phone, 'security_alert');
    expect(told).toHaveLength(1);
    expect(told[0]!.content).toContain('黑名单人员陈小春');
    expect(told[0]!.content).toContain(s.gate.name);

    // retrying at the same gate a minute later is one alert, not two
    t.ctx.clock.advance(60_000);
    await admin.post(`/api/admin/devices/${s.gate.id}/simulate`, { personId: personIdOf(s.order.id), method: 'id_card' });
    expect(await alertsOf(s.v.id)).toHaveLength(1);

    // 处理: handled alerts leave the badge
    const before = (await admin.get('/api/admin/alerts/counts')).json().open;
    expect((await admin.post('/api/admin/alerts/handle', { ids: [a.id], comment: '已通知安保' })).json()).toEqual({ handled: 1 });
    expect((await admin.get('/api/admin/alerts/counts')).json().open).toBe(before - 1);
    const handled = (await admin.get('/api/admin/alerts?state=handled')).json().items.find((x: { id: string }) => x.id === a.id);
    expect(handled).toMatchObject({ state: 'handled', comment: '已通知安保' });
    expect((await admin.post('/api/admin/alerts/handle', {})).statusCode).toBe(400);
    expect((await admin.post('/api/admin/alerts/handle', { ids: ['0190b2d2-0000-7000-8000-000000000000'] })).statusCode).toBe(404);

    // unblocking restores nothing by itself
    expect((await admin.patch(`/api/admin/visitors/${s.v.id}/block`, { blocked: false })).statusCode).toBe(200);
    await drain();
    expect((await orderRow(t, s.order.id)).status).toBe('cancelled');
    expect(held(t, s.gate.id)).toEqual([]);
  });

  it('whatever a device reports: a granted face pass for a blocked holder is an anomaly, a scanned code is denied, neither marks arrival, both alert', async () => {
    const s = await onTheGate();
    // block directly in the table, as if the gate had missed the removal: the server still refuses
    await t.ctx.db.update(visitors).set({ blocked: true, blockedReason: '测试' }).where(eq(visitors.id, s.v.id));
    const auth = { authorization: `Bearer ${deviceToken(t.ctx, s.gate.id)}` };
    const face = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: auth, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) } });
    expect(face.json()).toMatchObject({ result: 'anomaly', arrived: false, note: 'VISITOR_BLOCKED' });
    expect((await orderRow(t, s.order.id)).status).toBe('confirmed');
    const { token } = await signCode(t.ctx, s.order.id);
    const qr = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: auth, payload: { method: 'qr', result: 'granted', qrToken: token } });
    expect(qr.json()).toMatchObject({ result: 'denied', arrived: false, note: 'VISITOR_BLOCKED' });
    expect((await orderRow(t, s.order.id)).status).toBe('confirmed');
    const events = await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.orderId, s.order.id));
    expect(events.map((e) => e.result).sort()).toEqual(['anomaly', 'denied']);
    // one alert (the same person at the same gate within minutes)
    expect((await alertsOf(s.v.id)).map((a) => a.kind)).toEqual(['blocked_visitor']);
    // and the 通行记录 say why
    const rows = (await admin.get(`/api/admin/access/events?orderId=${s.order.id}`)).json().items;
    expect(rows.map((r: { result: string; note: string }) => [r.result, r.note])).toEqual(
      expect.arrayContaining([
        ['anomaly', 'VISITOR_BLOCKED'],
        ['denied', 'VISITOR_BLOCKED'],
      ]),
    );
  });

  it('an order already 已到达 keeps its status but loses its credentials; subs that follow a main follow its cancellation', async () => {
    // on site: arrived, then blocked
    const s = await onTheGate();
    const auth = { authorization: `Bearer ${deviceToken(t.ctx, s.gate.id)}` };
    expect((await t.app.inject({ method: 'POST', url: '/api/access/events', headers: auth, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) } })).json().arrived).toBe(true);
    expect((await block(s.v.id)).json().cancelledOrders).toBe(0);
    await drain();
    expect((await orderRow(t, s.order.id)).status).toBe('arrived');
    expect(held(t, s.gate.id)).toEqual([]);

    // a main appointment with a companion: blocking the main's visitor cancels both
    t.ctx.clock.set(T0);
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id });
    const hostClient = await signInStaff(t, host.phone);
    const main = await newVisitor(t, { name: '主访客' });
    const mate = await newVisitor(t, { name: '同行人' });
    const mainClient = await signInVisitor(t, main.phone);
    const start = new Date(T0.getTime() + 2 * HOUR);
    const res = await mainClient.post('/api/visits/appointments', {
      hostPhone: host.phone,
      reason: '商务洽谈',
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + HOUR).toISOString(),
      companionPhones: [mate.phone],
      idempotencyKey: `block-sub-${seq++}`,
    });
    expect(res.statusCode).toBe(201);
    const mainId = res.json().id as string;
    expect((await hostClient.post(`/api/visits/${mainId}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
    const [sub] = await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.parentId, mainId));
    expect(sub!.status).toBe('confirmed');
    expect((await block(main.id)).json().cancelledOrders).toBe(1);
    expect(await orderRow(t, mainId)).toMatchObject({ status: 'cancelled', cancelReason: 'blocked' });
    expect(await orderRow(t, sub!.id)).toMatchObject({ status: 'cancelled', cancelReason: 'cascaded' });
  });

  it('the kiosk refuses a blocked person — a scanned code is not valid, a walk-in under another phone with the same ID number is refused — and the desk is alerted', async () => {
    const s = await onTheGate();
    await block(s.v.id);
    const kioskClient = await pairedKiosk();
    const { token } = await signCode(t.ctx, s.order.id);
    const verify = await kioskClient.post('/api/codes/verify', { token });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({ valid: false, reason: 'VISITOR_BLOCKED' });
    const kioskAlerts = (await alertsOf(s.v.id)).filter((a) => a.source === 'kiosk');
    expect(kioskAlerts).toHaveLength(1);

    const walkIn = await kioskClient.post('/api/kiosk/walk-ins', { name: '陈小春', phone: '13912340000', idType: 'prc_id', idNumber: s.v.idNumber, hostId: s.host.id, reason: '办事' });
    expect(walkIn.statusCode).toBe(403);
    expect(walkIn.json().error.code).toBe('VISITOR_BLOCKED');
    // no order was written for the refused walk-in
    expect(await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.visitorPhone, '13912340000'))).toEqual([]);
  });
});

async function pairedKiosk(): Promise<Client> {
  const created = await admin.post('/api/admin/kiosk-devices', { name: `大厅访客机${seq++}` });
  if (created.statusCode !== 201) throw new Error(`kiosk: ${created.body}`);
  const c = new Client(t);
  const paired = await c.post('/api/kiosk/pair', { token: created.json().token });
  if (paired.statusCode !== 200) throw new Error(`pair: ${paired.body}`);
  return c;
}
