/**
 * Access (X4, A7): devices, credential issuance to the gates, pass events.
 *
 * Issuance is a reconciler (docs/decisions/0007-access-issuance.md): every status change of an
 * order schedules `access.sync` jobs (now, at the window's start, at its end); the job computes
 * what the gates should hold for the order — the holder's credentials on every enabled device
 * guarding the order's building, while the order is confirmed or arrived AND its window is open —
 * and brings each device in line through its adapter, recording the outcome per device in
 * access_credentials. A device that fails leaves the row 'failed' with its error and the job
 * retries with the queue's backoff; the admin can retry at once.
 */
import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, gt, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { accessCredentials, accessDevices, accessEvents, buildings, consents, meetingBookings, meetingRooms, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { maskIdNumber } from '../../../../contracts/identity.js';
import { personIdOf, type AccessDevice, type CredentialKind, type CredentialRow, type DeviceInput, type HeldCredential } from '../../../../contracts/access.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import type { AccessAdapter, CredentialPush, DeviceTarget } from './adapters/types.js';
import { simulatorOf } from './adapters/simulator.js';
import { IsapiAdapter } from './adapters/isapi.js';
import { MqttHub, parseMqttAddress } from './adapters/mqtt.js';
import { PassService, type OrderArrivals } from './passes.service.js';
import { deviceToken } from './device-token.js';
import { recordHealth } from './device-watch.js';
import { checkDoorGrants, doorColumns, doorViews } from './doors.service.js';
import { checkBarrier, deviceTakes, platePush } from './barriers.js';

export { deviceToken };

export type DeviceRow = typeof accessDevices.$inferSelect;
type OrderRow = typeof visitOrders.$inferSelect;
export const SYNC_JOB = 'access.sync';
export const LIVE = ['confirmed', 'arrived'];

// ------------------------------------------------------------------ scheduling (called from the hook)

/** Schedule the order's sync: now, at its start and at its end (keys carry status and window). */
export async function scheduleOrderSync(ctx: AppContext, tx: Tx, o: { id: string; status: string; startAt: Date; endAt: Date; leftVia?: string | null; vehicleStatus?: string | null }): Promise<void> {
  // initiated / pending orders were never issued: nothing to do until they are confirmed
  if (o.status !== 'cancelled' && !LIVE.includes(o.status)) return;
  // a check-out (kiosk, automatic) keeps the status but ends what the gates hold: part of the key
  // and so does a plate's review (the barriers): part of the key too
  const base = `${SYNC_JOB}:${o.id}:${o.status}${o.leftVia ? `:${o.leftVia}` : ''}${o.vehicleStatus ? `:v-${o.vehicleStatus}` : ''}:${o.startAt.getTime()}:${o.endAt.getTime()}`;
  const now = ctx.clock.now();
  await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:now`, payload: { orderId: o.id } });
  if (!LIVE.includes(o.status)) return;
  if (o.startAt > now) await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:start`, payload: { orderId: o.id }, runAt: o.startAt });
  if (o.endAt > now) await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:end`, payload: { orderId: o.id }, runAt: o.endAt });
}

/**
 * The person behind some orders changed what the gates may hold — a new photo, a face consent
 * withdrawn (X5: the face must leave the gates at once, not at the window's end): re-sync every
 * order of theirs whose window is open now. Runs in the caller's transaction.
 */
export async function holderChanged(ctx: AppContext, tx: Tx, holder: { visitorId: string } | { staffId: string }): Promise<number> {
  const now = ctx.clock.now();
  const who = 'visitorId' in holder ? eq(visitOrders.visitorId, holder.visitorId) : eq(visitOrders.attendeeStaffId, holder.staffId);
  const open = await tx
    .select({ id: visitOrders.id })
    .from(visitOrders)
    .where(and(who, inArray(visitOrders.status, LIVE), lte(visitOrders.startAt, now), gt(visitOrders.endAt, now)));
  for (const o of open) await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${SYNC_JOB}:${o.id}:holder:${randomUUID()}`, payload: { orderId: o.id } });
  return open.length;
}

// ------------------------------------------------------------------ per-context adapters

const hubs = new WeakMap<AppContext, MqttHub>();
export function mqttHubOf(ctx: AppContext): MqttHub {
  let h = hubs.get(ctx);
  if (!h) hubs.set(ctx, (h = new MqttHub({ ackTimeoutMs: ctx.config.NODE_ENV === 'test' ? 3000 : 10_000 })));
  return h;
}

// ------------------------------------------------------------------ the service

export class AccessService {
  private readonly isapi: IsapiAdapter;

  constructor(
    private readonly ctx: AppContext,
    private readonly visits: OrderArrivals,
  ) {
    this.isapi = new IsapiAdapter((...a) => ctx.fetch(...a), ctx.config.TZ_CENTER);
    this.passes = new PassService(ctx, visits, this);
  }

  /** pass events (通行记录, the device intake, 模拟通行) */
  readonly passes: PassService;

  adapterFor(d: { adapter: string }): AccessAdapter {
    if (d.adapter === 'hikvision_isapi') return this.isapi;
    if (d.adapter === 'mqtt') return mqttHubOf(this.ctx);
    return simulatorOf(this.ctx);
  }

  target(d: DeviceRow): DeviceTarget {
    return { id: d.id, name: d.name, adapter: d.adapter as DeviceTarget['adapter'], address: d.address, username: d.username, password: d.passwordEnc ? this.ctx.crypto.decrypt(d.passwordEnc) : null };
  }

  // ———————————————————————————————————————— issuance

  /** The building that guards an order: the meeting room's for a meeting order, else the host's unit's. */
  private async buildingOf(tx: Tx | Db, o: OrderRow): Promise<string | null> {
    if (o.meetingId) {
      const [r] = await tx
        .select({ b: meetingRooms.buildingId })
        .from(meetingBookings)
        .innerJoin(meetingRooms, eq(meetingRooms.id, meetingBookings.roomId))
        .where(eq(meetingBookings.id, o.meetingId));
      if (r) return r.b;
    }
    const [u] = await tx.select({ b: units.buildingId }).from(units).where(eq(units.id, o.unitId));
    return u?.b ?? null;
  }

  /**
   * Who passes with this order: the visitor, or for an internal meeting attendee the staff member.
   * The face only with a photo AND a face consent in force; the photo is read from encrypted
   * storage and goes nowhere but the device.
   */
  private async holderOf(tx: Tx | Db, o: OrderRow): Promise<{ name: string; idNumber: string | null; photoKey: string | null }> {
    const faceConsent = async (subjectType: 'visitor' | 'staff', subjectId: string) => {
      const [c] = await tx
        .select({ id: consents.id })
        .from(consents)
        .where(and(eq(consents.subjectType, subjectType), eq(consents.subjectId, subjectId), eq(consents.kind, 'face'), isNull(consents.withdrawnAt)))
        .limit(1);
      return !!c;
    };
    if (o.attendeeStaffId) {
      const [s] = await tx.select().from(staff).where(eq(staff.id, o.attendeeStaffId));
      if (s) return { name: s.name, idNumber: s.idNumberEnc ? this.ctx.crypto.decrypt(s.idNumberEnc) : null, photoKey: s.photoKey && (await faceConsent('staff', s.id)) ? s.photoKey : null };
    }
    if (o.visitorId) {
      const [v] = await tx.select().from(visitors).where(eq(visitors.id, o.visitorId));
      if (v) return { name: v.name, idNumber: v.idNumberEnc ? this.ctx.crypto.decrypt(v.idNumberEnc) : null, photoKey: v.photoKey && (await faceConsent('visitor', v.id)) ? v.photoKey : null };
    }
    return { name: o.inviteeName ?? '', idNumber: o.inviteeIdNumberEnc ? this.ctx.crypto.decrypt(o.inviteeIdNumberEnc) : null, photoKey: null };
  }

  /**
   * Should the gates hold this order now? Confirmed or arrived, inside [startAt, endAt), and not
   * checked out at a kiosk or automatically (an exit gate's pass keeps it: the visitor may return).
   */
  static desired(o: { status: string; startAt: Date; endAt: Date; leftVia?: string | null }, now: Date): boolean {
    if (o.leftVia === 'kiosk' || o.leftVia === 'auto') return false;
    return LIVE.includes(o.status) && o.startAt.getTime() <= now.getTime() && now.getTime() < o.endAt.getTime();
  }

  /** desired(), and the holder is not on the blocklist (blocking takes everything off the gates at once). */
  private async wants(o: OrderRow, now = this.ctx.clock.now()): Promise<boolean> {
    if (!AccessService.desired(o, now)) return false;
    if (!o.visitorId) return true;
    const [v] = await this.ctx.db.select({ blocked: visitors.blocked }).from(visitors).where(eq(visitors.id, o.visitorId));
    return !v?.blocked;
  }

  /**
   * The access.sync job: bring every device in line with one order. Throws (→ retry) if a device
   * failed. Device calls happen outside any transaction, so the order may change meanwhile (a
   * cancellation racing a start): the order is read again afterwards and, if what it should have
   * changed, synced again at once.
   */
  async syncOrder(orderId: string): Promise<{ issued: number; removed: number }> {
    let r = { issued: 0, removed: 0, want: false };
    for (let round = 0; round < 3; round++) {
      r = await this.syncOnce(orderId);
      const [o] = await this.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, orderId));
      if (!o || (await this.wants(o)) === r.want) break;
    }
    return { issued: r.issued, removed: r.removed };
  }

  private async syncOnce(orderId: string): Promise<{ issued: number; removed: number; want: boolean }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const [o] = await ctx.db.select().from(visitOrders).where(eq(visitOrders.id, orderId));
    if (!o) return { issued: 0, removed: 0, want: false };
    const want = await this.wants(o, now);
    const buildingId = want ? await this.buildingOf(ctx.db, o) : null;
    const guarding = want && buildingId ? await ctx.db.select().from(accessDevices).where(and(eq(accessDevices.enabled, true), sql`${buildingId}::uuid = any(${accessDevices.buildingIds})`)) : [];
    // barriers take only an approved plate (barriers.ts); gates and doors the person
    const targets = guarding.filter((d) => deviceTakes(o, d));
    const existing = await ctx.db
      .select({ c: accessCredentials, d: accessDevices })
      .from(accessCredentials)
      .innerJoin(accessDevices, eq(accessDevices.id, accessCredentials.deviceId))
      .where(and(eq(accessCredentials.orderId, o.id), inArray(accessCredentials.status, ['issued', 'failed'])));
    const errors: string[] = [];
    let issued = 0;
    let removed = 0;

    if (targets.length) {
      const h = await this.holderOf(ctx.db, o);
      const face = h.photoKey && targets.some((d) => d.kind !== 'barrier') ? await ctx.storage.get(h.photoKey) : null;
      // face is never the only way in: ID card (when on file) and the appointment code always go too
      const kinds: CredentialKind[] = [...(face ? (['face'] as const) : []), ...(h.idNumber ? (['id_card'] as const) : []), 'qr'];
      const push: CredentialPush = { personId: personIdOf(o.id), orderId: o.id, name: h.name, validFrom: o.startAt, validTo: o.endAt, idNumber: h.idNumber, face: face ?? null, kinds };
      const before = new Map(existing.map(({ c, d }) => [d.id, c]));
      const plate = platePush(o, h.name);
      for (const d of targets) {
        const p = d.kind === 'barrier' ? plate : push;
        try {
          // a face the device holds but may no longer (consent withdrawn, photo gone) is taken off
          // first: remove the person, then push them again without it
          const prev = before.get(d.id);
          if (prev?.status === 'issued' && prev.kinds.includes('face') && !p.kinds.includes('face')) await this.adapterFor(d).remove(this.target(d), personIdOf(o.id));
          await this.adapterFor(d).upsert(this.target(d), p);
          await this.record(o.id, d.id, { status: 'issued', kinds: p.kinds, lastError: null, issuedAt: ctx.clock.now(), removedAt: null });
          await this.seen(d.id);
          issued++;
        } catch (e) {
          const msg = `issue: ${(e as Error).message}`.slice(0, 1000);
          await this.record(o.id, d.id, { status: 'failed', kinds: p.kinds, lastError: msg });
          errors.push(`${d.name}: ${msg}`);
        }
      }
    }
    const keep = new Set(targets.map((d) => d.id));
    for (const { c, d } of existing) {
      if (keep.has(d.id)) continue;
      try {
        await this.adapterFor(d).remove(this.target(d), personIdOf(o.id));
        await this.record(o.id, d.id, { status: 'removed', lastError: null, removedAt: ctx.clock.now() });
        await this.seen(d.id);
        removed++;
      } catch (e) {
        const msg = `remove: ${(e as Error).message}`.slice(0, 1000);
        await this.record(o.id, d.id, { status: 'failed', kinds: c.kinds, lastError: msg });
        errors.push(`${d.name}: ${msg}`);
      }
    }
    if (errors.length) throw new Error(`access sync of order ${o.id}: ${errors.join('; ')}`);
    return { issued, removed, want };
  }

  /** The device answered: 最近通信 now. */
  private async seen(deviceId: string) {
    await this.ctx.db.update(accessDevices).set({ lastSeenAt: this.ctx.clock.now() }).where(eq(accessDevices.id, deviceId));
  }

  private async record(orderId: string, deviceId: string, set: Partial<typeof accessCredentials.$inferInsert> & { status: string }) {
    const now = this.ctx.clock.now();
    await this.ctx.db
      .insert(accessCredentials)
      .values({ orderId, deviceId, kinds: [], ...set, updatedAt: now })
      .onConflictDoUpdate({ target: [accessCredentials.orderId, accessCredentials.deviceId], set: { ...set, updatedAt: now } });
  }

  /** Re-check every order a device change may concern: live orders whose window is open, and what it holds (also when a device comes back: device-watch.ts). */
  async resyncForDevice(tx: Tx, deviceId: string, tag: string) {
    const now = this.ctx.clock.now();
    const live = await tx
      .select({ id: visitOrders.id })
      .from(visitOrders)
      .where(and(inArray(visitOrders.status, LIVE), lte(visitOrders.startAt, now), gt(visitOrders.endAt, now)));
    const held = await tx
      .select({ id: accessCredentials.orderId })
      .from(accessCredentials)
      .where(and(eq(accessCredentials.deviceId, deviceId), inArray(accessCredentials.status, ['issued', 'failed'])));
    for (const id of new Set([...live, ...held].map((r) => r.id))) {
      await this.ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${SYNC_JOB}:${id}:device:${deviceId}:${tag}`, payload: { orderId: id } });
    }
  }

  // ———————————————————————————————————————— devices (admin)

  private async view(rows: DeviceRow[]): Promise<AccessDevice[]> {
    const ids = rows.map((r) => r.id);
    const counts = ids.length
      ? await this.ctx.db
          .select({ deviceId: accessCredentials.deviceId, status: accessCredentials.status, n: count() })
          .from(accessCredentials)
          .where(inArray(accessCredentials.deviceId, ids))
          .groupBy(accessCredentials.deviceId, accessCredentials.status)
      : [];
    const bIds = [...new Set(rows.flatMap((r) => r.buildingIds))];
    const names = new Map((bIds.length ? await this.ctx.db.select({ id: buildings.id, name: buildings.name }).from(buildings).where(inArray(buildings.id, bIds)) : []).map((b) => [b.id, b.name]));
    const n = (id: string, status: string) => Number(counts.find((c) => c.deviceId === id && c.status === status)?.n ?? 0);
    const doors = await doorViews(this.ctx.db, rows);
    return rows.map((d) => ({
      id: d.id,
      name: d.name,
      kind: d.kind as AccessDevice['kind'],
      adapter: d.adapter as AccessDevice['adapter'],
      address: d.address,
      username: d.username,
      hasPassword: !!d.passwordEnc,
      buildingIds: d.buildingIds,
      buildingNames: d.buildingIds.map((b) => names.get(b) ?? ''),
      direction: d.direction as AccessDevice['direction'],
      enabled: d.enabled,
      health: d.health as AccessDevice['health'],
      healthDetail: d.healthDetail,
      lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
      issuedCount: n(d.id, 'issued'),
      failedCount: n(d.id, 'failed'),
      ...doors.get(d.id)!,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    }));
  }

  async load(tx: Tx | Db, id: string, lock = false): Promise<DeviceRow> {
    const q = tx.select().from(accessDevices).where(eq(accessDevices.id, id));
    const [d] = lock ? await q.for('update') : await q;
    if (!d) throw new AppError('NOT_FOUND');
    return d;
  }

  async listDevices(_actor: Actor): Promise<{ items: AccessDevice[] }> {
    const rows = await this.ctx.db.select().from(accessDevices).orderBy(accessDevices.name, accessDevices.createdAt);
    return { items: await this.view(rows) };
  }

  async getDevice(_actor: Actor, id: string): Promise<AccessDevice> {
    return (await this.view([await this.load(this.ctx.db, id)]))[0]!;
  }

  private checkInput(i: Pick<DeviceInput, 'adapter' | 'address'> & { kind?: string }) {
    checkBarrier(i);
    if (i.adapter === 'hikvision_isapi' && !/^https?:\/\/[^/\s]+\/?$/.test(i.address.trim())) throw new AppError('DEVICE_ADDRESS_INVALID', { field: 'address' });
    if (i.adapter === 'mqtt' && !parseMqttAddress(i.address.trim())) throw new AppError('DEVICE_ADDRESS_INVALID', { field: 'address' });
  }

  private async checkBuildings(tx: Tx, ids: string[]) {
    if (!ids.length) return;
    const found = await tx.select({ id: buildings.id }).from(buildings).where(inArray(buildings.id, ids));
    if (found.length !== new Set(ids).size) throw new AppError('BUILDING_NOT_FOUND');
  }

  async createDevice(actor: Actor, i: DeviceInput): Promise<AccessDevice> {
    this.checkInput(i);
    const row = await this.ctx.db.transaction(async (tx) => {
      await this.checkBuildings(tx, i.buildingIds);
      await checkDoorGrants(tx, i.openGrants);
      const [d] = await tx
        .insert(accessDevices)
        .values({
          name: i.name.trim(),
          kind: i.kind,
          adapter: i.adapter,
          address: i.address.trim(),
          username: i.username?.trim() || null,
          passwordEnc: i.password ? this.ctx.crypto.encrypt(i.password) : null,
          buildingIds: [...new Set(i.buildingIds)],
          direction: i.direction,
          enabled: i.enabled,
          ...doorColumns(i),
        })
        .returning();
      await this.resyncForDevice(tx, d!.id, `create`);
      await audit(tx, actor, 'access.device.create', { type: 'access_device', id: d!.id }, { name: d!.name, adapter: d!.adapter });
      return d!;
    });
    if (row.adapter === 'mqtt' && this.ctx.config.WORKERS) await this.listenMqtt().catch(() => undefined);
    return (await this.view([row]))[0]!;
  }

  async updateDevice(actor: Actor, id: string, i: Partial<DeviceInput>): Promise<AccessDevice> {
    const row = await this.ctx.db.transaction(async (tx) => {
      const cur = await this.load(tx, id, true);
      this.checkInput({ adapter: (i.adapter ?? cur.adapter) as DeviceInput['adapter'], address: i.address ?? cur.address, kind: i.kind ?? cur.kind });
      if (i.buildingIds) await this.checkBuildings(tx, i.buildingIds);
      await checkDoorGrants(tx, i.openGrants);
      const set: Partial<typeof accessDevices.$inferInsert> = { updatedAt: this.ctx.clock.now(), ...doorColumns(i) };
      if (i.name !== undefined) set.name = i.name.trim();
      if (i.kind !== undefined) set.kind = i.kind;
      if (i.adapter !== undefined) set.adapter = i.adapter;
      if (i.address !== undefined) set.address = i.address.trim();
      if (i.username !== undefined) set.username = i.username?.trim() || null;
      if (i.password !== undefined) set.passwordEnc = i.password ? this.ctx.crypto.encrypt(i.password) : null;
      if (i.buildingIds !== undefined) set.buildingIds = [...new Set(i.buildingIds)];
      if (i.direction !== undefined) set.direction = i.direction;
      if (i.enabled !== undefined) set.enabled = i.enabled;
      const [d] = await tx.update(accessDevices).set(set).where(eq(accessDevices.id, id)).returning();
      await this.resyncForDevice(tx, id, String(set.updatedAt!.getTime()));
      await audit(tx, actor, 'access.device.update', { type: 'access_device', id }, { fields: Object.keys(i).map((k) => (k === 'password' ? 'password(changed)' : k)) });
      return d!;
    });
    if (row.adapter === 'mqtt' && this.ctx.config.WORKERS) await this.listenMqtt().catch(() => undefined);
    return (await this.view([row]))[0]!;
  }

  async removeDevice(actor: Actor, id: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const d = await this.load(tx, id, true);
      const [held] = await tx
        .select({ n: count() })
        .from(accessCredentials)
        .where(and(eq(accessCredentials.deviceId, id), inArray(accessCredentials.status, ['issued', 'failed'])));
      if (Number(held?.n ?? 0) > 0) throw new AppError('DEVICE_HAS_CREDENTIALS');
      await tx.delete(accessCredentials).where(eq(accessCredentials.deviceId, id));
      // pass records stay (they carry the device's name in detail)
      await tx.update(accessEvents).set({ deviceId: null }).where(eq(accessEvents.deviceId, id));
      await tx.delete(accessDevices).where(eq(accessDevices.id, id));
      await audit(tx, actor, 'access.device.delete', { type: 'access_device', id }, { name: d.name });
    });
  }

  async checkHealth(actor: Actor, id: string): Promise<AccessDevice> {
    const d = await this.load(this.ctx.db, id);
    const r = await this.adapterFor(d).health(this.target(d));
    const row = await this.ctx.db.transaction(async (tx) => {
      await audit(tx, actor, 'access.device.health', { type: 'access_device', id }, { ok: r.ok });
      // the same record as the periodic check: a device back is re-synced at once
      return recordHealth(this.ctx, tx, this, id, r);
    });
    if (!row) throw new AppError('NOT_FOUND');
    return (await this.view([row]))[0]!;
  }

  async token(actor: Actor, id: string): Promise<{ token: string }> {
    await this.load(this.ctx.db, id);
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.token.read', { type: 'access_device', id }));
    return { token: deviceToken(this.ctx, id) };
  }

  /** What a device holds: the simulator's own memory; for real devices the issuance record. */
  async held(actor: Actor, id: string): Promise<{ items: HeldCredential[]; source: 'device' | 'record' }> {
    const d = await this.load(this.ctx.db, id);
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.held.read', { type: 'access_device', id }));
    if (d.adapter === 'simulator') {
      const items = simulatorOf(this.ctx)
        .holdings(id)
        .sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())
        .map((h) => ({ personId: h.personId, orderId: h.orderId, name: h.name, kinds: h.kinds, validFrom: h.validFrom.toISOString(), validTo: h.validTo.toISOString(), idNumberMasked: h.idNumber ? maskIdNumber(h.idNumber) : null, hasFace: !!h.face, plate: h.plate ?? null }));
      return { items, source: 'device' };
    }
    const rows = await this.credentialRows(and(eq(accessCredentials.deviceId, id), eq(accessCredentials.status, 'issued'))!, 200, 0);
    return {
      items: rows.map((r) => ({ personId: personIdOf(r.orderId), orderId: r.orderId, name: r.holderName, kinds: r.kinds, validFrom: r.startAt, validTo: r.endAt, idNumberMasked: null, hasFace: r.kinds.includes('face'), plate: r.plate })),
      source: 'record',
    };
  }

  // ———————————————————————————————————————— issuance queue (admin)

  private async credentialRows(where: SQL | undefined, limit: number, offset: number): Promise<CredentialRow[]> {
    const attendee = sql`(select name from staff where staff.id = ${visitOrders.attendeeStaffId})`;
    const rows = await this.ctx.db
      .select({
        c: accessCredentials,
        deviceName: accessDevices.name,
        visitorName: visitors.name,
        attendeeName: attendee.mapWith(String),
        inviteeName: visitOrders.inviteeName,
        plate: visitOrders.plate,
        orderStatus: visitOrders.status,
        startAt: visitOrders.startAt,
        endAt: visitOrders.endAt,
      })
      .from(accessCredentials)
      .innerJoin(accessDevices, eq(accessDevices.id, accessCredentials.deviceId))
      .innerJoin(visitOrders, eq(visitOrders.id, accessCredentials.orderId))
      .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
      .where(where)
      .orderBy(desc(accessCredentials.updatedAt))
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({
      id: r.c.id,
      orderId: r.c.orderId,
      deviceId: r.c.deviceId,
      deviceName: r.deviceName,
      holderName: r.visitorName ?? r.attendeeName ?? r.inviteeName ?? '',
      orderStatus: r.orderStatus,
      startAt: r.startAt.toISOString(),
      endAt: r.endAt.toISOString(),
      kinds: r.c.kinds as CredentialKind[],
      plate: r.c.kinds.includes('plate') ? r.plate : null,
      status: r.c.status as CredentialRow['status'],
      lastError: r.c.lastError,
      issuedAt: r.c.issuedAt?.toISOString() ?? null,
      removedAt: r.c.removedAt?.toISOString() ?? null,
      updatedAt: r.c.updatedAt.toISOString(),
    }));
  }

  async listCredentials(actor: Actor, q: { status?: string; deviceId?: string; orderId?: string; page: number; pageSize: number }) {
    // holders' names: the read is audited like other lists of people
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.credentials.read', { type: 'access_credential' }, { status: q.status ?? null, deviceId: q.deviceId ?? null, page: q.page }));
    const where = and(
      q.status ? eq(accessCredentials.status, q.status) : undefined,
      q.deviceId ? eq(accessCredentials.deviceId, q.deviceId) : undefined,
      q.orderId ? eq(accessCredentials.orderId, q.orderId) : undefined,
    );
    const [t] = await this.ctx.db.select({ n: count() }).from(accessCredentials).where(where);
    return { items: await this.credentialRows(where, q.pageSize, (q.page - 1) * q.pageSize), total: Number(t?.n ?? 0), page: q.page, pageSize: q.pageSize };
  }

  /** 重试: run the order's sync now (the failed row is retried with every other device of the order). */
  async retryCredential(actor: Actor, id: string): Promise<{ ok: true }> {
    await this.ctx.db.transaction(async (tx) => {
      const [c] = await tx.select().from(accessCredentials).where(eq(accessCredentials.id, id));
      if (!c) throw new AppError('NOT_FOUND');
      if (c.status !== 'failed') throw new AppError('CREDENTIAL_NOT_RETRYABLE');
      await this.ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${SYNC_JOB}:${c.orderId}:retry:${randomUUID()}`, payload: { orderId: c.orderId } });
      await audit(tx, actor, 'access.credential.retry', { type: 'access_credential', id }, { orderId: c.orderId, deviceId: c.deviceId });
    });
    return { ok: true };
  }

  // ———————————————————————————————————————— MQTT event feed

  /** Subscribe to the events topic of every enabled MQTT device's broker (workers on). */
  async listenMqtt(): Promise<void> {
    const devices = await this.ctx.db.select().from(accessDevices).where(and(eq(accessDevices.adapter, 'mqtt'), eq(accessDevices.enabled, true)));
    if (!devices.length) return;
    await mqttHubOf(this.ctx).listen(devices.map((d) => this.target(d)), (terminalId, payload, brokerUrl) => {
      void this.passes.onMqttEvent(terminalId, payload, brokerUrl).catch((err) => this.ctx.log.warn({ err, terminalId }, 'mqtt pass event not recorded'));
    });
  }
}
