/** Drizzle queries of the personnel module (人员审核). Each takes a transaction (or the db); no rules here. */
import { and, count, desc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { departments, personnelRequests, staff, unitReviewers, units } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';

export type RequestRow = typeof personnelRequests.$inferSelect;
export type NewRequest = typeof personnelRequests.$inferInsert;

export async function findRequest(tx: Tx, id: string, opts: { forUpdate?: boolean } = {}): Promise<RequestRow | undefined> {
  const q = tx.select().from(personnelRequests).where(eq(personnelRequests.id, id)).limit(1);
  const [row] = opts.forUpdate ? await q.for('update') : await q;
  return row;
}

export async function insertRequest(tx: Tx, v: NewRequest): Promise<RequestRow> {
  const [row] = await tx.insert(personnelRequests).values(v).returning();
  return row!;
}

export async function updateRequest(tx: Tx, id: string, v: Partial<NewRequest>): Promise<RequestRow> {
  const [row] = await tx.update(personnelRequests).set(v).where(eq(personnelRequests.id, id)).returning();
  return row!;
}

/** The applicant's pending 修改个人信息, if any. */
export async function findPendingChange(tx: Tx, applicantId: string): Promise<RequestRow | undefined> {
  const [row] = await tx
    .select()
    .from(personnelRequests)
    .where(and(eq(personnelRequests.applicantId, applicantId), eq(personnelRequests.kind, 'info_change'), eq(personnelRequests.status, 'pending')))
    .limit(1);
  return row;
}

/** The applicant's latest 修改个人信息 (any status). */
export async function findLatestChange(tx: Tx, applicantId: string): Promise<RequestRow | undefined> {
  const [row] = await tx
    .select()
    .from(personnelRequests)
    .where(and(eq(personnelRequests.applicantId, applicantId), eq(personnelRequests.kind, 'info_change')))
    .orderBy(desc(personnelRequests.createdAt), desc(personnelRequests.id))
    .limit(1);
  return row;
}

export async function pageRequests(tx: Tx, where: SQL | undefined, page: number, pageSize: number): Promise<{ rows: RequestRow[]; total: number }> {
  const [t] = await tx.select({ n: count() }).from(personnelRequests).where(where);
  const rows = await tx
    .select()
    .from(personnelRequests)
    .where(where)
    .orderBy(desc(personnelRequests.createdAt), desc(personnelRequests.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return { rows, total: Number(t?.n ?? 0) };
}

/** The units whose personnel requests this staff member reviews (cc false) or is copied on (cc true). */
export async function reviewerUnits(tx: Tx, staffId: string, cc: boolean): Promise<string[]> {
  const rows = await tx
    .select({ unitId: unitReviewers.unitId })
    .from(unitReviewers)
    .where(and(eq(unitReviewers.staffId, staffId), eq(unitReviewers.kind, 'personnel'), eq(unitReviewers.cc, cc)));
  return rows.map((r) => r.unitId);
}

/** The personnel reviewers (not cc) of a unit who are active staff, with their phones. */
export async function findReviewers(tx: Tx, unitId: string) {
  return tx
    .select({ id: staff.id, name: staff.name, phone: staff.phone })
    .from(unitReviewers)
    .innerJoin(staff, eq(staff.id, unitReviewers.staffId))
    .where(and(eq(unitReviewers.unitId, unitId), eq(unitReviewers.kind, 'personnel'), eq(unitReviewers.cc, false), isNull(staff.deletedAt), eq(staff.active, true)));
}

/** Names of staff (deleted ones too: a request keeps its applicant) with their unit and department. */
export async function staffNames(tx: Tx, ids: string[]) {
  if (!ids.length) return new Map<string, { name: string; unitName: string; departmentName: string | null }>();
  const rows = await tx
    .select({ id: staff.id, name: staff.name, unitName: units.name, departmentName: departments.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(inArray(staff.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, { name: r.name, unitName: r.unitName, departmentName: r.departmentName ?? null }]));
}

export async function unitNames(tx: Tx, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await tx.select({ id: units.id, name: units.name }).from(units).where(inArray(units.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function departmentNames(tx: Tx, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await tx.select({ id: departments.id, name: departments.name }).from(departments).where(inArray(departments.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * The 审批中心 badge in one statement: the pending requests of the units this staff member reviews
 * (not their own; personnel_requests_unit_status per unit), and whether they review or are copied
 * on any unit at all (unit_reviewers_staff).
 */
export function badgeQuery(staffId: string): SQL {
  const mine = (cc?: boolean) =>
    sql`select ${unitReviewers.unitId} from ${unitReviewers} where ${unitReviewers.staffId} = ${staffId} and ${unitReviewers.kind} = 'personnel'${cc === undefined ? sql`` : cc ? sql` and ${unitReviewers.cc}` : sql` and not ${unitReviewers.cc}`}`;
  return sql`select
    (select count(*)::int from ${personnelRequests} where ${personnelRequests.unitId} in (${mine(false)}) and ${personnelRequests.status} = 'pending' and ${personnelRequests.applicantId} <> ${staffId}) as pending,
    exists (${mine()}) as reviewer`;
}
export async function badge(tx: Tx, staffId: string): Promise<{ pending: number; reviewer: boolean }> {
  const res = await tx.execute(badgeQuery(staffId));
  const [r] = (res as unknown as { rows: Array<{ pending: number; reviewer: boolean }> }).rows;
  return { pending: Number(r?.pending ?? 0), reviewer: !!r?.reviewer };
}

/** 待处理: pending requests of these units, not the reviewer's own (nobody reviews their own). */
export const pendingFor = (unitIds: string[], me: string) =>
  unitIds.length ? and(inArray(personnelRequests.unitId, unitIds), eq(personnelRequests.status, 'pending'), ne(personnelRequests.applicantId, me)) : sql`false`;
/** 已处理: decided requests of these units. */
export const decidedIn = (unitIds: string[]) => (unitIds.length ? and(inArray(personnelRequests.unitId, unitIds), inArray(personnelRequests.status, ['approved', 'rejected'])) : sql`false`);
/** 抄送我: every request of these units but the withdrawn ones. */
export const copiedIn = (unitIds: string[]) => (unitIds.length ? and(inArray(personnelRequests.unitId, unitIds), ne(personnelRequests.status, 'withdrawn')) : sql`false`);
/** 代登记人员 list of one applicant, by status ('all' includes withdrawn). */
export const proxiesOf = (applicantId: string, status: 'all' | 'pending' | 'approved' | 'rejected') =>
  and(eq(personnelRequests.applicantId, applicantId), eq(personnelRequests.kind, 'proxy_registration'), status === 'all' ? undefined : eq(personnelRequests.status, status));
