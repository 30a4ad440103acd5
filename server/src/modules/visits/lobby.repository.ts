/** Data access for the lobby (K2 check-in/out, on site). Methods describe data; each takes a tx. */
import { and, asc, eq, gt, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { buildings, departments, kioskChecks, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';
import type { OrderRow } from './visits.repository.js';

/** Visitors whose ID number has this blind index (one person may be registered under two phones). */
export async function visitorIdsByIdIndex(tx: Tx, idx: string): Promise<string[]> {
  return (await tx.select({ id: visitors.id }).from(visitors).where(eq(visitors.idNumberIdx, idx))).map((r) => r.id);
}

/** Orders of these visitors (or to this phone) whose window overlaps [from, to). */
export function ordersOverlapping(tx: Tx, who: { visitorIds?: string[]; phone?: string }, from: Date, to: Date): Promise<OrderRow[]> {
  const match = or(
    who.visitorIds?.length ? inArray(visitOrders.visitorId, who.visitorIds) : undefined,
    who.phone ? eq(visitOrders.visitorPhone, who.phone) : undefined,
  );
  if (!match) return Promise.resolve([]);
  return tx
    .select()
    .from(visitOrders)
    .where(and(match, lt(visitOrders.startAt, to), gt(visitOrders.endAt, from)))
    .orderBy(asc(visitOrders.startAt))
    .limit(50);
}

/** The next live order of these visitors (or phone) starting at or after `from` — to say "not today". */
export async function nextLiveOrder(tx: Tx, who: { visitorIds?: string[]; phone?: string }, from: Date): Promise<OrderRow | undefined> {
  const match = or(
    who.visitorIds?.length ? inArray(visitOrders.visitorId, who.visitorIds) : undefined,
    who.phone ? eq(visitOrders.visitorPhone, who.phone) : undefined,
  );
  if (!match) return undefined;
  const [row] = await tx
    .select()
    .from(visitOrders)
    .where(and(match, gte(visitOrders.startAt, from), inArray(visitOrders.status, ['initiated', 'pending', 'confirmed'])))
    .orderBy(asc(visitOrders.startAt))
    .limit(1);
  return row;
}

/** Orders of these visitors (or phone) that are on site now: arrived, not seen leaving. */
export function onSiteOf(tx: Tx, who: { visitorIds?: string[]; phone?: string; orderIds?: string[] }): Promise<OrderRow[]> {
  const match = or(
    who.visitorIds?.length ? inArray(visitOrders.visitorId, who.visitorIds) : undefined,
    who.phone ? eq(visitOrders.visitorPhone, who.phone) : undefined,
    who.orderIds?.length ? inArray(visitOrders.id, who.orderIds) : undefined,
  );
  if (!match) return Promise.resolve([]);
  return tx
    .select()
    .from(visitOrders)
    .where(and(match, eq(visitOrders.status, 'arrived'), isNull(visitOrders.leftAt)))
    .orderBy(asc(visitOrders.arrivedAt))
    .limit(50);
}

export function ordersByIds(tx: Tx, ids: string[]): Promise<OrderRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return tx.select().from(visitOrders).where(inArray(visitOrders.id, ids));
}

/** Hosts with what the kiosk shows of them: name, unit, department, office room. */
export function hostsByIds(tx: Tx, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return tx
    .select({ id: staff.id, name: staff.name, phone: staff.phone, unitName: units.name, departmentName: departments.name, officeRoom: staff.officeRoom, unitBuildingId: units.buildingId, buildingName: buildings.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(buildings, eq(buildings.id, units.buildingId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(inArray(staff.id, ids));
}

export function visitorsByIds(tx: Tx, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return tx
    .select({ id: visitors.id, name: visitors.name, phone: visitors.phone, idNumberEnc: visitors.idNumberEnc, company: visitors.company, position: visitors.position, photoKey: visitors.photoKey, blocked: visitors.blocked })
    .from(visitors)
    .where(inArray(visitors.id, ids));
}

export async function findCheck(tx: Tx, deviceId: string, key: string) {
  const [row] = await tx.select().from(kioskChecks).where(and(eq(kioskChecks.deviceId, deviceId), eq(kioskChecks.idempotencyKey, key)));
  return row;
}
export async function insertCheck(tx: Tx, row: typeof kioskChecks.$inferInsert) {
  await tx.insert(kioskChecks).values(row);
}

/** Everyone on site now (arrived, not left), the longest past their window's end first. */
export function onSiteAll(tx: Tx, limit: number) {
  return tx
    .select()
    .from(visitOrders)
    .where(and(eq(visitOrders.status, 'arrived'), isNull(visitOrders.leftAt)))
    .orderBy(asc(visitOrders.endAt))
    .limit(limit);
}
export async function countOnSite(tx: Tx, overstayBefore: Date) {
  const [r] = await tx
    .select({ total: sql<number>`count(*)::int`, overstaying: sql<number>`(count(*) filter (where ${visitOrders.endAt} <= ${overstayBefore}))::int` })
    .from(visitOrders)
    .where(and(eq(visitOrders.status, 'arrived'), isNull(visitOrders.leftAt)));
  return { total: Number(r?.total ?? 0), overstaying: Number(r?.overstaying ?? 0) };
}

/** On site and past `before` (window end + threshold): for the automatic check-out or the overstay notice. */
export function onSiteEndedBefore(tx: Tx, before: Date, opts: { notNotified?: boolean }, limit: number) {
  return tx
    .select()
    .from(visitOrders)
    .where(and(eq(visitOrders.status, 'arrived'), isNull(visitOrders.leftAt), lt(visitOrders.endAt, before), opts.notNotified ? isNull(visitOrders.overstayNotifiedAt) : undefined))
    .orderBy(asc(visitOrders.endAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}
