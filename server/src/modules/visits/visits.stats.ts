/**
 * Visits in numbers, for the admin 首页 (A9): per unit and in total — people expected today (an
 * order confirmed or arrived whose window overlaps the center's today), those who arrived today,
 * are still on site, have left, overstay, the cancelled and the reviews waiting now; arrivals by
 * the hour of the center's clock; the last days' orders and arrivals. Grouped counts, each over an
 * index: visit_orders_end (end_at) bounds the orders of today and later, visit_orders_pending_end
 * the open reviews, visit_orders_on_site who is on site, visit_orders_start the last 30 days.
 */
import { and, eq, gt, gte, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import { units, visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';

export interface TodayVisits {
  /** the center's calendar day counted (YYYY-MM-DD) */
  day: string;
  /** confirmed or arrived, window overlapping today */
  expected: number;
  /** arrived today (checked in at a gate or the kiosk) */
  arrived: number;
  /** of those arrived, not yet seen leaving */
  onSite: number;
  /** of those arrived, seen leaving (a gate, the kiosk, the automatic check-out) */
  left: number;
  /** on site VISIT_OVERSTAY_MINUTES or more past their window's end (在场访客 lists them first) */
  overstaying: number;
  /** cancelled (rejected, withdrawn, expired…) with a window overlapping today */
  cancelled: number;
  /** waiting for a host or approver now (pending, window not over) */
  pendingReview: number;
}

export type Counts = Omit<TodayVisits, 'day'>;
export interface UnitCounts extends Counts {
  unitId: string;
  unitName: string;
}

const zero = (): Counts => ({ expected: 0, arrived: 0, onSite: 0, left: 0, overstaying: 0, cancelled: 0, pendingReview: 0 });
type Ctx = Pick<AppContext, 'db' | 'clock' | 'config'>;

function todayBounds(ctx: Ctx) {
  const { clock } = ctx;
  const day = clock.today();
  const dayStart = clock.startOfDay(day);
  const dayEnd = clock.startOfDay(clock.dayOf(new Date(dayStart.getTime() + 36 * 3600_000)));
  return { day, dayStart, dayEnd };
}

/** Today per unit (units with anything to count), the total, and arrivals per hour (0–23, the center's clock). */
/** `unitId`: one unit only (a 单位管理员's dashboard). */
export async function todayByUnit(ctx: Ctx, unitId: string | null = null): Promise<{ total: TodayVisits; units: UnitCounts[]; arrivalsByHour: number[] }> {
  const { db, clock } = ctx;
  const { day, dayStart, dayEnd } = todayBounds(ctx);
  const now = clock.now();
  const s = visitOrders.status;
  const arrivedToday = sql`${s} = 'arrived' and ${visitOrders.arrivedAt} >= ${dayStart}`;
  const inUnit = unitId ? eq(visitOrders.unitId, unitId) : undefined;
  const overlapsToday = and(gt(visitOrders.endAt, dayStart), lt(visitOrders.startAt, dayEnd), inUnit);
  const byUnit = new Map<string, Counts>();
  const of = (unitId: string) => byUnit.get(unitId) ?? byUnit.set(unitId, zero()).get(unitId)!;

  const today = await db
    .select({
      unitId: visitOrders.unitId,
      expected: sql<number>`count(*) filter (where ${s} in ('confirmed', 'arrived'))`,
      arrived: sql<number>`count(*) filter (where ${arrivedToday})`,
      onSite: sql<number>`count(*) filter (where ${arrivedToday} and ${visitOrders.leftAt} is null)`,
      left: sql<number>`count(*) filter (where ${arrivedToday} and ${visitOrders.leftAt} is not null)`,
      cancelled: sql<number>`count(*) filter (where ${s} = 'cancelled')`,
    })
    .from(visitOrders)
    .where(overlapsToday)
    .groupBy(visitOrders.unitId);
  for (const r of today) Object.assign(of(r.unitId), { expected: Number(r.expected), arrived: Number(r.arrived), onSite: Number(r.onSite), left: Number(r.left), cancelled: Number(r.cancelled) });

  // the partial index visit_orders_pending_end
  const pending = await db
    .select({ unitId: visitOrders.unitId, n: sql<number>`count(*)` })
    .from(visitOrders)
    .where(and(eq(s, 'pending'), gte(visitOrders.endAt, now), inUnit))
    .groupBy(visitOrders.unitId);
  for (const r of pending) of(r.unitId).pendingReview = Number(r.n);

  // on site and past the overstay threshold (whatever day they came): the partial index visit_orders_on_site
  const over = await db
    .select({ unitId: visitOrders.unitId, n: sql<number>`count(*)` })
    .from(visitOrders)
    .where(and(eq(s, 'arrived'), isNull(visitOrders.leftAt), lte(visitOrders.endAt, new Date(now.getTime() - ctx.config.VISIT_OVERSTAY_MINUTES * 60_000)), inUnit))
    .groupBy(visitOrders.unitId);
  for (const r of over) of(r.unitId).overstaying = Number(r.n);

  const hour = sql<number>`extract(hour from ${visitOrders.arrivedAt} at time zone ${clock.timeZone})::int`;
  const hours = await db
    .select({ h: hour, n: sql<number>`count(*)` })
    .from(visitOrders)
    .where(and(overlapsToday, arrivedToday))
    .groupBy(sql`1`); // by position: the time zone is a parameter, written twice it would be two
  const arrivalsByHour = Array.from({ length: 24 }, () => 0);
  for (const r of hours) arrivalsByHour[Number(r.h)] = Number(r.n);

  const ids = [...byUnit.keys()];
  const names = new Map(ids.length ? (await db.select({ id: units.id, name: units.name }).from(units).where(inArray(units.id, ids))).map((u) => [u.id, u.name]) : []);
  const list = ids
    .map((unitId) => ({ unitId, unitName: names.get(unitId) ?? '', ...byUnit.get(unitId)! }))
    .sort((a, b) => b.expected - a.expected || b.onSite - a.onSite || b.pendingReview - a.pendingReview || a.unitName.localeCompare(b.unitName, 'zh-CN'));
  const total = zero();
  for (const u of list) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += u[k];
  return { total: { day, ...total }, units: list, arrivalsByHour };
}

export async function todayVisits(ctx: Ctx): Promise<TodayVisits> {
  return (await todayByUnit(ctx)).total;
}

export interface DayCounts {
  /** YYYY-MM-DD, the center's calendar day */
  day: string;
  /** orders starting that day that were confirmed (or arrived) */
  expected: number;
  /** of the orders starting that day, those who came */
  arrived: number;
}

/** The last `days` days up to today, oldest first, every day present (zeros too). Counted by the day a visit starts. */
export async function lastDays(ctx: Ctx, days = 30, unitId: string | null = null): Promise<DayCounts[]> {
  const { db, clock } = ctx;
  const { day, dayEnd } = todayBounds(ctx);
  const list = [day];
  for (let i = 1; i < days; i++) list.unshift(clock.dayOf(new Date(clock.startOfDay(list[0]).getTime() - 12 * 3600_000)));
  const from = clock.startOfDay(list[0]);
  const d = sql<string>`to_char(${visitOrders.startAt} at time zone ${clock.timeZone}, 'YYYY-MM-DD')`;
  const rows = await db
    .select({
      day: d,
      expected: sql<number>`count(*) filter (where ${visitOrders.status} in ('confirmed', 'arrived'))`,
      arrived: sql<number>`count(*) filter (where ${visitOrders.arrivedAt} is not null)`,
    })
    .from(visitOrders)
    .where(and(gte(visitOrders.startAt, from), lt(visitOrders.startAt, dayEnd), unitId ? eq(visitOrders.unitId, unitId) : undefined))
    .groupBy(sql`1`);
  const by = new Map(rows.map((r) => [r.day, r]));
  return list.map((x) => ({ day: x, expected: Number(by.get(x)?.expected ?? 0), arrived: Number(by.get(x)?.arrived ?? 0) }));
}
