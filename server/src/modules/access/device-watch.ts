/**
 * Device watch (X4): a gate that was offline catches up by itself.
 *
 * - Every ACCESS_HEALTH_INTERVAL_SECONDS a sweep job (the durable queue, one key per interval, so
 *   with several processes one of them checks at a time) asks every enabled device for its health,
 *   a few at a time, each with a short timeout: no answer in time is 'unreachable'.
 * - A device that talks to us (an ISAPI event push, heartbeats included; a pass event; an MQTT
 *   status, ack or event) is "seen": 最近通信 moves, and if it was unreachable a probe job checks
 *   it at once instead of at the next sweep (an MQTT status is checked whatever it says). 最近通信
 *   is written at most once a second per device (seen.ts).
 * - When a device comes back (its health goes from unreachable/unknown to ok — by the sweep, a
 *   probe or the admin's 检测) its sync job (issuance.ts scheduleDeviceSync) is enqueued in the same
 *   transaction, under a key of its own: the syncs that went dead while it was down do not matter.
 * Only transitions are logged: a device that stays down is one warning, not one per sweep.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { accessDevices } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import type { AccessAdapter, DeviceTarget, HealthResult } from './adapters/types.js';
import { parseMqttAddress, type MqttHub } from './adapters/mqtt.js';
import { scheduleDeviceSync } from './issuance.js';
import { markSeen } from './seen.js';

export const HEALTH_JOB = 'access.health';
export const PROBE_JOB = 'access.health.probe';
/** devices checked at once by one sweep */
const CONCURRENCY = 4;
/** a device seen again is probed at most once per this window (several processes, a busy gate) */
const PROBE_BUCKET_MS = 10_000;

type DeviceRow = typeof accessDevices.$inferSelect;

/** What the watch needs of the access service. */
export interface WatchedDevices {
  adapterFor(d: { adapter: string }): AccessAdapter;
  target(d: DeviceRow): DeviceTarget;
}

/**
 * Store a health answer in the caller's transaction (the sweep, a probe, 检测). A device back —
 * not 'ok' before, 'ok' now — is re-synced at once (everything it should hold pushed again, what it
 * should not removed), under a key unique to this comeback.
 */
export async function recordHealth(ctx: AppContext, tx: Tx, deviceId: string, r: HealthResult): Promise<DeviceRow | undefined> {
  const [cur] = await tx.select({ health: accessDevices.health, name: accessDevices.name }).from(accessDevices).where(eq(accessDevices.id, deviceId)).for('update');
  if (!cur) return undefined;
  const now = ctx.clock.now();
  const [row] = await tx
    .update(accessDevices)
    .set({ health: r.ok ? 'ok' : 'unreachable', healthDetail: r.detail.slice(0, 500), ...(r.ok ? { lastSeenAt: now } : {}) })
    .where(eq(accessDevices.id, deviceId))
    .returning();
  if (r.ok && cur.health !== 'ok') {
    await scheduleDeviceSync(ctx, tx, deviceId, `back:${now.getTime()}:${randomUUID()}`);
    if (cur.health === 'unreachable') ctx.log.info({ deviceId, device: cur.name }, 'access device back: its credentials are re-synced');
  } else if (!r.ok && cur.health !== 'unreachable') {
    ctx.log.warn({ deviceId, device: cur.name, detail: r.detail.slice(0, 200) }, 'access device unreachable');
  }
  return row;
}

/** Run fn over items, at most `limit` at a time (fn must not throw). */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class DeviceWatch {
  constructor(
    private readonly ctx: AppContext,
    private readonly devices: WatchedDevices,
  ) {}

  private get timeoutMs() {
    return this.ctx.config.ACCESS_HEALTH_TIMEOUT_SECONDS * 1000;
  }

  /** Ask one device; no answer within the timeout (or an error) is unreachable. */
  async ask(d: DeviceRow): Promise<HealthResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HealthResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${this.timeoutMs / 1000} s` }), this.timeoutMs);
    });
    try {
      const asked = this.devices
        .adapterFor(d)
        .health(this.devices.target(d))
        .catch((e: Error) => ({ ok: false, detail: e.message }));
      return await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Check one device and store the answer (never throws: one device must not stop the sweep). */
  async check(d: DeviceRow): Promise<void> {
    try {
      const r = await this.ask(d);
      await this.ctx.db.transaction((tx) => recordHealth(this.ctx, tx, d.id, r));
    } catch (err) {
      this.ctx.log.warn({ deviceId: d.id, err }, 'access device health not stored');
    }
  }

  /** The sweep: every enabled device, a few at a time. */
  async checkAll(): Promise<number> {
    const rows = await this.ctx.db.select().from(accessDevices).where(eq(accessDevices.enabled, true));
    await eachLimit(rows, CONCURRENCY, (d) => this.check(d));
    return rows.length;
  }

  /** Check one device now (a probe job). */
  async probe(deviceId: string): Promise<void> {
    const [d] = await this.ctx.db
      .select()
      .from(accessDevices)
      .where(and(eq(accessDevices.id, deviceId), eq(accessDevices.enabled, true)));
    if (d) await this.check(d);
  }

  private async enqueueProbe(deviceId: string) {
    const bucket = Math.floor(this.ctx.clock.now().getTime() / PROBE_BUCKET_MS);
    await this.ctx.queue.enqueue(this.ctx.db, { type: PROBE_JOB, key: `${PROBE_JOB}:${deviceId}:${bucket}`, payload: { deviceId }, maxAttempts: 1 });
  }

  /**
   * The device talked to us: 最近通信 now; if it was unreachable, check it at once (→ resync if it
   * answers). A device never checked yet ('unknown', just added and synced) waits for the sweep.
   */
  async seen(d: { id: string; health: string }): Promise<void> {
    await markSeen(this.ctx, [d.id]);
    if (d.health === 'unreachable') await this.enqueueProbe(d.id);
  }

  /**
   * A message from an MQTT terminal: a status (retained, or the broker's last will on a lost
   * connection) is checked at once whatever it says; an ack or an event counts as seen.
   */
  async onMqtt(brokerUrl: string, terminalId: string, kind: 'status' | 'ack' | 'event'): Promise<void> {
    const rows = await this.ctx.db
      .select({ id: accessDevices.id, health: accessDevices.health, address: accessDevices.address })
      .from(accessDevices)
      .where(and(eq(accessDevices.adapter, 'mqtt'), eq(accessDevices.enabled, true)));
    for (const d of rows) {
      const a = parseMqttAddress(d.address);
      if (!a || a.brokerUrl !== brokerUrl || a.terminalId !== terminalId) continue;
      if (kind === 'status') await this.enqueueProbe(d.id);
      else await this.seen(d);
    }
  }
}

const interval = (ctx: AppContext) => ctx.config.ACCESS_HEALTH_INTERVAL_SECONDS * 1000;
const sweepKey = (ctx: AppContext, at: number) => `${HEALTH_JOB}:${Math.floor(at / interval(ctx))}`;

/** Put the sweep in line now (idempotent per interval: every process may call it at start). */
export async function scheduleDeviceWatch(ctx: AppContext): Promise<void> {
  await ctx.queue.enqueue(ctx.db, { type: HEALTH_JOB, key: sweepKey(ctx, ctx.clock.now().getTime()), maxAttempts: 100 });
}

/**
 * Register the sweep and probe jobs, schedule the sweep at start, and follow MQTT terminals'
 * messages. The next sweep is enqueued when one ends, at the next interval boundary, so sweeps do
 * not overlap even when a slow one outlasts the interval.
 */
export function registerDeviceWatch(app: FastifyInstance, ctx: AppContext, devices: WatchedDevices, mqtt: MqttHub): DeviceWatch {
  const watch = new DeviceWatch(ctx, devices);
  ctx.queue.register(HEALTH_JOB, async () => {
    try {
      await watch.checkAll();
    } catch (err) {
      ctx.log.warn({ err }, 'access device sweep failed');
    }
    const next = ctx.clock.now().getTime() + interval(ctx);
    await ctx.queue.enqueue(ctx.db, { type: HEALTH_JOB, key: sweepKey(ctx, next), runAt: new Date(Math.floor(next / interval(ctx)) * interval(ctx)), maxAttempts: 100 });
  });
  ctx.queue.register(PROBE_JOB, async (p: { deviceId: string }) => {
    await watch.probe(p.deviceId);
  });
  mqtt.onTerminal = (brokerUrl, terminalId, kind) => {
    void watch.onMqtt(brokerUrl, terminalId, kind).catch((err) => ctx.log.warn({ err, terminalId }, 'mqtt terminal message not followed'));
  };
  app.addHook('onReady', () => scheduleDeviceWatch(ctx));
  return watch;
}
