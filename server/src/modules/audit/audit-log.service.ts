/**
 * 审计日志 read side: entries newest first with the actor's name — the paged list (系统 → 审计日志,
 * 记录查询 操作日志) and the keyset reader the Excel export walks (records module). One filter for both.
 *
 * The action filter ending in a dot finds the group ("kiosk_device." finds all device events);
 * otherwise the action itself and its sub-actions ("staff.photo" finds staff.photo.upload), but not a
 * longer name ("admin.login" does not find admin.login_failed).
 */
import { and, count, desc, eq, gte, inArray, lt, lte, max, sql, type SQL } from 'drizzle-orm';
import { admins, auditLog, kioskDevices, staff } from '../../db/schema/index.js';
import type { Db, Tx } from '../../platform/db.js';

export interface AuditLogWhere {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorType?: string;
  actorId?: string;
  /** at >= from, at < to */
  from?: Date;
  to?: Date;
  /** seq <= untilSeq: the entries there were when an export was asked for */
  untilSeq?: number;
}
export type AuditLogEntry = typeof auditLog.$inferSelect & { actorName: string | null };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function where(q: AuditLogWhere): SQL | undefined {
  const conds: SQL[] = [];
  if (q.action) {
    const prefix = likeEscape(q.action);
    conds.push(q.action.endsWith('.') ? sql`${auditLog.action} like ${prefix + '%'}` : sql`(${auditLog.action} = ${q.action} or ${auditLog.action} like ${prefix + '.%'})`);
  }
  if (q.targetType) conds.push(eq(auditLog.targetType, q.targetType));
  if (q.targetId) conds.push(eq(auditLog.targetId, q.targetId));
  if (q.actorType) conds.push(eq(auditLog.actorType, q.actorType));
  if (q.actorId) conds.push(eq(auditLog.actorId, q.actorId));
  if (q.from) conds.push(gte(auditLog.at, q.from));
  if (q.to) conds.push(lt(auditLog.at, q.to));
  if (q.untilSeq !== undefined) conds.push(lte(auditLog.seq, q.untilSeq));
  return conds.length ? and(...conds) : undefined;
}

export async function countAuditLog(db: Db | Tx, q: AuditLogWhere): Promise<number> {
  const [r] = await db.select({ n: count() }).from(auditLog).where(where(q));
  return Number(r?.n ?? 0);
}

/** One page of 审计日志, newest first. */
export async function listAuditLog(db: Db | Tx, q: AuditLogWhere & { page: number; pageSize: number }) {
  const total = await countAuditLog(db, q);
  const rows = await db
    .select()
    .from(auditLog)
    .where(where(q))
    .orderBy(desc(auditLog.seq))
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize);
  return { items: await withActorNames(db, rows), total, page: q.page, pageSize: q.pageSize };
}

/** The next keyset page after seq (null: the first), newest first — the export's reader. */
export async function auditLogAfter(db: Db | Tx, q: AuditLogWhere, afterSeq: number | null, limit: number): Promise<AuditLogEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(where(q), afterSeq !== null ? lt(auditLog.seq, afterSeq) : undefined))
    .orderBy(desc(auditLog.seq))
    .limit(limit);
  return withActorNames(db, rows);
}

/** The newest entry's seq (0 without any): an export reads the entries up to it. */
export async function lastAuditSeq(db: Db | Tx): Promise<number> {
  const [r] = await db.select({ seq: max(auditLog.seq) }).from(auditLog);
  return Number(r?.seq ?? 0);
}

/** Each entry with its actor's name: an administrator's username, a staff member's or a kiosk's name (others: null). */
async function withActorNames(db: Db | Tx, rows: Array<typeof auditLog.$inferSelect>): Promise<AuditLogEntry[]> {
  const names = new Map<string, string>();
  const uuid = /^[0-9a-f-]{36}$/i;
  const ids = (type: string) => [...new Set(rows.filter((r) => r.actorType === type && uuid.test(r.actorId)).map((r) => r.actorId))];
  const adminIds = ids('admin');
  const staffIds = ids('staff');
  const kioskIds = ids('kiosk');
  if (adminIds.length) {
    for (const a of await db.select({ id: admins.id, username: admins.username }).from(admins).where(inArray(admins.id, adminIds))) names.set(`admin:${a.id}`, a.username);
  }
  if (staffIds.length) {
    for (const s of await db.select({ id: staff.id, name: staff.name }).from(staff).where(inArray(staff.id, staffIds))) names.set(`staff:${s.id}`, s.name);
  }
  if (kioskIds.length) {
    for (const k of await db.select({ id: kioskDevices.id, name: kioskDevices.name }).from(kioskDevices).where(inArray(kioskDevices.id, kioskIds))) names.set(`kiosk:${k.id}`, k.name);
  }
  return rows.map((r) => ({ ...r, actorName: names.get(`${r.actorType}:${r.actorId}`) ?? null }));
}
