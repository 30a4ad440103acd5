/**
 * The MQTT terminal protocol on the real broker (Mosquitto at 127.0.0.1:1883): a terminal (an MQTT
 * client here) receives the upsert with the face, ID number and QR claim at the window's start and
 * acknowledges it, gets the remove at the end; a terminal that never acknowledges leaves the
 * issuance failed; its retained status answers 检测; a pass it publishes on its events topic makes
 * the order 已到达.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestApp, type Client, type TestApp } from '../../test/harness.js';
import { requireService } from '../../test/services.js';
import { newAdminClient } from '../../test/factories.js';
import { accessCredentials, accessEvents, visitOrders } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { confirmedVisit } from './test-helpers.js';
import { parseMqttAddress, topics } from './adapters/mqtt.js';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
let t: TestApp;
let admin: Client;
const T0 = new Date('2026-11-25T01:00:00Z');

interface Terminal {
  id: string;
  client: MqttClient;
  /** what the terminal holds, by personId */
  held: Map<string, Record<string, unknown>>;
  received: Array<{ topic: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A terminal that speaks the protocol: acks upserts/removes (unless mute), retained status. */
async function terminal(o: { mute?: boolean } = {}): Promise<Terminal> {
  const id = `test-${randomUUID().slice(0, 8)}`;
  const tp = topics(id);
  const client = await mqtt.connectAsync(BROKER, { clientId: id, will: { topic: tp.status, payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true } });
  const held = new Map<string, Record<string, unknown>>();
  const received: Terminal['received'] = [];
  client.on('message', (topic, buf) => {
    const body = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    received.push({ topic, body });
    if (topic === tp.upsert) held.set(body.personId as string, body);
    if (topic === tp.remove) held.delete(body.personId as string);
    if (!o.mute) void client.publishAsync(tp.ack, JSON.stringify({ requestId: body.requestId, ok: true }), { qos: 1 });
  });
  await client.subscribeAsync([tp.upsert, tp.remove], { qos: 1 });
  await client.publishAsync(tp.status, JSON.stringify({ online: true, model: 'SG-Gate-1', firmware: '1.4.2' }), { qos: 1, retain: true });
  return {
    id,
    client,
    held,
    received,
    close: async () => {
      await client.publishAsync(tp.status, '', { qos: 1, retain: true }); // clear the retained status
      await client.endAsync();
    },
  };
}

beforeAll(async () => {
  await requireService('mqtt', BROKER, 'the MQTT gate tests');
  t = await createTestApp({ env: { WORKERS: 'true' } }); // WORKERS: the MQTT event feed runs (the harness never starts the queue)
  t.ctx.clock.set(T0);
  admin = await newAdminClient(t);
});
afterAll(() => t?.close());

const creds = (orderId: string) => t.ctx.db.select().from(accessCredentials).where(eq(accessCredentials.orderId, orderId));
async function mqttDevice(buildingId: string, terminalId: string) {
  const res = await admin.post('/api/admin/devices', { name: `MQTT闸机 ${terminalId}`, kind: 'gate', adapter: 'mqtt', address: `${BROKER}/${terminalId}`, buildingIds: [buildingId], direction: 'in' });
  expect(res.statusCode).toBe(200);
  return res.json() as { id: string };
}
async function until(check: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('MQTT terminal protocol (real broker)', () => {
  it('parses device addresses', () => {
    expect(parseMqttAddress('mqtt://10.1.2.3:1883/gate-01')).toEqual({ brokerUrl: 'mqtt://10.1.2.3:1883', terminalId: 'gate-01' });
    expect(parseMqttAddress('mqtts://broker.example/gate_02/')).toEqual({ brokerUrl: 'mqtts://broker.example', terminalId: 'gate_02' });
    expect(parseMqttAddress('http://x/gate')).toBeNull();
    expect(parseMqttAddress('mqtt://x/a/b')).toBeNull();
  });

  it('upsert at the start (acknowledged, QoS 1) with face, ID number and QR claim; remove at the end; a pass on the events topic → 已到达', async () => {
    const term = await terminal();
    try {
      t.ctx.clock.set(T0);
      const s = await confirmedVisit(t);
      const gate = await mqttDevice(s.building.id, term.id);
      const pid = personIdOf(s.order.id);
      await t.ctx.queue.drain();
      expect(term.received).toEqual([]);

      t.ctx.clock.set(s.start);
      await t.ctx.queue.drain();
      expect(await creds(s.order.id)).toMatchObject([{ deviceId: gate.id, status: 'issued', kinds: ['face', 'id_card', 'qr'] }]);
      const body = term.held.get(pid)!;
      expect(body).toMatchObject({ personId: pid, orderId: s.order.id, name: '陈小春', idNumber: s.v.idNumber, validFrom: s.start.toISOString(), validTo: s.end.toISOString(), kinds: ['face', 'id_card', 'qr'], qr: { orderId: s.order.id } });
      expect(Buffer.from(body.face as string, 'base64').equals(s.v.jpeg)).toBe(true);

      // 检测: the terminal's retained status
      expect((await admin.post(`/api/admin/devices/${gate.id}/health`)).json()).toMatchObject({ health: 'ok', healthDetail: `${term.id} / SG-Gate-1 / 1.4.2` });

      // the terminal reports a pass
      await term.client.publishAsync(topics(term.id).events, JSON.stringify({ method: 'face', result: 'granted', direction: 'in', personId: pid }), { qos: 1 });
      await until(async () => (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, s.order.id)))[0]!.status === 'arrived');
      const [ev] = await t.ctx.db.select().from(accessEvents).where(eq(accessEvents.orderId, s.order.id));
      expect(ev).toMatchObject({ deviceId: gate.id, method: 'face', direction: 'in', result: 'granted' });
      expect((ev!.detail as { via: string }).via).toBe('mqtt');

      t.ctx.clock.set(s.end);
      await t.ctx.queue.drain();
      expect(term.held.has(pid)).toBe(false);
      expect(term.received.at(-1)).toMatchObject({ topic: topics(term.id).remove, body: { personId: pid } });
      expect((await creds(s.order.id))[0]!.status).toBe('removed');
    } finally {
      await term.close();
    }
  });

  it('a terminal that does not acknowledge leaves the issuance failed (retried later); an absent terminal is unreachable on 检测', async () => {
    const term = await terminal({ mute: true });
    try {
      t.ctx.clock.set(T0);
      const s = await confirmedVisit(t);
      await mqttDevice(s.building.id, term.id);
      await t.ctx.queue.drain();
      t.ctx.clock.set(s.start);
      await t.ctx.queue.drain();
      expect(term.received).toHaveLength(1); // it got the message, but said nothing
      expect(await creds(s.order.id)).toMatchObject([{ status: 'failed', lastError: `issue: no ack from terminal ${term.id} within 3s` }]);
    } finally {
      await term.close();
    }
    const nobody = await mqttDevice((await confirmedVisit(t)).building.id, `absent-${randomUUID().slice(0, 8)}`);
    expect((await admin.post(`/api/admin/devices/${nobody.id}/health`)).json()).toMatchObject({ health: 'unreachable', healthDetail: expect.stringContaining('no status from terminal') });
  });
});
