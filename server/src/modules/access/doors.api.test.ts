/**
 * 远程开门 (S3): the administrator marks a device as a door staff may open and says who (units,
 * roles, people); the staff app lists the doors its user may open, grouped by building, and opens
 * one through the device's adapter — the simulator (its door opens), Hikvision ISAPI
 * (RemoteControl/door with digest auth, against the terminal stub) and the MQTT terminal protocol
 * (cmd / cmd/ack on the real broker) — with the result at once: opened, offline or refused. Every
 * attempt is audited with its result; one person opens at most DOOR_OPEN_PER_USER_PER_MINUTE a
 * minute; a door someone may not open is 404 to them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import { signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { requireService } from '../../test/services.js';
import { startIsapiStub, type IsapiStub } from '../../test/stubs/isapi-stub.js';
import { auditLog, staff } from '../../db/schema/index.js';
import { simulatorOf, SIM_DOOR_OPEN_MS } from './adapters/simulator.js';
import { topics } from './adapters/mqtt.js';
import { mqttHubOf } from './access.service.js';
import { newBuilding, startAccessApp, T0 } from './test-helpers.js';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
const LIMIT = 4;
let t: TestApp;
let admin: Client;
let seq = 0;

beforeAll(async () => {
  ({ t, admin } = await startAccessApp({ env: { DOOR_OPEN_PER_USER_PER_MINUTE: String(LIMIT) } }));
});
afterAll(() => t?.close());

/** A door added as the administrator does; `o` overrides the body. */
async function newDoor(buildingIds: string[], o: Record<string, unknown> = {}) {
  const res = await admin.post('/api/admin/devices', { name: `东门门禁${seq++}`, kind: 'door', adapter: 'simulator', address: 'sim', buildingIds, direction: 'in', enabled: true, remoteOpen: true, ...o });
  if (res.statusCode !== 200) throw new Error(`door: ${res.body}`);
  return res.json() as { id: string; name: string; remoteOpen: boolean; doorNo: number; openGrants: { unitIds: string[]; roles: string[]; staffIds: string[]; units: Array<{ id: string; name: string }>; staff: Array<{ id: string; name: string }> } };
}
/** A staff member (in a new unit unless told) signed in to the staff app. */
async function person(o: Parameters<typeof newStaff>[1] = {}) {
  const s = await newStaff(t, o);
  return { s, c: await signInStaff(t, s.phone) };
}
const doorIds = async (c: Client) => ((await c.get('/api/staff/doors')).json().groups as Array<{ doors: Array<{ id: string }> }>).flatMap((g) => g.doors.map((d) => d.id));
const attempts = (deviceId: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'access.door.open'), eq(auditLog.targetId, deviceId)))
    .orderBy(desc(auditLog.seq));
/** a fresh minute for the rate limit */
const nextMinute = () => t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 61_000));

describe('设备管理: which devices open remotely, and for whom', () => {
  it('stores 远程开门, the door number and the grants, and shows the names of the units and people', async () => {
    const unit = await newUnit(t, { name: '市发改委' });
    const s = await newStaff(t, { name: '王开门' });
    const d = await newDoor([], { doorNo: 2, openGrants: { unitIds: [unit.id], roles: ['reception'], staffIds: [s.id] } });
    expect(d).toMatchObject({ remoteOpen: true, doorNo: 2, openGrants: { unitIds: [unit.id], roles: ['reception'], staffIds: [s.id], units: [{ id: unit.id, name: '市发改委' }], staff: [{ id: s.id, name: '王开门' }] } });
    // a PATCH that does not name the grants keeps them; turning 远程开门 off keeps them too
    const off = await admin.patch(`/api/admin/devices/${d.id}`, { remoteOpen: false });
    expect(off.json()).toMatchObject({ remoteOpen: false, doorNo: 2, openGrants: { unitIds: [unit.id], roles: ['reception'], staffIds: [s.id] } });
    // a new device is no remote door unless marked
    const gate = await admin.post('/api/admin/devices', { name: '普通闸机', kind: 'gate', adapter: 'simulator', address: '', buildingIds: [] });
    expect(gate.json()).toMatchObject({ remoteOpen: false, doorNo: 1, openGrants: { unitIds: [], roles: [], staffIds: [] } });
  });

  it('refuses grants naming a unit, person or role that does not exist, and a door number out of range', async () => {
    const d = await newDoor([]);
    const bad = async (body: Record<string, unknown>) => (await admin.patch(`/api/admin/devices/${d.id}`, body)).json().error?.code;
    expect(await bad({ openGrants: { unitIds: [randomUUID()], roles: [], staffIds: [] } })).toBe('UNIT_NOT_FOUND');
    expect(await bad({ openGrants: { unitIds: [], roles: [], staffIds: [randomUUID()] } })).toBe('STAFF_NOT_FOUND');
    expect(await bad({ openGrants: { unitIds: [], roles: ['janitor'], staffIds: [] } })).toBe('DOOR_GRANT_ROLE_INVALID');
    expect(await bad({ doorNo: 0 })).toBe('VALIDATION_FAILED');
    expect(await bad({ doorNo: 17 })).toBe('VALIDATION_FAILED');
    // nothing was changed by the refused edits
    expect((await admin.get(`/api/admin/devices/${d.id}`)).json()).toMatchObject({ doorNo: 1, openGrants: { unitIds: [], roles: [], staffIds: [] } });
  });
});

describe('the doors a staff member may open', () => {
  it('lists a door to its unit, its roles and its people — nobody else — grouped by building, a door of no building last', async () => {
    const east = await newBuilding(t);
    const west = await newBuilding(t);
    const unit = await newUnit(t);
    const colleague = await person({ unitId: unit.id });
    const receptionist = await person({ roles: ['staff', 'reception'] });
    const named = await person();
    const other = await person();
    const byUnit = await newDoor([east.id], { name: 'A 东楼门禁', openGrants: { unitIds: [unit.id], roles: [], staffIds: [] } });
    const byRole = await newDoor([east.id, west.id], { name: 'B 连廊门禁', openGrants: { unitIds: [], roles: ['reception'], staffIds: [] } });
    const byPerson = await newDoor([], { name: 'C 机房门禁', openGrants: { unitIds: [], roles: [], staffIds: [named.s.id, colleague.s.id] } });
    // not for anyone: 远程开门 off, disabled, or nobody granted
    await newDoor([east.id], { remoteOpen: false, openGrants: { unitIds: [unit.id], roles: [], staffIds: [] } });
    await newDoor([east.id], { enabled: false, openGrants: { unitIds: [unit.id], roles: [], staffIds: [] } });
    await newDoor([east.id]);

    const groups = (await colleague.c.get('/api/staff/doors')).json().groups;
    expect(groups).toEqual([
      { buildingId: east.id, buildingName: east.name, doors: [{ id: byUnit.id, name: 'A 东楼门禁', kind: 'door', health: 'unknown' }] },
      { buildingId: null, buildingName: null, doors: [expect.objectContaining({ id: byPerson.id, name: 'C 机房门禁' })] },
    ]);
    // a door of two buildings is under each
    const r = (await receptionist.c.get('/api/staff/doors')).json().groups as Array<{ buildingId: string; doors: Array<{ id: string }> }>;
    const byName = [east, west].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    expect(r.map((g) => [g.buildingId, g.doors.map((d) => d.id)])).toEqual(byName.map((b) => [b.id, [byRole.id]]));
    expect(await doorIds(named.c)).toEqual([byPerson.id]);
    expect(await doorIds(other.c)).toEqual([]);
  });

  it('is for the staff app only', async () => {
    const v = await newVisitor(t);
    const visitor = await signInVisitor(t, v.phone);
    expect((await visitor.get('/api/staff/doors')).statusCode).toBe(401);
    expect((await admin.get('/api/staff/doors')).statusCode).toBe(401);
  });
});

describe('opening a door', () => {
  it('opens the simulator\'s door at once, audits it, records it in 通行记录 and shows it in 设备管理', async () => {
    const { s, c } = await person({ name: '李门卫' });
    const d = await newDoor([], { doorNo: 3, openGrants: { unitIds: [], roles: [], staffIds: [s.id] } });
    const res = await c.post(`/api/staff/doors/${d.id}/open`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: 'opened', at: T0.toISOString() });

    const sim = simulatorOf(t.ctx);
    expect(sim.openings(d.id)).toEqual([{ at: T0, door: 3, by: '李门卫' }]);
    expect(sim.isOpen(d.id)).toBe(true);
    expect((await admin.get(`/api/admin/devices/${d.id}/door`)).json()).toEqual({ source: 'device', open: true, openings: [{ at: T0.toISOString(), door: 3, by: '李门卫' }] });
    // the simulated door closes again after its pulse
    t.ctx.clock.set(new Date(T0.getTime() + SIM_DOOR_OPEN_MS));
    expect((await admin.get(`/api/admin/devices/${d.id}/door`)).json()).toMatchObject({ open: false });
    t.ctx.clock.set(T0);

    expect(await attempts(d.id)).toMatchObject([{ actorType: 'staff', actorId: s.id, targetType: 'access_device', detail: { doorResult: 'opened', door: 3 } }]);
    const events = (await admin.get(`/api/admin/access/events?deviceId=${d.id}`)).json();
    expect(events.items).toMatchObject([{ method: 'remote', result: 'granted', holderName: '李门卫', orderId: null, note: 'REMOTE_OPEN' }]);
    // 最近通信: the device answered
    expect((await admin.get(`/api/admin/devices/${d.id}`)).json().lastSeenAt).toBe(T0.toISOString());
  });

  it('is 404 to someone without the right — the attempt is audited — and for a door that is off, disabled or unknown', async () => {
    const unit = await newUnit(t);
    const allowed = await person({ unitId: unit.id });
    const outsider = await person();
    const d = await newDoor([], { openGrants: { unitIds: [unit.id], roles: [], staffIds: [] } });
    const r = await outsider.c.post(`/api/staff/doors/${d.id}/open`);
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('NOT_FOUND');
    expect(simulatorOf(t.ctx).openings(d.id)).toEqual([]);
    expect(await attempts(d.id)).toMatchObject([{ actorId: outsider.s.id, detail: { doorResult: 'not_permitted' } }]);

    await admin.patch(`/api/admin/devices/${d.id}`, { remoteOpen: false });
    expect((await allowed.c.post(`/api/staff/doors/${d.id}/open`)).statusCode).toBe(404);
    await admin.patch(`/api/admin/devices/${d.id}`, { remoteOpen: true, enabled: false });
    expect((await allowed.c.post(`/api/staff/doors/${d.id}/open`)).statusCode).toBe(404);
    await admin.patch(`/api/admin/devices/${d.id}`, { enabled: true });
    expect((await allowed.c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
    expect((await allowed.c.post(`/api/staff/doors/${randomUUID()}/open`)).statusCode).toBe(404);
    expect((await allowed.c.post('/api/staff/doors/not-a-uuid/open')).json().error.code).toBe('VALIDATION_FAILED');
    // someone taken out of the unit can no longer open it
    await t.ctx.db.update(staff).set({ unitId: (await newUnit(t)).id }).where(eq(staff.id, allowed.s.id));
    expect((await allowed.c.post(`/api/staff/doors/${d.id}/open`)).statusCode).toBe(404);
  });

  it('says offline when the device does not answer and refused when it answers no; both audited, neither a pass', async () => {
    nextMinute();
    const { s, c } = await person();
    const d = await newDoor([], { openGrants: { unitIds: [], roles: [], staffIds: [s.id] } });
    const sim = simulatorOf(t.ctx);
    sim.setOffline(d.id, true);
    expect((await c.post(`/api/staff/doors/${d.id}/open`)).json()).toMatchObject({ result: 'offline' });
    sim.setOffline(d.id, false);
    sim.setFailing(d.id, 'door held by fire alarm');
    expect((await c.post(`/api/staff/doors/${d.id}/open`)).json()).toMatchObject({ result: 'refused' });
    sim.setFailing(d.id, null);
    expect(sim.openings(d.id)).toEqual([]);
    expect((await attempts(d.id)).map((a) => a.detail)).toMatchObject([
      { doorResult: 'refused', error: 'door held by fire alarm' },
      { doorResult: 'offline', error: 'simulator: offline' },
    ]);
    expect((await admin.get(`/api/admin/access/events?deviceId=${d.id}`)).json().items).toEqual([]);
  });

  it(`lets one person open at most ${LIMIT} times a minute (each over the limit audited), others unaffected`, async () => {
    nextMinute();
    const { s, c } = await person();
    const second = await person();
    const d = await newDoor([], { openGrants: { unitIds: [], roles: [], staffIds: [s.id, second.s.id] } });
    for (let i = 0; i < LIMIT; i++) expect((await c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
    const over = await c.post(`/api/staff/doors/${d.id}/open`);
    expect(over.statusCode).toBe(429);
    expect(over.json().error).toMatchObject({ code: 'DOOR_OPEN_RATE_LIMITED', message: { 'zh-CN': '开门过于频繁，请稍后再试' } });
    expect(simulatorOf(t.ctx).openings(d.id)).toHaveLength(LIMIT);
    expect((await attempts(d.id))[0]).toMatchObject({ actorId: s.id, detail: { doorResult: 'rate_limited' } });
    // someone else still may
    expect((await second.c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
    nextMinute();
    expect((await c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
  });
});

describe('demo data', () => {
  it('has a simulator door the demo staff member 姜柠檬 may open, seeded once', async () => {
    const { seedDemo, seedDemoDoors, DEMO_STAFF_PHONE } = await import('../../db/seed-demo.js');
    await seedDemo(t.ctx);
    expect(await seedDemoDoors(t.ctx)).toBe(false);
    const demo = await signInStaff(t, DEMO_STAFF_PHONE);
    const groups = (await demo.get('/api/staff/doors')).json().groups;
    expect(groups).toMatchObject([{ buildingName: '行政中心1号楼', doors: [{ name: '行政中心1号楼 办公区门禁（模拟）', kind: 'door' }] }]);
    nextMinute();
    expect((await demo.post(`/api/staff/doors/${groups[0].doors[0].id}/open`)).json().result).toBe('opened');
  });
});

describe('Hikvision ISAPI: RemoteControl/door with digest auth', () => {
  let stub: IsapiStub;
  beforeAll(async () => {
    stub = await startIsapiStub({ username: 'admin', password: 'Hik12345!', doors: 2 });
  });
  afterAll(() => stub?.close());

  async function isapiDoor(staffId: string, o: Record<string, unknown> = {}) {
    return newDoor([], { adapter: 'hikvision_isapi', address: stub.url, username: 'admin', password: 'Hik12345!', doorNo: 2, openGrants: { unitIds: [], roles: [], staffIds: [staffId] }, ...o });
  }

  it('sends <RemoteControlDoor><cmd>open</cmd> for the device\'s door, answered after a digest challenge', async () => {
    nextMinute();
    const { s, c } = await person({ name: '赵值班' });
    const d = await isapiDoor(s.id);
    stub.requests.length = 0;
    expect((await c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
    expect(stub.doorCommands).toEqual([{ door: 2, cmd: 'open' }]);
    expect(stub.requests).toEqual([
      { method: 'PUT', path: '/ISAPI/AccessControl/RemoteControl/door/2', authenticated: false },
      { method: 'PUT', path: '/ISAPI/AccessControl/RemoteControl/door/2', authenticated: true },
    ]);
    // a real device: 设备管理 shows the recorded openings
    expect((await admin.get(`/api/admin/devices/${d.id}/door`)).json()).toEqual({ source: 'record', open: null, openings: [{ at: t.ctx.clock.now().toISOString(), door: 2, by: '赵值班' }] });
  });

  it('is refused when the terminal says no (a wrong password, a door it does not have), offline when it cannot be reached', async () => {
    nextMinute();
    const { s, c } = await person();
    stub.doorCommands.length = 0;
    const wrongPassword = await isapiDoor(s.id, { password: 'nope' });
    expect((await c.post(`/api/staff/doors/${wrongPassword.id}/open`)).json().result).toBe('refused');
    const noSuchDoor = await isapiDoor(s.id, { doorNo: 3 });
    expect((await c.post(`/api/staff/doors/${noSuchDoor.id}/open`)).json().result).toBe('refused');
    expect((await attempts(noSuchDoor.id))[0]!.detail).toMatchObject({ doorResult: 'refused', error: 'RemoteControl/door: notSupport' });
    const gone = await isapiDoor(s.id, { address: 'http://127.0.0.1:9' });
    expect((await c.post(`/api/staff/doors/${gone.id}/open`)).json().result).toBe('offline');
    expect(stub.doorCommands).toEqual([]);
  });
});

describe('MQTT terminals: cmd and cmd/ack on the real broker', () => {
  beforeAll(async () => {
    await requireService('mqtt', BROKER, 'the MQTT door tests');
  });
  const clients: MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) {
      await c.publishAsync(topics(c.options.clientId!).status, '', { qos: 1, retain: true }).catch(() => undefined);
      await c.endAsync().catch(() => undefined);
    }
  });

  /** A door terminal: answers door.open with `answer` (or never, when mute); its retained status online unless told. */
  async function terminal(answer: { ok: boolean; error?: string } | 'mute', online = true) {
    const id = `door-${randomUUID().slice(0, 8)}`;
    const tp = topics(id);
    const client = await mqtt.connectAsync(BROKER, { clientId: id });
    clients.push(client);
    const received: Array<Record<string, unknown>> = [];
    client.on('message', (topic, buf) => {
      if (topic !== tp.cmd) return;
      const body = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
      received.push(body);
      if (answer !== 'mute') void client.publishAsync(tp.cmdAck, JSON.stringify({ requestId: body.requestId, ...answer }), { qos: 1 });
    });
    await client.subscribeAsync(tp.cmd, { qos: 1 });
    await client.publishAsync(tp.status, JSON.stringify({ online }), { qos: 1, retain: true });
    return { id, received };
  }
  const mqttDoor = (terminalId: string, staffId: string) =>
    newDoor([], { adapter: 'mqtt', address: `${BROKER}/${terminalId}`, doorNo: 1, openGrants: { unitIds: [], roles: [], staffIds: [staffId] } });

  it('publishes door.open on cmd and is opened on the ack', async () => {
    nextMinute();
    const { s, c } = await person({ name: '钱保安' });
    const term = await terminal({ ok: true });
    const d = await mqttDoor(term.id, s.id);
    expect((await c.post(`/api/staff/doors/${d.id}/open`)).json().result).toBe('opened');
    expect(term.received).toEqual([{ requestId: expect.any(String), type: 'door.open', door: 1, by: '钱保安', expiresAt: expect.any(String) }]);
    expect(Date.parse(term.received[0]!.expiresAt as string)).toBeGreaterThan(Date.now());
  });

  it('is refused on an ack with ok false, offline without an ack in time or when the terminal\'s status is offline', async () => {
    nextMinute();
    const { s, c } = await person();
    const refusing = await terminal({ ok: false, error: 'door forced open alarm' });
    const d1 = await mqttDoor(refusing.id, s.id);
    expect((await c.post(`/api/staff/doors/${d1.id}/open`)).json().result).toBe('refused');
    expect((await attempts(d1.id))[0]!.detail).toMatchObject({ doorResult: 'refused', error: 'door forced open alarm' });

    const mute = await terminal('mute');
    const d2 = await mqttDoor(mute.id, s.id);
    expect((await c.post(`/api/staff/doors/${d2.id}/open`)).json().result).toBe('offline');
    expect(mute.received).toHaveLength(1);

    // its retained status says offline: no command is sent at all (it would open whenever it came back)
    const asleep = await terminal({ ok: true }, false);
    const d3 = await mqttDoor(asleep.id, s.id);
    // the hub learns the status from the broker's retained message
    const hub = mqttHubOf(t.ctx);
    expect((await hub.health({ id: d3.id, name: '', adapter: 'mqtt', address: `${BROKER}/${asleep.id}`, username: null, password: null })).ok).toBe(false);
    expect((await c.post(`/api/staff/doors/${d3.id}/open`)).json().result).toBe('offline');
    expect(asleep.received).toEqual([]);
  }, 15_000);
});
