/** Queries of the visitor library (访客库). Each takes a transaction (or the db); no rules here. */
import { and, count, desc, eq, exists, ilike, isNull, or, type SQL } from 'drizzle-orm';
import { consents, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';

export type VisitorRow = typeof visitors.$inferSelect;

export interface VisitorFilter {
  /** name or phone (contains) */
  q?: string;
  /** blind index of the exact normalised ID number, when the search text could be one */
  idNumberIdx?: string;
  blocked?: boolean;
  /** a 单位管理员's library: visitors with an order with this unit */
  unitId?: string;
}

/** The visitor has an order with the unit (as the visitor). */
export const visitedUnit = (tx: Tx, unitId: string) =>
  exists(tx.select({ one: visitOrders.id }).from(visitOrders).where(and(eq(visitOrders.visitorId, visitors.id), eq(visitOrders.unitId, unitId))));

function visitorWhere(tx: Tx, f: VisitorFilter): SQL | undefined {
  // a deleted account (注销) is no longer in the library: only its anonymous orders remain
  const conds: SQL[] = [isNull(visitors.deletedAt)];
  if (f.unitId) conds.push(visitedUnit(tx, f.unitId));
  if (f.blocked !== undefined) conds.push(eq(visitors.blocked, f.blocked));
  const q = f.q?.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
    const any = [ilike(visitors.name, like), ilike(visitors.phone, like)];
    if (f.idNumberIdx) any.push(eq(visitors.idNumberIdx, f.idNumberIdx));
    conds.push(or(...any)!);
  }
  return and(...conds);
}

export async function listVisitors(tx: Tx, f: VisitorFilter, page: { limit: number; offset: number }) {
  return tx.select().from(visitors).where(visitorWhere(tx, f)).orderBy(desc(visitors.createdAt), desc(visitors.id)).limit(page.limit).offset(page.offset);
}

export async function countVisitors(tx: Tx, f: VisitorFilter) {
  const [r] = await tx.select({ n: count() }).from(visitors).where(visitorWhere(tx, f));
  return Number(r?.n ?? 0);
}

export async function findVisitor(tx: Tx, id: string, opts: { lock?: boolean; unitId?: string | null } = {}) {
  const q = tx
    .select()
    .from(visitors)
    .where(and(eq(visitors.id, id), isNull(visitors.deletedAt), opts.unitId ? visitedUnit(tx, opts.unitId) : undefined))
    .limit(1);
  const [v] = opts.lock ? await q.for('update') : await q;
  return v;
}

export async function setBlocked(tx: Tx, id: string, blocked: boolean, reason: string | null, at: Date) {
  const [v] = await tx.update(visitors).set({ blocked, blockedReason: reason, updatedAt: at }).where(eq(visitors.id, id)).returning();
  return v!;
}

/** The newest face consent (in force or withdrawn), if any. */
export async function latestFaceConsent(tx: Tx, visitorId: string) {
  const [c] = await tx
    .select({ textVersion: consents.textVersion, grantedAt: consents.grantedAt, withdrawnAt: consents.withdrawnAt })
    .from(consents)
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, visitorId), eq(consents.kind, 'face')))
    .orderBy(desc(consents.grantedAt))
    .limit(1);
  return c;
}

/** The visitor's orders (as the visitor), newest start first (index visit_orders_visitor). */
export async function visitHistory(tx: Tx, visitorId: string, limit: number, unitId?: string | null) {
  return tx
    .select({
      id: visitOrders.id,
      kind: visitOrders.kind,
      origin: visitOrders.origin,
      status: visitOrders.status,
      cancelReason: visitOrders.cancelReason,
      hostName: staff.name,
      unitName: units.name,
      reason: visitOrders.reason,
      startAt: visitOrders.startAt,
      endAt: visitOrders.endAt,
      arrivedAt: visitOrders.arrivedAt,
      arrivedVia: visitOrders.arrivedVia,
      arrivedWhere: visitOrders.arrivedWhere,
      leftAt: visitOrders.leftAt,
      leftVia: visitOrders.leftVia,
      leftWhere: visitOrders.leftWhere,
    })
    .from(visitOrders)
    .innerJoin(staff, eq(staff.id, visitOrders.hostId))
    .innerJoin(units, eq(units.id, visitOrders.unitId))
    .where(and(eq(visitOrders.visitorId, visitorId), unitId ? eq(visitOrders.unitId, unitId) : undefined))
    .orderBy(desc(visitOrders.startAt), desc(visitOrders.id))
    .limit(limit);
}

export async function countVisits(tx: Tx, visitorId: string, unitId?: string | null) {
  const [r] = await tx
    .select({ n: count() })
    .from(visitOrders)
    .where(and(eq(visitOrders.visitorId, visitorId), unitId ? eq(visitOrders.unitId, unitId) : undefined));
  return Number(r?.n ?? 0);
}
