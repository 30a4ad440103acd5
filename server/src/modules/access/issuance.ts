/**
 * Issuance scheduling (X4, docs/decisions/0007-access-issuance.md): what other modules and the
 * device side call, inside their own transactions, so that the reconciler (reconciler.ts) brings the
 * gates in line after the commit — an order's sync now, at its window's start and at its end; a
 * holder's orders when their photo, consent or blocking changed; a device's whole set when it was
 * added, changed or came back.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, inArray, lte } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';

export const SYNC_JOB = 'access.sync';
export const DEVICE_SYNC_JOB = 'access.sync.device';
export const LIVE = ['confirmed', 'arrived'];

/** An order's sync. `forceSince`: push even what is unchanged, unless pushed after this instant (ISO). */
export interface OrderSyncJob {
  orderId: string;
  forceSince?: string;
}
/** A device's sync: everything it should hold, pushed again unless pushed after `forceSince` (it may have lost its memory). */
export interface DeviceSyncJob {
  deviceId: string;
  forceSince: string;
}

/**
 * Should the gates hold this order now? Confirmed or arrived, inside [startAt, endAt), and not
 * checked out at a kiosk or automatically (an exit gate's pass keeps it: the visitor may return).
 */
export function desired(o: { status: string; startAt: Date; endAt: Date; leftVia?: string | null }, now: Date): boolean {
  if (o.leftVia === 'kiosk' || o.leftVia === 'auto') return false;
  return LIVE.includes(o.status) && o.startAt.getTime() <= now.getTime() && now.getTime() < o.endAt.getTime();
}

/**
 * Schedule the order's sync: now, at its start and at its end. The keys carry what decides what the
 * gates hold — live or not (confirmed and arrived hold the same: an arrival schedules nothing new),
 * a check-out, the plate's review, the window — so a repeated call is a no-op.
 */
export async function scheduleOrderSync(ctx: AppContext, tx: Tx, o: { id: string; status: string; startAt: Date; endAt: Date; leftVia?: string | null; vehicleStatus?: string | null }): Promise<void> {
  // initiated / pending orders were never issued: nothing to do until they are confirmed
  if (o.status !== 'cancelled' && !LIVE.includes(o.status)) return;
  // an arrival (at a gate or the kiosk, only ever from confirmed) changes nothing on the gates: the
  // confirmed order's syncs stand. A change while arrived that does — a check-out, a plate's
  // review — comes with leftVia or vehicleStatus (keyed below, a repeat a no-op).
  if (o.status === 'arrived' && !o.leftVia && !o.vehicleStatus) return;
  const state = LIVE.includes(o.status) ? 'live' : o.status;
  const base = `${SYNC_JOB}:${o.id}:${state}${o.leftVia ? `:${o.leftVia}` : ''}${o.vehicleStatus ? `:v-${o.vehicleStatus}` : ''}:${o.startAt.getTime()}:${o.endAt.getTime()}`;
  const now = ctx.clock.now();
  const job = (orderId: string): OrderSyncJob => ({ orderId });
  await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:now`, payload: job(o.id) });
  if (!LIVE.includes(o.status)) return;
  if (o.startAt > now) await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:start`, payload: job(o.id), runAt: o.startAt });
  if (o.endAt > now) await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${base}:end`, payload: job(o.id), runAt: o.endAt });
}

/**
 * The person behind some orders changed what the gates may hold — a new photo, a face consent
 * withdrawn (X5: the face must leave the gates at once, not at the window's end), blocked: re-sync
 * every order of theirs whose window is open now, pushing again even what looks unchanged (a photo
 * replaced under the same key). Runs in the caller's transaction.
 */
export async function holderChanged(ctx: AppContext, tx: Tx, holder: { visitorId: string } | { staffId: string }): Promise<number> {
  const now = ctx.clock.now();
  const who = 'visitorId' in holder ? eq(visitOrders.visitorId, holder.visitorId) : eq(visitOrders.attendeeStaffId, holder.staffId);
  const open = await tx
    .select({ id: visitOrders.id })
    .from(visitOrders)
    .where(and(who, inArray(visitOrders.status, LIVE), lte(visitOrders.startAt, now), gt(visitOrders.endAt, now)));
  for (const o of open) {
    const payload: OrderSyncJob = { orderId: o.id, forceSince: now.toISOString() };
    await ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${SYNC_JOB}:${o.id}:holder:${randomUUID()}`, payload });
  }
  return open.length;
}

/**
 * A device was added or changed (areas, enabled, address) or has come back: one job brings the whole
 * device in line — what it should hold pushed in batches, what it should not removed — and pushes
 * again what it may have lost. `tag` makes the key (create, the change's time, a comeback).
 */
export async function scheduleDeviceSync(ctx: AppContext, tx: Tx, deviceId: string, tag: string): Promise<void> {
  const payload: DeviceSyncJob = { deviceId, forceSince: ctx.clock.now().toISOString() };
  await ctx.queue.enqueue(tx, { type: DEVICE_SYNC_JOB, key: `${DEVICE_SYNC_JOB}:${deviceId}:${tag}`, payload });
}
