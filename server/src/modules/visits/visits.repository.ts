/** Data access for visit orders. Methods describe data, not use cases; each takes a tx. */
import { and, asc, desc, eq, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { unitReviewers, buildings, departments, meetingBookings, meetingRooms, orderCc, orderChainSteps, orderTransitions, staff, units, visitOrders, visitors, approvalChains } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';
import { hotQuery, param } from '../../platform/hot-query.js';
import { v7 as uuidv7 } from 'uuid';

export type OrderRow = typeof visitOrders.$inferSelect;
export type NewOrder = typeof visitOrders.$inferInsert;

export async function findOrder(tx: Tx, id: string, opts: { forUpdate?: boolean } = {}): Promise<OrderRow | undefined> {
  const [row] = await (opts.forUpdate ? selectOrderForUpdate : selectOrder)(tx, { id });
  return row;
}
const selectOrder = hotQuery<{ id: string }, OrderRow[]>('sg_order_by_id', (db) => db.select().from(visitOrders).where(eq(visitOrders.id, sql.placeholder('id'))).limit(1));
const selectOrderForUpdate = hotQuery<{ id: string }, OrderRow[]>('sg_order_by_id_locked', (db) =>
  db.select().from(visitOrders).where(eq(visitOrders.id, sql.placeholder('id'))).limit(1).for('update'),
);

export async function findByIdempotencyKey(tx: Tx, key: string) {
  const [row] = await tx.select().from(visitOrders).where(eq(visitOrders.idempotencyKey, key)).limit(1);
  return row;
}

export async function insertOrder(tx: Tx, o: NewOrder): Promise<OrderRow> {
  if (isSubmissionShape(o)) {
    const values = Object.fromEntries(SUBMISSION_COLUMNS.map((c) => [c, (o as Record<string, unknown>)[c] ?? null])) as Record<(typeof SUBMISSION_COLUMNS)[number], unknown>;
    const [row] = await insertSubmission(tx, { ...values, id: o.id ?? uuidv7() });
    return row!;
  }
  const [row] = await tx.insert(visitOrders).values(o).returning();
  return row!;
}

/**
 * The columns a main order submitted by its visitor (访客预约, the morning rush) is written with:
 * such an insert is a prepared statement (platform/hot-query.ts); an order with anything else set
 * goes through the query builder. Every one is nullable with no default but the four NOT NULL ones
 * every order has, so a column left out is written as the null it would have been.
 */
const SUBMISSION_COLUMNS = [
  'kind', 'status', 'cancelReason', 'visitorId', 'visitorPhone', 'hostId', 'unitId', 'reason', 'remark', 'startAt', 'endAt', 'plate', 'vehicleStatus', 'createdByVisitorId', 'idempotencyKey', 'submittedAt', 'decidedAt',
] as const satisfies ReadonlyArray<keyof NewOrder>;
const SUBMISSION_KEYS = new Set<string>(['id', ...SUBMISSION_COLUMNS]);
const isSubmissionShape = (o: NewOrder) => Object.entries(o).every(([k, v]) => SUBMISSION_KEYS.has(k) || v === undefined);

const insertSubmission = hotQuery<Record<string, unknown>, OrderRow[]>('sg_order_insert_submission', (db) =>
  db
    .insert(visitOrders)
    .values(Object.fromEntries(['id', ...SUBMISSION_COLUMNS].map((c) => [c, param(c)])) as unknown as NewOrder)
    .returning(),
);

export async function updateOrder(tx: Tx, id: string, set: Partial<NewOrder>) {
  const values: Record<string, unknown> = { id, updatedAt: new Date() };
  for (const [k, v] of Object.entries(set)) if (v !== undefined) values[k] = v;
  const columns = Object.keys(values).filter((k) => k !== 'id').sort();
  // one prepared statement per set of columns changed (a move sets a handful of shapes)
  const signature = columns.join(',');
  let update = orderUpdates.get(signature);
  if (!update) {
    update = hotQuery<Record<string, unknown>, unknown>(`sg_order_update_${orderUpdates.size}`, (db) =>
      db
        .update(visitOrders)
        .set(Object.fromEntries(columns.map((c) => [c, param(c)])) as Partial<NewOrder>)
        .where(eq(visitOrders.id, sql.placeholder('id'))),
    );
    orderUpdates.set(signature, update);
  }
  await update(tx, values);
}
const orderUpdates = new Map<string, (on: Tx, values: Record<string, unknown>) => Promise<unknown>>();

export async function insertTransition(tx: Tx, t: typeof orderTransitions.$inferInsert) {
  await insertOneTransition(tx, Object.fromEntries(TRANSITION_COLUMNS.map((c) => [`${c}0`, t[c] ?? null])));
}
const insertOneTransition = hotQuery<Record<string, unknown>, unknown>('sg_order_transition_insert', (db) =>
  db.insert(orderTransitions).values(Object.fromEntries(TRANSITION_COLUMNS.map((c) => [c, param(`${c}0`)])) as unknown as typeof orderTransitions.$inferInsert),
);
/** Several trail entries in one statement (in their order). */
export async function insertTransitions(tx: Tx, rows: Array<typeof orderTransitions.$inferInsert>) {
  // two: the 发起 and 提交 of a submission (prepared)
  if (rows.length === 2) await insertTwoTransitions(tx, Object.fromEntries(rows.flatMap((r, i) => TRANSITION_COLUMNS.map((c) => [`${c}${i}`, r[c] ?? null]))));
  else if (rows.length) await tx.insert(orderTransitions).values(rows);
}
const TRANSITION_COLUMNS = ['orderId', 'at', 'actorType', 'actorId', 'actorRole', 'action', 'fromStatus', 'toStatus', 'reason', 'comment'] as const;
const insertTwoTransitions = hotQuery<Record<string, unknown>, unknown>('sg_order_transitions_insert_2', (db) =>
  db.insert(orderTransitions).values([0, 1].map((i) => Object.fromEntries(TRANSITION_COLUMNS.map((c) => [c, param(`${c}${i}`)]))) as unknown as Array<typeof orderTransitions.$inferInsert>),
);

/**
 * The visitor who submits, and the order already created under their idempotency key if any —
 * one statement for what a submission must know of its author.
 */
export async function findSubmitter(tx: Tx, visitorId: string, idempotencyKey: string | null) {
  const [v] = await selectSubmitter(tx, { visitorId, key: idempotencyKey });
  return v;
}
const selectSubmitter = hotQuery<{ visitorId: string; key: string | null }, Array<{ id: string; name: string; phone: string; blocked: boolean; dupId: string | null }>>('sg_order_submitter', (db) =>
  db
    .select({
      id: visitors.id,
      name: visitors.name,
      phone: visitors.phone,
      blocked: visitors.blocked,
      // no key: null = anything is never true, so no order
      dupId: sql<string | null>`(select ${visitOrders.id} from ${visitOrders} where ${visitOrders.idempotencyKey} = ${sql.placeholder('key')}::text)`,
    })
    .from(visitors)
    .where(eq(visitors.id, sql.placeholder('visitorId')))
    .limit(1),
);

export interface ChainRef {
  nodes: Array<{ type: 'person'; staffId: string } | { type: 'role'; role: string }>;
  ccStaffIds: string[];
}

/**
 * A host (active, visit permission on) by phone with what a submission to them needs: their unit's
 * visit limit and name, their department, and the unit's enabled approval chain for `kind` (null:
 * none) — one statement.
 */
export async function findHostWithChain(tx: Tx, phone: string, kind: string) {
  const [s] = await selectHostWithChain(tx, { phone, kind });
  if (!s) return undefined;
  const { chainNodes, chainCc, ...host } = s;
  const chain: ChainRef | null = chainNodes ? { nodes: chainNodes as ChainRef['nodes'], ccStaffIds: chainCc ?? [] } : null;
  return { ...host, chain };
}

const selectHostWithChain = hotQuery<
  { phone: string; kind: string },
  Array<{ id: string; name: string; phone: string; unitId: string; maxVisitHours: number; unitName: string; departmentName: string | null; chainNodes: unknown; chainCc: string[] | null }>
>('sg_host_with_chain', (db) =>
  db
    .select({
      id: staff.id,
      name: staff.name,
      phone: staff.phone,
      unitId: staff.unitId,
      maxVisitHours: units.maxVisitHours,
      unitName: units.name,
      departmentName: departments.name,
      chainNodes: approvalChains.nodes,
      chainCc: approvalChains.ccStaffIds,
    })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(approvalChains, and(eq(approvalChains.unitId, staff.unitId), eq(approvalChains.kind, sql.placeholder('kind')), eq(approvalChains.enabled, true)))
    .where(and(eq(staff.phone, sql.placeholder('phone')), isNull(staff.deletedAt), eq(staff.active, true), eq(staff.visitPermission, true)))
    .limit(1),
);

export function listSubs(tx: Tx, parentIds: string[]) {
  if (parentIds.length === 0) return Promise.resolve([] as OrderRow[]);
  return tx.select().from(visitOrders).where(inArray(visitOrders.parentId, parentIds)).orderBy(asc(visitOrders.createdAt), asc(visitOrders.id));
}

export async function countActiveSubs(tx: Tx, parentId: string): Promise<number> {
  const [r] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(visitOrders)
    .where(and(eq(visitOrders.parentId, parentId), ne(visitOrders.status, 'cancelled')));
  return Number(r?.n ?? 0);
}

export async function findVisitorByPhone(tx: Tx, phone: string) {
  const [v] = await tx.select().from(visitors).where(eq(visitors.phone, phone)).limit(1);
  return v;
}
export async function findVisitor(tx: Tx, id: string) {
  const [v] = await selectVisitor(tx, { id });
  return v;
}
const selectVisitor = hotQuery<{ id: string }, Array<typeof visitors.$inferSelect>>('sg_visitor_by_id', (db) => db.select().from(visitors).where(eq(visitors.id, sql.placeholder('id'))).limit(1));

/** A host: active staff with visit permission (访问权限) on. */
export async function findHostByPhone(tx: Tx, phone: string) {
  const [s] = await tx
    .select({ id: staff.id, name: staff.name, phone: staff.phone, unitId: staff.unitId, maxVisitHours: units.maxVisitHours, unitName: units.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .where(and(eq(staff.phone, phone), isNull(staff.deletedAt), eq(staff.active, true), eq(staff.visitPermission, true)))
    .limit(1);
  return s;
}
export async function findStaff(tx: Tx, id: string) {
  const [s] = await selectStaff(tx, { id });
  return s;
}
const selectStaff = hotQuery<{ id: string }, Array<{ id: string; name: string; phone: string; unitId: string; roles: string[]; visitPermission: boolean; maxVisitHours: number; unitName: string }>>('sg_staff_by_id', (db) =>
  db
    .select({ id: staff.id, name: staff.name, phone: staff.phone, unitId: staff.unitId, roles: staff.roles, visitPermission: staff.visitPermission, maxVisitHours: units.maxVisitHours, unitName: units.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .where(and(eq(staff.id, sql.placeholder('id')), isNull(staff.deletedAt)))
    .limit(1),
);
export function findStaffByIds(tx: Tx, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return tx
    .select({ id: staff.id, name: staff.name, phone: staff.phone, unitName: units.name, departmentName: departments.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(inArray(staff.id, ids));
}
export function findVisitorsByIds(tx: Tx, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return tx.select({ id: visitors.id, name: visitors.name, phone: visitors.phone }).from(visitors).where(inArray(visitors.id, ids));
}
/** 访客库 最近来访: the visitor's latest arrival (never moved back by an older one). */
export function touchVisitorLastVisit(tx: Tx, visitorId: string, at: Date) {
  return touchLastVisit(tx, { visitorId, at });
}
const touchLastVisit = hotQuery<{ visitorId: string; at: Date }, unknown>('sg_visitor_last_visit', (db) =>
  db
    .update(visitors)
    .set({ lastVisitAt: param('at') })
    .where(and(eq(visitors.id, sql.placeholder('visitorId')), or(isNull(visitors.lastVisitAt), sql`${visitors.lastVisitAt} < ${param('at')}::timestamptz`))),
);
/** Active staff who hold a role in a unit (role nodes of an approval chain). */
export function findStaffWithRole(tx: Tx, unitId: string, role: string) {
  return tx
    .select({ id: staff.id, phone: staff.phone, name: staff.name })
    .from(staff)
    .where(and(eq(staff.unitId, unitId), isNull(staff.deletedAt), eq(staff.active, true), sql`${role} = any(${staff.roles})`));
}

export async function findChain(tx: Tx, unitId: string, kind: string) {
  const [c] = await tx
    .select()
    .from(approvalChains)
    .where(and(eq(approvalChains.unitId, unitId), eq(approvalChains.kind, kind), eq(approvalChains.enabled, true)))
    .limit(1);
  return c;
}
export async function insertChainSteps(tx: Tx, rows: Array<typeof orderChainSteps.$inferInsert>) {
  if (rows.length) await tx.insert(orderChainSteps).values(rows);
}
export function listChainSteps(tx: Tx, orderId: string) {
  return tx.select().from(orderChainSteps).where(eq(orderChainSteps.orderId, orderId)).orderBy(asc(orderChainSteps.position));
}
export async function updateChainStep(tx: Tx, orderId: string, position: number, set: Partial<typeof orderChainSteps.$inferInsert>) {
  await tx.update(orderChainSteps).set(set).where(and(eq(orderChainSteps.orderId, orderId), eq(orderChainSteps.position, position)));
}
export async function insertCc(tx: Tx, orderId: string, staffIds: string[]) {
  if (staffIds.length) await tx.insert(orderCc).values(staffIds.map((staffId) => ({ orderId, staffId }))).onConflictDoNothing();
}
export async function isCc(tx: Tx, orderId: string, staffId: string) {
  const [r] = await tx.select({ id: orderCc.orderId }).from(orderCc).where(and(eq(orderCc.orderId, orderId), eq(orderCc.staffId, staffId))).limit(1);
  return !!r;
}
export function listTransitions(tx: Tx, orderId: string) {
  return tx.select().from(orderTransitions).where(eq(orderTransitions.orderId, orderId)).orderBy(asc(orderTransitions.seq));
}

/** Orders due to expire: still waiting (initiated/pending) with their end passed. */
export function findExpired(tx: Tx, now: Date, limit: number) {
  return tx
    .select({ id: visitOrders.id })
    .from(visitOrders)
    .where(and(inArray(visitOrders.status, ['initiated', 'pending']), sql`${visitOrders.endAt} <= ${now.toISOString()}::timestamptz`))
    .orderBy(asc(visitOrders.endAt))
    .limit(limit);
}

/**
 * A page of one visitor's orders with their total in one statement (the count rides along as a
 * window; a page past the end counts apart). For a visitor's own list: a visitor has few orders,
 * so counting them with the page costs nothing — unlike a host's, which pageOrders counts apart.
 */
/**
 * 我的预约's page (a visitor's own orders, recent: from the start of today, history: before it;
 * status 'all' or one) — prepared, one statement per scope; the total rides on the rows.
 */
export async function pageMyOrders(db: Tx, q: { visitorId: string; scope: 'recent' | 'history'; status: string; dayStart: Date; page: number; pageSize: number }) {
  const values = { visitorId: q.visitorId, status: q.status, dayStart: q.dayStart, limit: q.pageSize, offset: (q.page - 1) * q.pageSize };
  const rows = await (q.scope === 'recent' ? myRecent : myHistory)(db, values);
  if (rows.length === 0 && q.page > 1) {
    const where = and(eq(visitOrders.visitorId, q.visitorId), q.scope === 'recent' ? sql`${visitOrders.startAt} >= ${q.dayStart}` : sql`${visitOrders.startAt} < ${q.dayStart}`, q.status === 'all' ? undefined : eq(visitOrders.status, q.status));
    const [c] = await db.select({ n: sql<number>`count(*)::int` }).from(visitOrders).where(where);
    return { rows: [] as OrderRow[], total: Number(c?.n ?? 0) };
  }
  return { rows: rows.map((r) => r.order), total: rows[0]?.total ?? 0 };
}
const myPage = (name: string, window: (db: Tx) => SQL) =>
  hotQuery<{ visitorId: string; status: string; dayStart: Date; limit: number; offset: number }, Array<{ order: OrderRow; total: number }>>(name, (db) =>
    db
      .select({ order: visitOrders, total: sql<number>`count(*) over ()`.mapWith(Number) })
      .from(visitOrders)
      .where(and(sql`${visitOrders.visitorId} = ${param('visitorId')}::uuid`, window(db), sql`(${param('status')}::text = 'all' or ${visitOrders.status} = ${param('status')}::text)`))
      .orderBy(desc(visitOrders.startAt), desc(visitOrders.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset')),
  );
const myRecent = myPage('sg_my_orders_recent', () => sql`${visitOrders.startAt} >= ${param('dayStart')}::timestamptz`);
const myHistory = myPage('sg_my_orders_history', () => sql`${visitOrders.startAt} < ${param('dayStart')}::timestamptz`);

export async function pageOrders(tx: Tx, where: SQL | undefined, page: number, pageSize: number) {
  const rows = await tx
    .select()
    .from(visitOrders)
    .where(where)
    .orderBy(desc(visitOrders.startAt), desc(visitOrders.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [c] = await tx.select({ n: sql<number>`count(*)::int` }).from(visitOrders).where(where);
  return { rows, total: Number(c?.n ?? 0) };
}

export async function findUnit(tx: Tx, id: string) {
  const [u] = await tx.select().from(units).where(eq(units.id, id)).limit(1);
  return u;
}

export async function findVisitorByIdIndex(tx: Tx, idx: string) {
  const [v] = await tx.select().from(visitors).where(eq(visitors.idNumberIdx, idx)).limit(1);
  return v;
}

/** Hosts (visit permission on) whose name contains q, or whose phone contains q (4+ digits). */
export function searchHosts(tx: Tx, q: string, limit: number) {
  const byPhone = /^\d{4,11}$/.test(q);
  if (!q) return Promise.resolve([]);
  return tx
    .select({ id: staff.id, name: staff.name, unitName: units.name, departmentName: departments.name, officeRoom: staff.officeRoom, officePhone: staff.officePhone })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(
      and(
        isNull(staff.deletedAt),
        eq(staff.active, true),
        eq(staff.visitPermission, true),
        byPhone ? sql`${staff.phone} like ${'%' + q + '%'}` : sql`${staff.name} like ${'%' + q.replace(/[%_\\]/g, '') + '%'}`,
      ),
    )
    .orderBy(asc(staff.name))
    .limit(limit);
}

/** Every host the kiosk may list (visit permission, active), for its offline host search. */
export function hostDirectory(tx: Tx, limit: number) {
  return tx
    .select({ id: staff.id, name: staff.name, unitName: units.name, departmentName: departments.name, officeRoom: staff.officeRoom, officePhone: staff.officePhone })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(and(isNull(staff.deletedAt), eq(staff.active, true), eq(staff.visitPermission, true)))
    .orderBy(asc(staff.name))
    .limit(limit);
}

export function walkInsSince(tx: Tx, since: Date, limit: number) {
  return tx
    .select({
      orderId: visitOrders.id,
      name: visitors.name,
      phone: visitors.phone,
      idType: visitors.idType,
      idNumberEnc: visitors.idNumberEnc,
      company: visitors.company,
      hostId: visitOrders.hostId,
      hostName: staff.name,
      reason: visitOrders.reason,
      status: visitOrders.status,
      createdAt: visitOrders.createdAt,
    })
    .from(visitOrders)
    .innerJoin(visitors, eq(visitors.id, visitOrders.visitorId))
    .innerJoin(staff, eq(staff.id, visitOrders.hostId))
    .where(and(eq(visitOrders.kind, 'walk_in'), sql`${visitOrders.createdAt} >= ${since.toISOString()}::timestamptz`))
    .orderBy(desc(visitOrders.createdAt))
    .limit(limit);
}

export async function lastOrderOf(tx: Tx, visitorId: string) {
  const [o] = await tx
    .select({ hostId: visitOrders.hostId, hostName: staff.name, unitName: units.name, reason: visitOrders.reason, startAt: visitOrders.startAt })
    .from(visitOrders)
    .innerJoin(staff, eq(staff.id, visitOrders.hostId))
    .innerJoin(units, eq(units.id, visitOrders.unitId))
    .where(eq(visitOrders.visitorId, visitorId))
    .orderBy(desc(visitOrders.startAt))
    .limit(1);
  return o;
}

/** The booking behind a meeting attendee order (who may review it: applicant, co-bookers). */
export async function findMeeting(tx: Tx, id: string) {
  const [b] = await tx
    .select({ id: meetingBookings.id, title: meetingBookings.title, applicantId: meetingBookings.applicantId, coBookerIds: meetingBookings.coBookerIds, roomId: meetingBookings.roomId, status: meetingBookings.status })
    .from(meetingBookings)
    .where(eq(meetingBookings.id, id))
    .limit(1);
  return b;
}

/** Meeting title and room for order cards. */
export function findMeetingsForCards(tx: Tx, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return tx
    .select({ id: meetingBookings.id, title: meetingBookings.title, roomName: meetingRooms.name, floor: meetingRooms.floor, location: meetingRooms.location, buildingName: buildings.name })
    .from(meetingBookings)
    .innerJoin(meetingRooms, eq(meetingRooms.id, meetingBookings.roomId))
    .leftJoin(buildings, eq(buildings.id, meetingRooms.buildingId))
    .where(inArray(meetingBookings.id, ids));
}

export { bookedBy } from '../../db/schema/meetings.js';

/** A vehicle reviewer (or cc) of the unit (A6). */
export async function isVehicleReviewer(tx: Tx, unitId: string, staffId: string): Promise<boolean> {
  const [r] = await tx
    .select({ id: unitReviewers.id })
    .from(unitReviewers)
    .where(and(eq(unitReviewers.unitId, unitId), eq(unitReviewers.staffId, staffId), eq(unitReviewers.kind, 'vehicle')))
    .limit(1);
  return !!r;
}

/** The vehicle reviewers (not cc) of a unit, with their phones. */
export async function findVehicleReviewers(tx: Tx, unitId: string) {
  const rows = await tx
    .select({ staffId: unitReviewers.staffId })
    .from(unitReviewers)
    .where(and(eq(unitReviewers.unitId, unitId), eq(unitReviewers.kind, 'vehicle'), eq(unitReviewers.cc, false)));
  return findStaffByIds(tx, rows.map((r) => r.staffId));
}
