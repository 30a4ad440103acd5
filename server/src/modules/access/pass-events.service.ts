/**
 * 通行记录 read side (A7, A8): pass events newest first with the device and the holder's name — the
 * paged list (设备管理 and 记录查询), an order's passes (记录查询 detail), and the keyset reader the
 * Excel export walks (records module). One filter, one row shape for all three. The caller audits.
 */
import { and, count, desc, eq, gte, lt, lte, max, sql, type SQL } from 'drizzle-orm';
import { accessDevices, accessEvents, visitOrders, visitors } from '../../db/schema/index.js';
import type { Db, Tx } from '../../platform/db.js';
import type { PassDirection, PassEventRow, PassMethod, PassResult } from '../../../../contracts/access.js';

/** 通行记录 filters: a device, a building it guards, an order, a method, a result, a time range. */
export interface PassEventFilter {
  deviceId?: string;
  buildingId?: string;
  orderId?: string;
  method?: string;
  result?: string;
  /** at >= from, at < to (instants) */
  from?: string;
  to?: string;
  /** seq <= untilSeq: the events there were when an export was asked for */
  untilSeq?: number;
}
export interface PassEventQuery extends PassEventFilter {
  page: number;
  pageSize: number;
}

function where(q: PassEventFilter): SQL | undefined {
  return and(
    q.deviceId ? eq(accessEvents.deviceId, q.deviceId) : undefined,
    q.buildingId ? sql`${accessEvents.deviceId} in (select id from access_devices where ${q.buildingId}::uuid = any(building_ids))` : undefined,
    q.orderId ? eq(accessEvents.orderId, q.orderId) : undefined,
    q.method ? eq(accessEvents.method, q.method) : undefined,
    q.result ? eq(accessEvents.result, q.result) : undefined,
    q.from ? gte(accessEvents.at, new Date(q.from)) : undefined,
    q.to ? lt(accessEvents.at, new Date(q.to)) : undefined,
    q.untilSeq !== undefined ? lte(accessEvents.seq, q.untilSeq) : undefined,
  );
}

function selectRows(db: Db | Tx) {
  const attendee = sql`(select name from staff where staff.id = ${visitOrders.attendeeStaffId})`;
  return db
    .select({ e: accessEvents, deviceName: accessDevices.name, visitorName: visitors.name, attendeeName: attendee.mapWith(String), inviteeName: visitOrders.inviteeName })
    .from(accessEvents)
    .leftJoin(accessDevices, eq(accessDevices.id, accessEvents.deviceId))
    .leftJoin(visitOrders, eq(visitOrders.id, accessEvents.orderId))
    .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId));
}
type Selected = Awaited<ReturnType<ReturnType<typeof selectRows>['where']>>[number];

function rowOf(r: Selected): PassEventRow {
  const detail = (r.e.detail ?? {}) as { note?: string; deviceName?: string; clockSkew?: boolean; openedBy?: string; plate?: string };
  return {
    seq: r.e.seq,
    at: r.e.at.toISOString(),
    deviceId: r.e.deviceId,
    deviceName: r.deviceName ?? detail.deviceName ?? null,
    method: r.e.method as PassMethod,
    direction: r.e.direction as PassDirection,
    result: r.e.result as PassResult,
    orderId: r.e.orderId,
    // a remote opening (远程开门) names the staff member who opened
    holderName: r.e.orderId ? (r.visitorName ?? r.attendeeName ?? r.inviteeName ?? null) : (detail.openedBy ?? null),
    note: detail.note ?? null,
    deviceAt: r.e.deviceAt?.toISOString() ?? null,
    clockSkew: !!detail.clockSkew,
    plate: detail.plate ?? null,
  };
}

export async function countPassEvents(db: Db | Tx, q: PassEventFilter): Promise<number> {
  const [t] = await db.select({ n: count() }).from(accessEvents).where(where(q));
  return Number(t?.n ?? 0);
}

/** One page of 通行记录, newest first. */
export async function listPassEvents(db: Db | Tx, q: PassEventQuery): Promise<{ items: PassEventRow[]; total: number; page: number; pageSize: number }> {
  const total = await countPassEvents(db, q);
  const rows = await selectRows(db)
    .where(where(q))
    .orderBy(desc(accessEvents.at), desc(accessEvents.seq))
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize);
  return { items: rows.map(rowOf), total, page: q.page, pageSize: q.pageSize };
}

/** The next keyset page after a row (null: the first), in the list's order — the export's reader. */
export async function passEventsAfter(db: Db | Tx, q: PassEventFilter, after: { at: string; seq: number } | null, limit: number): Promise<PassEventRow[]> {
  const key = after ? sql`(${accessEvents.at}, ${accessEvents.seq}) < (${after.at}::timestamptz, ${after.seq}::bigint)` : undefined;
  const rows = await selectRows(db)
    .where(and(where(q), key))
    .orderBy(desc(accessEvents.at), desc(accessEvents.seq))
    .limit(limit);
  return rows.map(rowOf);
}

/** The newest event's seq (0 without any): an export reads the events up to it. */
export async function lastPassEventSeq(db: Db | Tx): Promise<number> {
  const [r] = await db.select({ seq: max(accessEvents.seq) }).from(accessEvents);
  return Number(r?.seq ?? 0);
}
