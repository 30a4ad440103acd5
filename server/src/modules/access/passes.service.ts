/**
 * Pass events (X4): what devices report — POST /api/access/events, the ISAPI event push, the MQTT
 * events topic, 模拟通行 on the simulator — and 通行记录 for administrators. A granted pass in by
 * the holder of a confirmed order inside its window makes it 已到达; a pass out records leftAt.
 */
import { and, eq, sql } from 'drizzle-orm';
import { listPassEvents, type PassEventQuery } from './pass-events.service.js';
import { accessDevices, accessEvents, visitOrders, visitors } from '../../db/schema/index.js';
import { hotQuery, param } from '../../platform/hot-query.js';
import type { AppContext } from '../../platform/context.js';
import { sha256 } from '../../platform/crypto.js';
import { isCleanText } from '../../platform/text-guard.js';
import type { Db, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { PASS_METHOD_LABELS, orderIdOf, type CredentialKind, type PassDirection, type PassEventInput, type PassMethod, type PassResult } from '../../../../contracts/access.js';
import { audit } from '../audit/audit.js';
import { raiseAlert } from '../alerts/alerts.service.js';
import type { Actor } from '../identity/session.js';
import { signCode, verifyCode } from '../visits/codes.js';
import type { DeviceTarget } from './adapters/types.js';
import { simulatorOf } from './adapters/simulator.js';
import { parseMqttAddress } from './adapters/mqtt.js';
import { deviceIdOfToken } from './device-token.js';
import { plateOrderOf, plateRefusal } from './barriers.js';
import { markSeen } from './seen.js';
import { normalisePlate } from '../../../../contracts/vehicles.js';

type DeviceRow = typeof accessDevices.$inferSelect;
export interface PassOutcome {
  seq: number;
  orderId: string | null;
  result: PassResult;
  arrived: boolean;
  note: string | null;
  /** this report was a repeat of one already recorded */
  replay?: boolean;
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}
const LIVE = ['confirmed', 'arrived'];

/**
 * What the pass intake needs of the visits module (its VisitsService, passed in by the routes): a
 * granted pass in marks a confirmed order 已到达. An interface here keeps access → visits → access
 * (visits calls access.hooks on every status change) from being an import cycle.
 */
export interface OrderArrivals {
  /** `order`: read and locked by the caller in this transaction */
  markArrived(tx: Tx, order: typeof visitOrders.$inferSelect, via: { deviceId: string; deviceName: string; method: string; visitorName?: string }): Promise<object | null>;
  markLeft(tx: Tx, orderId: string, via: { deviceId: string; deviceName: string }): Promise<boolean>;
  /** a barrier let the order's vehicle in or out (S8 车辆通行) */
  markVehicle(tx: Tx, orderId: string, direction: PassDirection, via: { deviceId: string; deviceName: string; plate: string }): Promise<boolean>;
}

/** What the pass intake needs of the device side (AccessService). */
export interface DeviceLookup {
  load(tx: Tx | Db, id: string): Promise<DeviceRow>;
  target(d: DeviceRow): DeviceTarget;
}

// the statements of every pass (the morning rush at 20 gates): prepared (platform/hot-query.ts)
const selectDevice = hotQuery<{ id: string }, DeviceRow[]>('sg_access_device_by_id', (db) => db.select().from(accessDevices).where(eq(accessDevices.id, sql.placeholder('id'))));
/** the order (locked: an arrival is one move) and its visitor, in one read */
const lockOrderWithHolder = hotQuery<{ orderId: string }, Array<{ o: typeof visitOrders.$inferSelect; holder: { id: string; name: string; blocked: boolean } | null }>>('sg_access_order_locked', (db) =>
  db
    .select({ o: visitOrders, holder: { id: visitors.id, name: visitors.name, blocked: visitors.blocked } })
    .from(visitOrders)
    .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
    .where(eq(visitOrders.id, sql.placeholder('orderId')))
    .for('update', { of: visitOrders }),
);
/** the record, once per device and dedupe key (a replayed report inserts nothing and returns no row); detail as JSON text */
const insertPassEvent = hotQuery<
  { deviceId: string; at: Date; deviceAt: Date | null; dedupeKey: string | null; method: string; direction: string; orderId: string | null; result: string; detail: string },
  Array<{ seq: number }>
>('sg_access_event_insert', (db) =>
  db
    .insert(accessEvents)
    .values({
      deviceId: param('deviceId'),
      at: param('at'),
      deviceAt: param('deviceAt'),
      dedupeKey: param('dedupeKey'),
      method: param('method'),
      direction: param('direction'),
      orderId: param('orderId'),
      result: param('result'),
      detail: param('detail'),
    })
    .onConflictDoNothing({ target: [accessEvents.deviceId, accessEvents.dedupeKey], where: sql`${accessEvents.dedupeKey} is not null` })
    .returning({ seq: accessEvents.seq }),
);

export class PassService {
  constructor(
    private readonly ctx: AppContext,
    private readonly visits: OrderArrivals,
    private readonly devices: DeviceLookup,
  ) {}

  async listEvents(actor: Actor, q: PassEventQuery) {
    await this.ctx.db.transaction((tx) =>
      audit(tx, actor, 'access.events.read', { type: 'access_event' }, { deviceId: q.deviceId ?? null, orderId: q.orderId ?? null, buildingId: q.buildingId ?? null, method: q.method ?? null, result: q.result ?? null, dateFrom: q.from ?? null, dateTo: q.to ?? null, page: q.page }),
    );
    // a report: read where reports read (the replica, when there is one — decision 0016), audited on the primary first
    return listPassEvents(this.ctx.reports, q);
  }

  /** The device a token belongs to: `Bearer <token>` (POST /api/access/events) or the bare token (ISAPI push URL). */
  async deviceByToken(authorization: string | undefined): Promise<DeviceRow> {
    const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (authorization && !/\s/.test(authorization) ? authorization : undefined);
    const id = token ? deviceIdOfToken(this.ctx, token) : null;
    if (!id) throw new AppError('DEVICE_TOKEN_INVALID');
    const [d] = await selectDevice(this.ctx.db, { id });
    if (!d || !d.enabled) throw new AppError('DEVICE_TOKEN_INVALID');
    return d;
  }

  /**
   * A pass reported by a device (HTTP, MQTT, ISAPI, the simulator). The server's clock and the
   * server's verdict decide, whatever the device says:
   * - `at` is the server's time; the device's is kept as deviceAt, and a skew beyond
   *   ACCESS_CLOCK_SKEW_SECONDS is flagged;
   * - a pass in is refused for a blocklisted holder, an order that is not live, or outside the
   *   window; a scanned code is verified here. A refused pass is 'denied' — or 'anomaly' when the
   *   device let it through anyway — never marks arrival, and raises an alert (a blocklisted person
   *   always does, even when the gate kept them out);
   * - a granted pass in by the holder of a confirmed order inside its window makes it 已到达
   *   (trail, host notified); a granted pass out records leftAt;
   * - a replayed report (same device, person, method, direction and device time) is recorded once.
   */
  async recordPass(d: DeviceRow, input: PassEventInput, via: 'http' | 'mqtt' | 'simulator' | 'isapi'): Promise<PassOutcome> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const deviceAt = input.at && !Number.isNaN(Date.parse(input.at)) ? new Date(input.at) : null;
    const skewMs = deviceAt ? deviceAt.getTime() - now.getTime() : null;
    const clockSkew = skewMs !== null && Math.abs(skewMs) > ctx.config.ACCESS_CLOCK_SKEW_SECONDS * 1000;
    const direction: PassDirection = input.direction ?? (d.direction === 'out' ? 'out' : 'in');
    // a barrier's camera reads a plate (barriers.ts)
    const plate = input.method === 'plate' ? normalisePlate(input.plate ?? '') || null : null;
    const dedupeKey = deviceAt ? sha256(JSON.stringify([input.personId ?? null, input.qrToken ? sha256(input.qrToken) : null, input.method, direction, input.result, deviceAt.toISOString(), ...(plate ? [plate] : [])])) : null;

    let refusal: string | null = null;
    let note: string | null = null;
    let orderId: string | null = null;
    if (input.qrToken) {
      try {
        orderId = await verifyCode(ctx, input.qrToken);
      } catch (e) {
        refusal = e instanceof AppError ? e.code : 'CODE_INVALID';
      }
    } else if (input.method === 'plate') {
      const m = await plateOrderOf(ctx.db, plate ?? '', d, direction, now);
      orderId = m.orderId;
      // a vehicle leaving is not refused: an unknown plate going out is only noted
      if (direction === 'in') refusal = m.refusal;
      else note = m.refusal;
    } else if (input.personId) {
      orderId = orderIdOf(input.personId);
      // not one of ours (a staff card the gate also holds): recorded as the device says
      if (!orderId) note = 'UNKNOWN_PERSON';
    }
    try {
      const outcome = await ctx.db.transaction(async (tx): Promise<PassOutcome | null> => {
        let arrived = false;
        // the order (locked: an arrival is one move) and its visitor, in one read
        const [row] = orderId ? await lockOrderWithHolder(tx, { orderId }) : [];
        const o = row?.o;
        const holder = row?.holder ?? undefined;
        if (orderId && !o) {
          // an order-shaped person id that is no order: forged or stale
          refusal = refusal ?? 'UNKNOWN_PERSON';
          orderId = null;
        }
        if (o && direction === 'in' && !refusal) {
          const inWindow = o.startAt.getTime() <= now.getTime() && now.getTime() < o.endAt.getTime();
          if (holder?.blocked) refusal = 'VISITOR_BLOCKED';
          else if (!LIVE.includes(o.status)) refusal = `ORDER_${o.status.toUpperCase()}`;
          else if (o.leftVia === 'kiosk' || o.leftVia === 'auto') refusal = 'CHECKED_OUT';
          else if (!inWindow) refusal = 'OUTSIDE_WINDOW';
          else if (plate) refusal = plateRefusal(o, now);
        }
        // a code is the server's to verify; otherwise the device's verdict stands unless the server refuses a pass it let through
        const result: PassResult = input.qrToken ? (refusal ? 'denied' : input.result) : refusal && input.result === 'granted' ? 'anomaly' : input.result;
        note = refusal ?? note;
        // the record first: a replayed report (same device and dedupe key) stops here, changing nothing
        const [e] = await insertPassEvent(tx, {
          deviceId: d.id,
          at: now,
          deviceAt,
          dedupeKey,
          method: input.method,
          direction,
          orderId,
          result,
          detail: JSON.stringify({ note, via, deviceName: d.name, personId: input.personId ?? null, ...(plate ? { plate } : {}), ...(skewMs !== null ? { skewMs } : {}), ...(clockSkew ? { clockSkew: true } : {}) }),
        });
        if (!e) return null;
        if (plate && result === 'granted' && o) await this.visits.markVehicle(tx, o.id, direction, { deviceId: d.id, deviceName: d.name, plate });
        if (!plate && result === 'granted' && direction === 'in' && o?.status === 'confirmed') {
          arrived = !!(await this.visits.markArrived(tx, o, { deviceId: d.id, deviceName: d.name, method: `${PASS_METHOD_LABELS[input.method]['zh-CN']}通行 · ${d.name}`, visitorName: holder?.name }));
        }
        if (!plate && result === 'granted' && direction === 'out' && o?.status === 'arrived' && !o.leftAt) {
          await this.visits.markLeft(tx, o.id, { deviceId: d.id, deviceName: d.name });
        }
        if (refusal === 'VISITOR_BLOCKED' || result === 'anomaly') {
          await raiseAlert(ctx, tx, {
            kind: refusal === 'VISITOR_BLOCKED' ? 'blocked_visitor' : 'pass_anomaly',
            source: 'gate',
            deviceId: d.id,
            deviceName: d.name,
            buildingIds: d.buildingIds,
            orderId,
            visitorId: holder?.id ?? null,
            personName: holder?.name ?? o?.inviteeName ?? null,
            eventSeq: e!.seq,
            reason: refusal,
          });
        }
        ctx.live.changed('passes');
        return { seq: e.seq, orderId, result, arrived, note };
      });
      if (outcome) {
        // 最近通信 (the HTTP and MQTT intakes have marked it already: at most one write a second)
        await markSeen(ctx, [d.id]);
        return outcome;
      }
    } catch (err) {
      if (!(dedupeKey && isUniqueViolation(err))) throw err;
    }
    // a repeat of a report already recorded (or two copies racing: the second finds the first)
    const dup = dedupeKey ? await this.replayOf(d.id, dedupeKey) : null;
    if (dup) return dup;
    throw new Error('pass event: a replay whose first record is not found');
  }

  private async replayOf(deviceId: string, dedupeKey: string): Promise<PassOutcome | null> {
    const [e] = await this.ctx.db
      .select()
      .from(accessEvents)
      .where(and(eq(accessEvents.deviceId, deviceId), eq(accessEvents.dedupeKey, dedupeKey)));
    if (!e) return null;
    return { seq: e.seq, orderId: e.orderId, result: e.result as PassResult, arrived: false, note: ((e.detail ?? {}) as { note?: string }).note ?? null, replay: true };
  }

  /**
   * 模拟通行 on a simulator device: the simulator grants only what it holds (and inside the
   * credential's validity), like a real gate, then reports the pass like one.
   */
  async simulate(actor: Actor, id: string, input: { personId?: string; plate?: string; method: PassMethod; direction?: PassDirection }) {
    const d = await this.devices.load(this.ctx.db, id);
    if (d.adapter !== 'simulator') throw new AppError('DEVICE_NOT_SIMULATOR');
    const now = this.ctx.clock.now();
    if (input.method === 'plate') {
      // a barrier's camera reads the plate: the barrier opens only for a plate it holds (inside its validity)
      const plate = normalisePlate(input.plate ?? '');
      if (!plate) throw new AppError('VALIDATION_FAILED', [{ path: '/plate', message: 'a plate pass needs the plate' }]);
      const h = simulatorOf(this.ctx).holdingByPlate(id, plate);
      const valid = !!h && h.validFrom <= now && now < h.validTo;
      await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.simulate', { type: 'access_device', id }, { method: 'plate' }));
      return this.recordPass(d, { method: 'plate', direction: input.direction, result: valid ? 'granted' : 'denied', plate }, 'simulator');
    }
    if (!input.personId) throw new AppError('VALIDATION_FAILED', [{ path: '/personId', message: 'the person the device holds' }]);
    const h = simulatorOf(this.ctx).holding(id, input.personId);
    const valid = !!h && h.validFrom <= now && now < h.validTo && (input.method === 'remote' || h.kinds.includes(input.method as CredentialKind));
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.simulate', { type: 'access_device', id }, { personId: input.personId, method: input.method }));
    if (input.method === 'qr' && h) {
      // the visitor shows the code; the gate forwards it for verification
      const { token } = await signCode(this.ctx, h.orderId);
      return this.recordPass(d, { method: 'qr', direction: input.direction, result: 'granted', qrToken: token }, 'simulator');
    }
    return this.recordPass(d, { method: input.method, direction: input.direction, result: valid ? 'granted' : 'denied', personId: input.personId }, 'simulator');
  }

  async onMqttEvent(terminalId: string, payload: unknown, brokerUrl: string) {
    const devices = await this.ctx.db.select().from(accessDevices).where(and(eq(accessDevices.adapter, 'mqtt'), eq(accessDevices.enabled, true)));
    const d = devices.find((x) => {
      const a = parseMqttAddress(x.address);
      return a && a.terminalId === terminalId && a.brokerUrl === brokerUrl;
    });
    if (!d) return;
    const p = payload as Partial<PassEventInput>;
    const methods = ['face', 'id_card', 'qr', 'plate', 'remote'];
    if (!p || !methods.includes(p.method as string) || (p.result !== 'granted' && p.result !== 'denied')) return;
    await this.recordPass(
      d,
      {
        method: p.method as PassMethod,
        result: p.result,
        direction: p.direction === 'out' ? 'out' : p.direction === 'in' ? 'in' : undefined,
        at: typeof p.at === 'string' && !Number.isNaN(Date.parse(p.at)) ? p.at : undefined,
        // the HTTP intake's text guard does not see MQTT: bad bytes are dropped here (jsonb refuses NUL)
        personId: typeof p.personId === 'string' && p.personId.length <= 64 && isCleanText(p.personId) ? p.personId : undefined,
        qrToken: typeof p.qrToken === 'string' && p.qrToken.length <= 2000 && isCleanText(p.qrToken) ? p.qrToken : undefined,
        plate: typeof p.plate === 'string' && p.plate.length <= 20 && isCleanText(p.plate) ? p.plate : undefined,
      },
      'mqtt',
    );
  }
}
