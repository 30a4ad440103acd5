/**
 * Queries of the privacy module (retention purge, 我的数据, 注销). Like 记录查询 and 访客库 it reads
 * across the visitor and order tables; each function takes a transaction (or the db); no rules here.
 *
 * "Last visit" of a visitor (docs/api/privacy.md): the latest, over all their orders (any status),
 * of the window's end and the time they left — a visit counts until it is over. A visitor's
 * `updated_at` (registration, an edit of their details, a new photo) is a floor: someone who just
 * gave us their data is not purged for an old visit. An order is open while initiated, pending or
 * confirmed, or arrived and not yet left.
 */
import { and, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { accessDevices, accessEvents, auditLog, consents, sessions, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { Db, Tx } from '../../platform/db.js';

type Q = Db | Tx;
function rows<T>(res: unknown): T[] {
  return (res as { rows: T[] }).rows;
}

/** an order that is not over: the visitor may still come, or is on site */
export const openOrderSql = (o: string) =>
  sql.raw(`(${o}.status in ('initiated','pending','confirmed') or (${o}.status = 'arrived' and ${o}.left_at is null))`);
/** when an order's visit is over: its window's end, or when the visitor left if later */
const overAtSql = (o: string) => sql.raw(`greatest(${o}.end_at, coalesce(${o}.left_at, ${o}.end_at))`);

export interface PurgeCandidate {
  id: string;
  name: string;
  photoKey: string | null;
  hasIdNumber: boolean;
  lastActivityAt: Date;
}
export interface UnusedCandidate {
  id: string;
  name: string;
  photoKey: string | null;
  hasIdNumber: boolean;
  lastActivityAt: Date;
}
export interface InviteeCandidate {
  id: string;
  name: string | null;
  lastActivityAt: Date;
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

/**
 * Visitors with orders, none open, last active before `cutoff`, who still have a photo or an ID
 * number (blocked visitors are kept: the blocklist matches by ID number). Oldest first. `lock`:
 * FOR UPDATE SKIP LOCKED of the visitor rows, so two runs never purge the same row at once.
 */
/**
 * `from … where …` of the visitors past the cut-off with something to purge and no open order —
 * one text for the run and its preview, so that the preview is what the run removes.
 */
function purgeableVisitors(cutoff: Date) {
  return sql`from visitors v
    join (
      select o.visitor_id, max(${overAtSql('o')}) as last_visit, bool_or(${openOrderSql('o')}) as open
      from visit_orders o where o.visitor_id is not null group by o.visitor_id
    ) a on a.visitor_id = v.id
    where v.deleted_at is null and not v.blocked
      and (v.photo_key is not null or v.id_number_enc is not null or v.id_number_idx is not null)
      and not a.open
      and greatest(v.updated_at, a.last_visit) < ${cutoff.toISOString()}::timestamptz`;
}

export async function findPurgeCandidates(tx: Q, cutoff: Date, limit: number, lock = false): Promise<PurgeCandidate[]> {
  const res = await tx.execute(sql`
    select v.id, v.name, v.photo_key, (v.id_number_enc is not null or v.id_number_idx is not null) as has_id,
           greatest(v.updated_at, a.last_visit) as last_activity
    ${purgeableVisitors(cutoff)}
    order by last_activity, v.id
    limit ${limit}
    ${lock ? sql`for update of v skip locked` : sql``}`);
  return rows<{ id: string; name: string; photo_key: string | null; has_id: boolean; last_activity: unknown }>(res).map((r) => ({
    id: r.id,
    name: r.name,
    photoKey: r.photo_key,
    hasIdNumber: r.has_id,
    lastActivityAt: toDate(r.last_activity),
  }));
}

export async function countPurgeCandidates(tx: Q, cutoff: Date): Promise<{ visitors: number; photos: number; idNumbers: number }> {
  const res = await tx.execute(sql`
    select count(*)::int as n, count(v.photo_key)::int as photos,
           count(*) filter (where v.id_number_enc is not null or v.id_number_idx is not null)::int as ids
    ${purgeableVisitors(cutoff)}`);
  const r = rows<{ n: number; photos: number; ids: number }>(res)[0]!;
  return { visitors: Number(r.n), photos: Number(r.photos), idNumbers: Number(r.ids) };
}

const unusedWhere = (cutoff: Date) => sql`
  v.deleted_at is null and not v.blocked and v.updated_at < ${cutoff.toISOString()}::timestamptz
  and not exists (select 1 from visit_orders o where o.visitor_id = v.id)
  and not exists (select 1 from visit_orders o where o.created_by_visitor_id = v.id)
  and not exists (select 1 from visit_orders o where o.visitor_phone = v.phone)`;

/** Registrations never used for an order (as visitor, creator or by phone), untouched since before `cutoff`. */
export async function findUnusedRegistrations(tx: Q, cutoff: Date, limit: number, lock = false): Promise<UnusedCandidate[]> {
  const res = await tx.execute(sql`
    select v.id, v.name, v.photo_key, (v.id_number_enc is not null) as has_id, v.updated_at
    from visitors v where ${unusedWhere(cutoff)}
    order by v.updated_at, v.id limit ${limit}
    ${lock ? sql`for update of v skip locked` : sql``}`);
  return rows<{ id: string; name: string; photo_key: string | null; has_id: boolean; updated_at: unknown }>(res).map((r) => ({
    id: r.id,
    name: r.name,
    photoKey: r.photo_key,
    hasIdNumber: r.has_id,
    lastActivityAt: toDate(r.updated_at),
  }));
}

export async function countUnusedRegistrations(tx: Q, cutoff: Date): Promise<number> {
  const res = await tx.execute(sql`select count(*)::int as n from visitors v where ${unusedWhere(cutoff)}`);
  return Number(rows<{ n: number }>(res)[0]!.n);
}

const inviteeWhere = (cutoff: Date) => sql`
  o.invitee_id_number_enc is not null and not ${openOrderSql('o')}
  and ${overAtSql('o')} < ${cutoff.toISOString()}::timestamptz`;

/** Orders over before `cutoff` that still carry an ID number typed for a companion or invitee. */
export async function findInviteeIdOrders(tx: Q, cutoff: Date, limit: number, lock = false): Promise<InviteeCandidate[]> {
  const res = await tx.execute(sql`
    select o.id, o.invitee_name, ${overAtSql('o')} as over_at from visit_orders o where ${inviteeWhere(cutoff)}
    order by over_at, o.id limit ${limit}
    ${lock ? sql`for update of o skip locked` : sql``}`);
  return rows<{ id: string; invitee_name: string | null; over_at: unknown }>(res).map((r) => ({ id: r.id, name: r.invitee_name, lastActivityAt: toDate(r.over_at) }));
}

export async function countInviteeIdOrders(tx: Q, cutoff: Date): Promise<number> {
  const res = await tx.execute(sql`select count(*)::int as n from visit_orders o where ${inviteeWhere(cutoff)}`);
  return Number(rows<{ n: number }>(res)[0]!.n);
}

// ------------------------------------------------------------------ writes

/** Photo reference and ID number gone; the face consents end (withdrawn at `at`). */
export async function purgeVisitors(tx: Tx, ids: string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await tx.update(visitors).set({ photoKey: null, idNumberEnc: null, idNumberIdx: null, purgedAt: at }).where(inArray(visitors.id, ids));
  await tx
    .update(consents)
    .set({ withdrawnAt: at })
    .where(and(eq(consents.subjectType, 'visitor'), inArray(consents.subjectId, ids), eq(consents.kind, 'face'), isNull(consents.withdrawnAt)));
}

/** An unused registration: the row, its consents and its sessions. */
export async function deleteVisitors(tx: Tx, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await tx.delete(consents).where(and(eq(consents.subjectType, 'visitor'), inArray(consents.subjectId, ids)));
  await tx.delete(sessions).where(and(eq(sessions.subjectType, 'visitor'), inArray(sessions.subjectId, ids)));
  await tx.delete(visitors).where(inArray(visitors.id, ids));
}

export async function clearInviteeIdNumbers(tx: Tx, orderIds: string[]): Promise<void> {
  if (!orderIds.length) return;
  await tx.update(visitOrders).set({ inviteeIdNumberEnc: null }).where(inArray(visitOrders.id, orderIds));
}

/**
 * 注销: the visitor row becomes a tombstone (no name, phone, ID, photo, employer, WeChat), their
 * consents end, their sessions go; their orders keep only what is not personal (the personal
 * fields typed on them cleared, the phone emptied, so a later registration of the same phone does
 * not find them).
 */
export async function eraseVisitor(tx: Tx, id: string, phone: string, at: Date): Promise<{ orders: number }> {
  await tx
    .update(visitors)
    .set({
      name: '已注销',
      phone: `deleted:${id}`,
      idNumberEnc: null,
      idNumberIdx: null,
      company: null,
      position: null,
      photoKey: null,
      wechatOpenId: null,
      deletedAt: at,
      updatedAt: at,
    })
    .where(eq(visitors.id, id));
  await tx
    .update(consents)
    .set({ withdrawnAt: at })
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, id), isNull(consents.withdrawnAt)));
  await tx.delete(sessions).where(and(eq(sessions.subjectType, 'visitor'), eq(sessions.subjectId, id)));
  const changed = await tx
    .update(visitOrders)
    .set({ visitorPhone: '', inviteeName: null, inviteeIdType: null, inviteeIdNumberEnc: null, inviteeCompany: null, inviteePosition: null, plate: null, remark: null, updatedAt: at })
    .where(or(eq(visitOrders.visitorId, id), and(isNull(visitOrders.visitorId), eq(visitOrders.visitorPhone, phone))))
    .returning({ id: visitOrders.id });
  return { orders: changed.length };
}

/** Whether a staff member has this phone (their messages and codes are not the visitor's to erase). */
export async function isStaffPhone(tx: Tx, phone: string): Promise<boolean> {
  const [s] = await tx.select({ id: staff.id }).from(staff).where(eq(staff.phone, phone)).limit(1);
  return !!s;
}

// ------------------------------------------------------------------ reads of one visitor

export type VisitorRow = typeof visitors.$inferSelect;

export async function findLiveVisitor(tx: Q, id: string, lock = false): Promise<VisitorRow | undefined> {
  const q = tx.select().from(visitors).where(and(eq(visitors.id, id), isNull(visitors.deletedAt))).limit(1);
  const [v] = lock ? await q.for('update') : await q;
  return v;
}

export async function listConsents(tx: Q, visitorId: string) {
  return tx
    .select({ kind: consents.kind, textVersion: consents.textVersion, grantedAt: consents.grantedAt, withdrawnAt: consents.withdrawnAt })
    .from(consents)
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, visitorId)))
    .orderBy(consents.grantedAt);
}

/**
 * Orders counted, the open ones, the last visit as the purge counts it (every order, see the module
 * comment) and the last visit over by `now` (what the visitor is shown as 最后一次来访).
 */
export async function orderFigures(tx: Q, visitorId: string, now: Date): Promise<{ total: number; open: number; lastVisitAt: Date | null; lastPastVisitAt: Date | null }> {
  const res = await tx.execute(sql`
    select count(*)::int as total, count(*) filter (where ${openOrderSql('o')})::int as open, max(${overAtSql('o')}) as last_visit,
           max(${overAtSql('o')}) filter (where not ${openOrderSql('o')} and ${overAtSql('o')} <= ${now.toISOString()}::timestamptz) as last_past
    from visit_orders o where o.visitor_id = ${visitorId}`);
  const r = rows<{ total: number; open: number; last_visit: unknown; last_past: unknown }>(res)[0]!;
  return { total: Number(r.total), open: Number(r.open), lastVisitAt: r.last_visit ? toDate(r.last_visit) : null, lastPastVisitAt: r.last_past ? toDate(r.last_past) : null };
}

export async function listOrdersForExport(tx: Q, visitorId: string) {
  return tx
    .select({
      id: visitOrders.id,
      kind: visitOrders.kind,
      status: visitOrders.status,
      unitName: units.name,
      hostName: staff.name,
      reason: visitOrders.reason,
      startAt: visitOrders.startAt,
      endAt: visitOrders.endAt,
      plate: visitOrders.plate,
      arrivedAt: visitOrders.arrivedAt,
      leftAt: visitOrders.leftAt,
      createdAt: visitOrders.createdAt,
    })
    .from(visitOrders)
    .innerJoin(units, eq(units.id, visitOrders.unitId))
    .innerJoin(staff, eq(staff.id, visitOrders.hostId))
    .where(eq(visitOrders.visitorId, visitorId))
    .orderBy(desc(visitOrders.startAt));
}

export async function listPassesOfOrders(tx: Q, orderIds: string[]) {
  if (!orderIds.length) return [];
  return tx
    .select({ orderId: accessEvents.orderId, at: accessEvents.at, method: accessEvents.method, direction: accessEvents.direction, result: accessEvents.result, device: accessDevices.name })
    .from(accessEvents)
    .leftJoin(accessDevices, eq(accessDevices.id, accessEvents.deviceId))
    .where(inArray(accessEvents.orderId, orderIds))
    .orderBy(desc(accessEvents.at));
}

const READER_TYPES = ['admin', 'staff', 'kiosk', 'device', 'system'];

/** Audit entries by others (administrators, staff, kiosks, devices, the system) about the visitor or their orders. */
function readingsWhere(visitorId: string): SQL {
  const orderIds = sql`(select o.id::text from visit_orders o where o.visitor_id = ${visitorId})`;
  return and(
    inArray(auditLog.actorType, READER_TYPES),
    or(and(eq(auditLog.targetType, 'visitor'), eq(auditLog.targetId, visitorId)), and(eq(auditLog.targetType, 'visit_order'), sql`${auditLog.targetId} in ${orderIds}`)),
  )!;
}

export async function listReadings(tx: Q, visitorId: string, limit: number) {
  return tx
    .select({ at: auditLog.at, actorType: auditLog.actorType, actorId: auditLog.actorId, action: auditLog.action, targetType: auditLog.targetType })
    .from(auditLog)
    .where(readingsWhere(visitorId))
    .orderBy(desc(auditLog.at), desc(auditLog.seq))
    .limit(limit);
}

export async function countReadings(tx: Q, visitorId: string): Promise<number> {
  const [r] = await tx.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(readingsWhere(visitorId));
  return Number(r?.n ?? 0);
}

