/**
 * X4: devices report, the server decides. A pass's time is the server's (the device's is kept as
 * deviceAt, and a skew is flagged); a pass the server would refuse but the device let through is
 * an anomaly with an alert; a replayed report counts once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, type TestApp } from '../../test/harness.js';
import { accessEvents, securityAlerts } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { deviceToken } from './access.service.js';
import { T0, confirmedVisit, newGate, orderRow, startAccessApp } from './test-helpers.js';

let t: TestApp;
let admin: Client;
const MIN = 60_000;
let seq = 0;

beforeAll(async () => ({ t, admin } = await startAccessApp({ env: { ACCESS_CLOCK_SKEW_SECONDS: '120' } })));
afterAll(() => t.close());

async function scene() {
  t.ctx.clock.set(T0);
  const s = await confirmedVisit(t);
  const gate = await newGate(admin, [s.building.id]);
  const report = (body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` }, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id), ...body } });
  return { ...s, gate, report };
}
const alertsFor = async (orderId: string) => t.ctx.db.select().from(securityAlerts).where(eq(securityAlerts.orderId, orderId));

describe('the server decides time and outcome (X4)', () => {
  it("a device's clock cannot mark an order 已到达 before its window: the server's time decides, the device's is kept and its skew flagged", async () => {
    const s = await scene();
    // two hours before the window, the device claims the pass happened inside it
    t.ctx.clock.set(new Date(s.start.getTime() - 2 * 60 * MIN));
    const claimed = new Date(s.start.getTime() + 5 * MIN);
    const r = await s.report({ at: claimed.toISOString() });
    expect(r.json()).toMatchObject({ result: 'anomaly', arrived: false, note: 'OUTSIDE_WINDOW' });
    expect((await orderRow(t, s.order.id)).status).toBe('confirmed');
    const [e] = await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.orderId, s.order.id));
    expect(e!.at.toISOString()).toBe(t.ctx.clock.now().toISOString());
    expect(e!.deviceAt!.toISOString()).toBe(claimed.toISOString());
    const rows = (await admin.get(`/api/admin/access/events?orderId=${s.order.id}`)).json().items;
    expect(rows[0]).toMatchObject({ result: 'anomaly', clockSkew: true, deviceAt: claimed.toISOString(), at: t.ctx.clock.now().toISOString() });
    expect((await alertsFor(s.order.id)).map((a) => [a.kind, a.reason])).toEqual([['pass_anomaly', 'OUTSIDE_WINDOW']]);

    // inside the window, a device a minute off is not flagged, and the pass counts
    t.ctx.clock.set(new Date(s.start.getTime() + 10 * MIN));
    const ok = await s.report({ at: new Date(t.ctx.clock.now().getTime() - MIN).toISOString() });
    expect(ok.json()).toMatchObject({ result: 'granted', arrived: true });
    expect((await orderRow(t, s.order.id)).arrivedAt!.toISOString()).toBe(t.ctx.clock.now().toISOString());
    const latest = (await admin.get(`/api/admin/access/events?orderId=${s.order.id}`)).json().items[0];
    expect(latest).toMatchObject({ result: 'granted', clockSkew: false });
  });

  it("a device's granted pass for a cancelled order is stored as an anomaly (not granted with a note) and alerts; a denied one stays denied", async () => {
    const s = await scene();
    expect((await s.visitor.post(`/api/visits/${s.order.id}/cancel`, {})).statusCode).toBe(200);
    t.ctx.clock.set(new Date(s.start.getTime() + 5 * MIN));
    expect((await s.report({})).json()).toMatchObject({ result: 'anomaly', arrived: false, note: 'ORDER_CANCELLED' });
    expect((await s.report({ result: 'denied', method: 'id_card' })).json()).toMatchObject({ result: 'denied', note: 'ORDER_CANCELLED' });
    expect((await orderRow(t, s.order.id)).status).toBe('cancelled');
    expect((await alertsFor(s.order.id)).map((a) => a.kind)).toEqual(['pass_anomaly']);
    const list = (await admin.get('/api/admin/access/events?result=anomaly')).json().items;
    expect(list.some((r: { orderId: string }) => r.orderId === s.order.id)).toBe(true);
  });

  it('an order-shaped person id that is no order is an anomaly; a person id the gate holds for its own staff is recorded as the device says', async () => {
    const s = await scene();
    t.ctx.clock.set(new Date(s.start.getTime() + 5 * MIN));
    const forged = await s.report({ personId: 'f'.repeat(32) });
    expect(forged.json()).toMatchObject({ result: 'anomaly', orderId: null, note: 'UNKNOWN_PERSON' });
    const own = await s.report({ personId: 'EMP00123' });
    expect(own.json()).toMatchObject({ result: 'granted', orderId: null, note: 'UNKNOWN_PERSON' });
  });

  it('a replayed report (same device, person and device time) counts once', async () => {
    const s = await scene();
    t.ctx.clock.set(new Date(s.start.getTime() + 5 * MIN));
    const at = t.ctx.clock.now().toISOString();
    const first = (await s.report({ at })).json();
    expect(first).toMatchObject({ result: 'granted', arrived: true });
    t.ctx.clock.advance(30_000);
    const again = (await s.report({ at })).json();
    expect(again).toMatchObject({ seq: first.seq, replay: true, arrived: false });
    // concurrent copies too
    const at2 = new Date(t.ctx.clock.now().getTime() + 1000).toISOString();
    const both = await Promise.all([s.report({ at: at2, direction: 'out' }), s.report({ at: at2, direction: 'out' })]);
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(new Set(both.map((r) => r.json().seq)).size).toBe(1);
    expect(await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.orderId, s.order.id))).toHaveLength(2);
  });
});

describe('bad bytes from an MQTT terminal (no HTTP text guard on that path)', () => {
  it('a NUL in a person id is dropped, the pass is still recorded, nothing throws', async () => {
    const { AccessService } = await import('./access.service.js');
    const { VisitsService } = await import('../visits/visits.service.js');
    const res = await admin.post('/api/admin/devices', { name: `MQTT闸机${seq++}`, kind: 'gate', adapter: 'mqtt', address: 'mqtt://127.0.0.1:1883/term-nul', buildingIds: [], direction: 'in', enabled: true });
    expect(res.statusCode).toBe(200);
    const passes = new AccessService(t.ctx, new VisitsService(t.ctx)).passes;
    await passes.onMqttEvent('term-nul', { method: 'face', result: 'granted', personId: 'ab\u0000cd', qrToken: '\ud800' }, 'mqtt://127.0.0.1:1883');
    const rows = await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.deviceId, res.json().id));
    expect(rows).toHaveLength(1);
    expect((rows[0]!.detail as { personId: unknown }).personId).toBeNull();
  });
});
