/**
 * A parking barrier on the MQTT terminal protocol (real broker, Mosquitto at 127.0.0.1:1883): the
 * terminal gets an approved plate on the same credentials/upsert topic as a person — kinds
 * ['plate'] and the plate, no ID number, face or code — acknowledges it, loses it at the window's
 * end; a plate it reports on its events topic records the vehicle's entry on the order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { createTestApp, signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { requireService } from '../../test/services.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { personIdOf } from '../../../../contracts/access.js';
import { topics } from './adapters/mqtt.js';
import { newBuilding, orderRow } from './test-helpers.js';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
const T0 = new Date('2026-11-25T01:00:00Z');
const HOUR = 3600_000;
let t: TestApp;
let admin: Client;

beforeAll(async () => {
  await requireService('mqtt', BROKER, 'the MQTT barrier tests');
  t = await createTestApp({ env: { WORKERS: 'true' } }); // the MQTT event feed runs
  t.ctx.clock.set(T0);
  admin = await newAdminClient(t);
});
afterAll(() => t?.close());

async function until(check: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('MQTT barrier (real broker)', () => {
  it('an approved plate goes out on credentials/upsert (kinds plate), is removed at the end; a plate event records the entry', async () => {
    const id = `barrier-${randomUUID().slice(0, 8)}`;
    const tp = topics(id);
    const term = await mqtt.connectAsync(BROKER, { clientId: id });
    const held = new Map<string, Record<string, unknown>>();
    term.on('message', (topic, buf) => {
      const body = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
      if (topic === tp.upsert) held.set(body.personId as string, body);
      if (topic === tp.remove) held.delete(body.personId as string);
      void term.publishAsync(tp.ack, JSON.stringify({ requestId: body.requestId, ok: true }), { qos: 1 });
    });
    await term.subscribeAsync([tp.upsert, tp.remove], { qos: 1 });
    await term.publishAsync(tp.status, JSON.stringify({ online: true }), { qos: 1, retain: true });
    try {
      const building = await newBuilding(t);
      const unit = await newUnit(t, { buildingId: building.id });
      const host = await newStaff(t, { unitId: unit.id });
      const reviewer = await newStaff(t, { unitId: unit.id });
      await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'vehicle', reviewerIds: [reviewer.id], ccIds: [] });
      const res = await admin.post('/api/admin/devices', { name: 'MQTT道闸', kind: 'barrier', adapter: 'mqtt', address: `${BROKER}/${id}`, buildingIds: [building.id], direction: 'in' });
      expect(res.statusCode).toBe(200);
      const v = await newVisitor(t, { name: '陈小春' });
      const visitor = await signInVisitor(t, v.phone);
      const start = new Date(T0.getTime() + HOUR);
      const end = new Date(start.getTime() + HOUR);
      const order = (await visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '送货', startAt: start.toISOString(), endAt: end.toISOString(), plate: '川A·F12345', companionPhones: [], idempotencyKey: `mqtt-bar-${Date.now()}` })).json() as { id: string };
      await (await signInStaff(t, host.phone)).post(`/api/visits/${order.id}/review`, { decision: 'approve' });
      await (await signInStaff(t, reviewer.phone)).post(`/api/visits/${order.id}/vehicle-review`, { decision: 'approve' });

      t.ctx.clock.set(start);
      await t.ctx.queue.drain();
      const pid = personIdOf(order.id);
      const body = held.get(pid)!;
      expect(body).toMatchObject({ personId: pid, orderId: order.id, name: '陈小春', kinds: ['plate'], plate: '川AF12345', idNumber: null, face: null, validFrom: start.toISOString(), validTo: end.toISOString() });
      expect(body).not.toHaveProperty('qr');

      await term.publishAsync(tp.events, JSON.stringify({ method: 'plate', plate: '川AF12345', result: 'granted', direction: 'in' }), { qos: 1 });
      await until(async () => !!(await orderRow(t, order.id)).vehicleInAt);

      t.ctx.clock.set(end);
      await t.ctx.queue.drain();
      expect(held.has(pid)).toBe(false);
    } finally {
      await term.publishAsync(tp.status, '', { qos: 1, retain: true });
      await term.endAsync();
    }
  });
});
