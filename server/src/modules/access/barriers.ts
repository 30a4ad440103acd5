/**
 * Parking barriers (道闸, S8 车辆审核 → X4): a barrier holds plates, nothing else. The reconciler
 * (reconciler.ts, decision 0007) issues an order's plate to the enabled barriers guarding its
 * building while the order is live (issuance.ts desired, not blocklisted) AND 车辆审核 approved
 * the plate, and takes it off at the window's end, on cancellation, on a rejection or a check-out.
 * A barrier's camera reports a plate (method 'plate'): the server matches it to such an order on a
 * building the barrier serves and records the vehicle's entry or exit on the order (through the
 * visits module); a plate with no live approved order there is refused on the way in.
 *
 * Hikvision ISAPI barriers are not supported: their parking cameras keep plates in a vehicle list
 * of their own, not in the access-control person store the ISAPI adapter speaks. An administrator
 * is told so when adding one (DEVICE_BARRIER_UNSUPPORTED); the MQTT terminal protocol and the
 * simulator carry plates.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';
import type { Db, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { normalisePlate } from '../../../../contracts/vehicles.js';
import { personIdOf, type PassDirection } from '../../../../contracts/access.js';
import type { CredentialPush } from './adapters/types.js';

type OrderRow = typeof visitOrders.$inferSelect;
type DeviceLike = { kind: string; adapter: string; buildingIds: string[] };

/** Which adapters can hold a plate. */
export const barrierSupported = (d: { adapter: string }) => d.adapter !== 'hikvision_isapi';

/** 设备管理: a barrier must be on an adapter that carries plates. */
export function checkBarrier(i: { kind?: string; adapter?: string }) {
  if (i.kind === 'barrier' && i.adapter && !barrierSupported({ adapter: i.adapter })) throw new AppError('DEVICE_BARRIER_UNSUPPORTED', { field: 'adapter' });
}

/**
 * Does this device take the order now? Gates and doors whenever the order is wanted (the caller
 * checked that); a barrier only for an approved plate, and only if its adapter carries plates.
 */
export function deviceTakes(o: Pick<OrderRow, 'plate' | 'vehicleStatus'>, d: DeviceLike): boolean {
  if (d.kind !== 'barrier') return true;
  return !!o.plate && o.vehicleStatus === 'approved' && barrierSupported(d);
}

/** What a barrier is given for an order: the plate, for the window (no ID number, no face, no code). */
export function platePush(o: Pick<OrderRow, 'id' | 'startAt' | 'endAt' | 'plate'>, holderName: string): CredentialPush {
  return { personId: personIdOf(o.id), orderId: o.id, name: holderName, validFrom: o.startAt, validTo: o.endAt, idNumber: null, face: null, kinds: ['plate'], plate: o.plate };
}

/** The building that guards an order, in SQL: the meeting room's for a meeting order, else the host unit's. */
const orderBuilding = sql`coalesce(
  (select r.building_id from meeting_bookings b join meeting_rooms r on r.id = b.room_id where b.id = ${visitOrders.meetingId}),
  (select u.building_id from units u where u.id = ${visitOrders.unitId}))`;

const live = (o: OrderRow, now: Date) => ['confirmed', 'arrived'].includes(o.status) && o.leftVia !== 'kiosk' && o.leftVia !== 'auto' && o.startAt <= now && now < o.endAt;

/** Why a plate pass in is refused for this order (null: it may come in); the server's rules, whatever the barrier says. */
export function plateRefusal(o: OrderRow, now: Date): string | null {
  if (o.vehicleStatus === 'pending') return 'VEHICLE_PENDING';
  if (o.vehicleStatus !== 'approved') return 'VEHICLE_REJECTED';
  if (!['confirmed', 'arrived'].includes(o.status)) return `ORDER_${o.status.toUpperCase()}`;
  if (o.leftVia === 'kiosk' || o.leftVia === 'auto') return 'CHECKED_OUT';
  if (!(o.startAt <= now && now < o.endAt)) return 'OUTSIDE_WINDOW';
  return null;
}

/**
 * The order a plate read at a barrier belongs to, among the orders with this plate on a building
 * the barrier serves. In: the live order with the plate approved, else the nearest other (its
 * refusal says why), else none (PLATE_UNKNOWN). Out: the order whose vehicle is inside (came in,
 * not yet out), else the live approved one, else none (PLATE_UNKNOWN — a note: a vehicle leaving
 * is not refused).
 */
export async function plateOrderOf(db: Db | Tx, rawPlate: string, device: DeviceLike, direction: PassDirection, now: Date): Promise<{ orderId: string | null; refusal: string | null }> {
  const plate = normalisePlate(rawPlate);
  if (!device.buildingIds.length || !plate) return { orderId: null, refusal: 'PLATE_UNKNOWN' };
  const buildings = sql`array[${sql.join(
    device.buildingIds.map((b) => sql`${b}::uuid`),
    sql`, `,
  )}]`;
  const rows = await db
    .select()
    .from(visitOrders)
    .where(and(eq(visitOrders.plate, plate), sql`${visitOrders.vehicleStatus} is not null`, sql`${orderBuilding} = any(${buildings})`))
    .orderBy(desc(visitOrders.startAt))
    .limit(50);
  const ok = rows.filter((o) => live(o, now) && o.vehicleStatus === 'approved').sort((a, b) => a.startAt.getTime() - b.startAt.getTime())[0];
  if (direction === 'out') {
    // a vehicle leaves whatever became of its order since: the one it came in on
    const inside = rows.filter((o) => o.vehicleInAt && (!o.vehicleOutAt || o.vehicleOutAt < o.vehicleInAt)).sort((a, b) => b.vehicleInAt!.getTime() - a.vehicleInAt!.getTime())[0];
    const o = inside ?? ok;
    return o ? { orderId: o.id, refusal: null } : { orderId: null, refusal: 'PLATE_UNKNOWN' };
  }
  if (ok) return { orderId: ok.id, refusal: null };
  // the nearest one in time says why not
  const near = [...rows].sort((a, b) => Math.abs(a.startAt.getTime() - now.getTime()) - Math.abs(b.startAt.getTime() - now.getTime()))[0];
  if (near) return { orderId: near.id, refusal: plateRefusal(near, now) ?? 'PLATE_UNKNOWN' };
  return { orderId: null, refusal: 'PLATE_UNKNOWN' };
}
