/**
 * Queries of 记录查询 (A8) and of the exports table. Each takes a transaction (or the db); no rules
 * here. Orders are read newest start first on the index visit_orders_start (start_at, id), per unit
 * on visit_orders_unit_start, per host on visit_orders_host; the export walks the same order by
 * keyset (start_at, id) so that no page is read twice and none needs an OFFSET.
 */
import { and, count, desc, eq, gte, ilike, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { dataExports, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { Db, Tx } from '../../platform/db.js';

export interface OrderWhere {
  /** start_at >= from */
  from?: Date;
  /** start_at < to */
  to?: Date;
  unitId?: string;
  hostId?: string;
  kind?: string;
  status?: string;
  /** visitor's or invitee's name, contains */
  name?: string;
  phone?: string;
  phoneSuffix?: string;
  /** blind index of the exact normalised ID number */
  idNumberIdx?: string;
  /** created at or before (an export's rows: those that existed when it was asked for) */
  createdUntil?: Date;
}

const like = (text: string) => text.replace(/[\\%_]/g, (m) => '\\' + m);

function where(f: OrderWhere): SQL | undefined {
  const c: SQL[] = [];
  if (f.from) c.push(gte(visitOrders.startAt, f.from));
  if (f.to) c.push(lt(visitOrders.startAt, f.to));
  if (f.unitId) c.push(eq(visitOrders.unitId, f.unitId));
  if (f.hostId) c.push(eq(visitOrders.hostId, f.hostId));
  if (f.kind) c.push(eq(visitOrders.kind, f.kind));
  if (f.status) c.push(eq(visitOrders.status, f.status));
  if (f.name) c.push(or(ilike(visitors.name, `%${like(f.name)}%`), ilike(visitOrders.inviteeName, `%${like(f.name)}%`))!);
  if (f.phone) c.push(eq(visitOrders.visitorPhone, f.phone));
  if (f.phoneSuffix) c.push(sql`${visitOrders.visitorPhone} like ${'%' + like(f.phoneSuffix)}`);
  if (f.idNumberIdx) c.push(eq(visitors.idNumberIdx, f.idNumberIdx));
  if (f.createdUntil) c.push(lte(visitOrders.createdAt, f.createdUntil));
  return c.length ? and(...c) : undefined;
}

const rowColumns = {
  o: visitOrders,
  visitorName: visitors.name,
  visitorIdType: visitors.idType,
  visitorIdNumberEnc: visitors.idNumberEnc,
  visitorCompany: visitors.company,
  hostName: staff.name,
  unitName: units.name,
};
export type RecordRow = { o: typeof visitOrders.$inferSelect; visitorName: string | null; visitorIdType: string | null; visitorIdNumberEnc: string | null; visitorCompany: string | null; hostName: string; unitName: string };

function selectRows(db: Tx | Db) {
  return db
    .select(rowColumns)
    .from(visitOrders)
    .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
    .innerJoin(staff, eq(staff.id, visitOrders.hostId))
    .innerJoin(units, eq(units.id, visitOrders.unitId));
}

export async function countOrders(db: Tx | Db, f: OrderWhere): Promise<number> {
  // the visitor join only when a visitor field is filtered on (the count stays on visit_orders' indexes)
  const q = db.select({ n: count() }).from(visitOrders);
  const [r] = f.name || f.idNumberIdx ? await q.leftJoin(visitors, eq(visitors.id, visitOrders.visitorId)).where(where(f)) : await q.where(where(f));
  return Number(r?.n ?? 0);
}

/** One page of the table, newest start first. */
export async function pageOrders(db: Tx | Db, f: OrderWhere, page: { limit: number; offset: number }): Promise<RecordRow[]> {
  return selectRows(db).where(where(f)).orderBy(desc(visitOrders.startAt), desc(visitOrders.id)).limit(page.limit).offset(page.offset);
}

/** The next keyset page after (startAt, id), newest start first — the export's reader. */
export async function ordersAfter(db: Tx | Db, f: OrderWhere, after: { startAt: Date; id: string } | null, limit: number): Promise<RecordRow[]> {
  const key = after ? sql`(${visitOrders.startAt}, ${visitOrders.id}) < (${after.startAt.toISOString()}::timestamptz, ${after.id}::uuid)` : undefined;
  return selectRows(db)
    .where(and(where(f), key))
    .orderBy(desc(visitOrders.startAt), desc(visitOrders.id))
    .limit(limit);
}

export async function findOrderRow(db: Tx | Db, id: string): Promise<RecordRow | undefined> {
  const [r] = await selectRows(db).where(eq(visitOrders.id, id)).limit(1);
  return r;
}

// ——— exports ———

export type ExportRow = typeof dataExports.$inferSelect;

export async function insertExport(tx: Tx, row: typeof dataExports.$inferInsert): Promise<ExportRow> {
  const [r] = await tx.insert(dataExports).values(row).returning();
  return r!;
}

export async function findExport(db: Tx | Db, id: string): Promise<ExportRow | undefined> {
  const [r] = await db.select().from(dataExports).where(eq(dataExports.id, id)).limit(1);
  return r;
}

export async function updateExport(db: Tx | Db, id: string, set: Partial<typeof dataExports.$inferInsert>) {
  await db.update(dataExports).set(set).where(eq(dataExports.id, id));
}

/** Built files older than `before` (the sweep), on the partial index exports_done_finished. */
export function doneBefore(db: Tx | Db, before: Date, limit: number) {
  return db
    .select({ id: dataExports.id, storageKey: dataExports.storageKey })
    .from(dataExports)
    .where(and(eq(dataExports.status, 'done'), lt(dataExports.finishedAt, before)))
    .orderBy(dataExports.finishedAt)
    .limit(limit);
}
