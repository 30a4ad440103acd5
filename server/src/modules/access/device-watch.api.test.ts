/**
 * X4, issue 8 point 4b: a gate that was offline catches up by itself. The periodic health check
 * (a job on the durable queue) finds a simulated gate down, and when it answers again everything it
 * should hold is re-synced at once — the syncs that went dead during the outage do not matter.
 * The test clock is moved in steps and the queue drained at each, as the workers would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { accessCredentials, jobs } from '../../db/schema/index.js';
import { personIdOf } from '../../../../contracts/access.js';
import { simulatorOf } from './adapters/simulator.js';
import { HEALTH_JOB, scheduleDeviceWatch } from './device-watch.js';
import { newBuilding } from './test-helpers.js';

let t: TestApp;
let admin: Client;
const MIN = 60_000;
const T0 = new Date('2026-11-25T01:00:00Z'); // 09:00 in Shanghai

beforeAll(async () => {
  // a short check timeout, so the slow-device case takes a second of real time
  t = await createTestApp({ env: { ACCESS_HEALTH_TIMEOUT_SECONDS: '1' } });
  t.ctx.clock.set(T0);
  // what every process does at start (onReady), here at the test clock's time
  await scheduleDeviceWatch(t.ctx);
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

const sim = () => simulatorOf(t.ctx);
const now = () => t.ctx.clock.now().getTime();
const heldIds = (deviceId: string) => new Set(sim().holdings(deviceId).map((h) => h.personId));
const device = async (id: string) => (await admin.get(`/api/admin/devices/${id}`)).json() as { health: string; healthDetail: string | null; lastSeenAt: string | null };
const credential = async (orderId: string, deviceId: string) =>
  (await t.ctx.db.select().from(accessCredentials).where(and(eq(accessCredentials.orderId, orderId), eq(accessCredentials.deviceId, deviceId))))[0];
const syncJobs = async (orderId: string) => (await t.ctx.db.select().from(jobs).where(eq(jobs.type, 'access.sync'))).filter((j) => (j.payload as { orderId?: string }).orderId === orderId);

/** Move the clock to `until` in steps, running the queue at each (what the workers do). */
async function runUntil(until: number, step = 5000) {
  await t.ctx.queue.drain();
  while (now() < until) {
    t.ctx.clock.set(new Date(Math.min(until, now() + step)));
    await t.ctx.queue.drain();
  }
}

async function newGate(buildingIds: string[]) {
  const res = await admin.post('/api/admin/devices', { name: `东门闸机${Math.random().toString(36).slice(2, 6)}`, kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds });
  expect(res.statusCode).toBe(200);
  return res.json() as { id: string };
}

/** One building with a host; visitors book appointments with the host, who approves them. */
async function site() {
  const building = await newBuilding(t);
  const unit = await newUnit(t, { buildingId: building.id });
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const hostClient = await signInStaff(t, host.phone);
  let n = 0;
  const book = async (name: string, startAt: number, endAt: number) => {
    const v = await newVisitor(t, { name });
    const visitor = await signInVisitor(t, v.phone);
    const res = await visitor.post('/api/visits/appointments', {
      hostPhone: host.phone,
      reason: '设备联调',
      startAt: new Date(startAt).toISOString(),
      endAt: new Date(endAt).toISOString(),
      companionPhones: [],
      idempotencyKey: `watch-${Date.now()}-${n++}`,
    });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as { id: string }).id;
    return {
      id,
      pid: personIdOf(id),
      visitorId: v.id,
      visitor,
      approve: async () => expect((await hostClient.post(`/api/visits/${id}/review`, { decision: 'approve' })).json().status).toBe('confirmed'),
      cancel: async () => expect((await visitor.post(`/api/visits/${id}/cancel`, {})).json().status).toBe('cancelled'),
    };
  };
  return { building, book };
}

describe('a gate that was offline catches up by itself (X4)', () => {
  it('a gate unreachable for 15 minutes while orders are approved, cancelled, blocked and ended holds exactly what it should within 30 s of its return', async () => {
    t.ctx.clock.set(T0);
    const s = await site();
    const gate = await newGate([s.building.id]);
    const start = T0.getTime() + 10 * MIN;
    const stays = await s.book('常在', start, T0.getTime() + 3 * 60 * MIN); // on the gate before, stays
    const cancelled = await s.book('取消', start, T0.getTime() + 3 * 60 * MIN); // cancelled during the outage
    const ended = await s.book('到点', start, T0.getTime() + 18 * MIN); // its window ends during the outage
    const approvedLate = await s.book('新批', T0.getTime() + 16 * MIN, T0.getTime() + 3 * 60 * MIN); // approved during the outage
    const pending = await s.book('待审', start, T0.getTime() + 3 * 60 * MIN); // never approved
    const blocked = await s.book('拉黑', start, T0.getTime() + 3 * 60 * MIN); // its holder is blocked during the outage
    for (const o of [stays, cancelled, ended, blocked]) await o.approve();
    await runUntil(start);
    const before = new Set([stays.pid, cancelled.pid, ended.pid, blocked.pid]);
    expect(heldIds(gate.id)).toEqual(before);
    expect((await device(gate.id)).health).toBe('ok');

    // the gate goes offline for 15 minutes
    const down = T0.getTime() + 15 * MIN;
    await runUntil(down);
    sim().setFailing(gate.id, 'offline');
    await runUntil(down + 30_000);
    expect(await device(gate.id)).toMatchObject({ health: 'unreachable', healthDetail: 'offline' });
    await cancelled.cancel();
    await approvedLate.approve();
    expect((await admin.patch(`/api/admin/visitors/${blocked.visitorId}/block`, { blocked: true, reason: '冒用他人证件' })).statusCode).toBe(200);
    const back = down + 15 * MIN + 1000;
    await runUntil(back);

    // meanwhile every push and removal failed until its retries ran out
    for (const o of [cancelled, approvedLate, ended, blocked]) {
      const js = await syncJobs(o.id);
      expect(js.some((j) => j.status === 'dead'), `a dead sync of ${o.id}`).toBe(true);
      // none is still retrying (what is left in line is a window's end, hours away)
      expect(js.filter((j) => j.status !== 'dead' && j.status !== 'done').every((j) => j.status === 'queued' && j.attempts === 0 && j.runAt.getTime() > back + MIN)).toBe(true);
    }
    expect(await credential(cancelled.id, gate.id)).toMatchObject({ status: 'failed', lastError: 'remove: offline' });
    expect(await credential(ended.id, gate.id)).toMatchObject({ status: 'failed', lastError: 'remove: offline' });
    expect(await credential(approvedLate.id, gate.id)).toMatchObject({ status: 'failed', lastError: 'issue: offline' });
    expect(await credential(blocked.id, gate.id)).toMatchObject({ status: 'failed', lastError: 'remove: offline' });
    expect(heldIds(gate.id)).toEqual(before); // stale: the cancelled and the blocked one still get in

    // the gate answers again: nothing is left to retry it, until the next health check
    sim().setFailing(gate.id, null);
    await t.ctx.queue.drain();
    expect(heldIds(gate.id)).toEqual(before);
    await runUntil(back + 30_000);
    expect(heldIds(gate.id)).toEqual(new Set([stays.pid, approvedLate.pid]));
    expect(heldIds(gate.id).has(pending.pid)).toBe(false);
    expect(await credential(cancelled.id, gate.id)).toMatchObject({ status: 'removed', lastError: null });
    expect(await credential(ended.id, gate.id)).toMatchObject({ status: 'removed', lastError: null });
    expect(await credential(blocked.id, gate.id)).toMatchObject({ status: 'removed', lastError: null });
    expect(await credential(approvedLate.id, gate.id)).toMatchObject({ status: 'issued', lastError: null });
    // 设备管理 shows it: 正常 and 最近通信 at the check that found it back
    const d = await device(gate.id);
    expect(d.health).toBe('ok');
    expect(Date.parse(d.lastSeenAt!)).toBeGreaterThan(back);

    // a second outage of the same gate is caught up the same way (its resync is not taken for the first one's)
    sim().setFailing(gate.id, 'offline again');
    await stays.cancel();
    const back2 = now() + 15 * MIN;
    await runUntil(back2, 15_000);
    expect(heldIds(gate.id)).toEqual(new Set([stays.pid, approvedLate.pid]));
    sim().setFailing(gate.id, null);
    await runUntil(back2 + 30_000);
    expect(heldIds(gate.id)).toEqual(new Set([approvedLate.pid]));
  }, 120_000); // many orders, a simulated outage and a full resync

  it('a device that stays down is reported unreachable by every check, with one log line, not one per check', async () => {
    const s = await site();
    const gate = await newGate([s.building.id]);
    await runUntil(now() + 30_000);
    expect((await device(gate.id)).health).toBe('ok');
    const warn = vi.spyOn(t.ctx.log, 'warn');
    try {
      sim().setFailing(gate.id, 'no route to host');
      const from = now();
      await runUntil(from + 10 * MIN, 30_000);
      expect(await device(gate.id)).toMatchObject({ health: 'unreachable', healthDetail: 'no route to host' });
      const sweeps = await t.ctx.db.select().from(jobs).where(eq(jobs.type, HEALTH_JOB));
      expect(sweeps.filter((j) => j.status === 'done' && j.runAt.getTime() > from).length).toBeGreaterThanOrEqual(19);
      const lines = warn.mock.calls.filter((c) => (c[0] as { deviceId?: string })?.deviceId === gate.id);
      expect(lines).toHaveLength(1);
      expect(lines[0]![1]).toBe('access device unreachable');
      // the sweep itself never failed
      expect(warn.mock.calls.some((c) => (c[0] as { type?: string })?.type === HEALTH_JOB)).toBe(false);
    } finally {
      warn.mockRestore();
      sim().setFailing(gate.id, null);
    }
  });

  it('a device that pushes an event after being unreachable is checked and re-synced at once, not at the next check', async () => {
    const s = await site();
    const gate = await newGate([s.building.id]);
    const o = await s.book('心跳', now() + 5 * MIN, now() + 2 * 60 * MIN);
    sim().setFailing(gate.id, 'offline');
    await o.approve();
    await runUntil(now() + 20 * MIN, 30_000); // the push went dead
    expect((await device(gate.id)).health).toBe('unreachable');
    expect(heldIds(gate.id).has(o.pid)).toBe(false);

    sim().setFailing(gate.id, null);
    const token = (await admin.get(`/api/admin/devices/${gate.id}/token`)).json().token as string;
    // a Hikvision heartbeat (not a pass): the device is alive
    const res = await t.app.inject({ method: 'POST', url: `/api/access/isapi/events?token=${encodeURIComponent(token)}`, payload: { eventType: 'heartBeat', dateTime: new Date(now()).toISOString() } });
    expect(res.json()).toEqual({ ok: true, recorded: false });
    await t.ctx.queue.drain(); // same instant: no periodic check has run
    expect((await device(gate.id)).health).toBe('ok');
    expect(heldIds(gate.id).has(o.pid)).toBe(true);
  });

  it('the 检测 button finding a device back re-syncs it too', async () => {
    const s = await site();
    const gate = await newGate([s.building.id]);
    const o = await s.book('检测', now() + 5 * MIN, now() + 2 * 60 * MIN);
    sim().setFailing(gate.id, 'offline');
    await o.approve();
    await runUntil(now() + 20 * MIN, 30_000);
    sim().setFailing(gate.id, null);
    expect((await admin.post(`/api/admin/devices/${gate.id}/health`)).json().health).toBe('ok');
    await t.ctx.queue.drain();
    expect(heldIds(gate.id).has(o.pid)).toBe(true);
  });

  it('a device that does not answer is unreachable after the timeout, and does not hold up the others', async () => {
    // four terminals that accept the connection and never answer
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => undefined);
    // how many checks wait on a silent terminal at the same moment (checked one by one: at most 1)
    let waiting = 0;
    let mostAtOnce = 0;
    silent.on('request', (req) => {
      if (!req.url?.startsWith('/ISAPI/System/deviceInfo')) return; // the health checks only (not credential pushes)
      mostAtOnce = Math.max(mostAtOnce, ++waiting);
      req.socket.once('close', () => waiting--);
    });
    silent.on('connection', (sock) => sockets.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const slow: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await admin.post('/api/admin/devices', { name: `无响应${i}`, kind: 'gate', adapter: 'hikvision_isapi', address: url, username: 'admin', password: 'x', buildingIds: [] });
        slow.push(res.json().id);
      }
      const fine = await newGate([]);
      await t.ctx.queue.drain();
      const next = (Math.floor(now() / 30_000) + 1) * 30_000;
      t.ctx.clock.set(new Date(next));
      mostAtOnce = 0;
      await t.ctx.queue.drain();
      for (const id of slow) expect(await device(id)).toMatchObject({ health: 'unreachable', healthDetail: 'no answer within 1 s' });
      expect((await device(fine.id)).health).toBe('ok');
      // checked together (4 at a time), so one silent terminal does not hold up the next: about one timeout, not four
      expect(mostAtOnce).toBeGreaterThanOrEqual(4);
      for (const id of slow) await admin.patch(`/api/admin/devices/${id}`, { enabled: false });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
