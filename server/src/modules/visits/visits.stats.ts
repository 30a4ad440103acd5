/**
 * Today's visits in numbers, for the admin 首页: people expected today (an order confirmed or
 * arrived whose window overlaps the center's today), those who arrived today, those cancelled, and
 * the reviews waiting now. One indexed read each: visit_orders_end (end_at) bounds the orders of
 * today and later, visit_orders_pending_end the open reviews.
 */
import { and, count, eq, gt, gte, isNull, lt, lte, sql } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';
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
  /** on site VISIT_OVERSTAY_MINUTES or more past their window's end (在场访客 lists them first) */
  overstaying: number;
  /** cancelled (rejected, withdrawn, expired…) with a window overlapping today */
  cancelled: number;
  /** waiting for a host or approver now (pending, window not over) */
  pendingReview: number;
}

export async function todayVisits(ctx: Pick<AppContext, 'db' | 'clock' | 'config'>): Promise<TodayVisits> {
  const { db, clock } = ctx;
  const day = clock.today();
  const dayStart = clock.startOfDay(day);
  const dayEnd = clock.startOfDay(clock.dayOf(new Date(dayStart.getTime() + 36 * 3600_000)));
  const now = clock.now();
  const s = visitOrders.status;
  const [row] = await db
    .select({
      expected: sql<number>`count(*) filter (where ${s} in ('confirmed', 'arrived'))`,
      arrived: sql<number>`count(*) filter (where ${s} = 'arrived' and ${visitOrders.arrivedAt} >= ${dayStart})`,
      onSite: sql<number>`count(*) filter (where ${s} = 'arrived' and ${visitOrders.arrivedAt} >= ${dayStart} and ${visitOrders.leftAt} is null)`,
      cancelled: sql<number>`count(*) filter (where ${s} = 'cancelled')`,
    })
    .from(visitOrders)
    .where(and(gt(visitOrders.endAt, dayStart), lt(visitOrders.startAt, dayEnd)));
  const [pending] = await db
    .select({ n: count() })
    .from(visitOrders)
    .where(and(eq(s, 'pending'), gte(visitOrders.endAt, now)));
  // on site and past the overstay threshold: the partial index visit_orders_on_site
  const [over] = await db
    .select({ n: count() })
    .from(visitOrders)
    .where(and(eq(s, 'arrived'), isNull(visitOrders.leftAt), lte(visitOrders.endAt, new Date(now.getTime() - ctx.config.VISIT_OVERSTAY_MINUTES * 60_000))));
  return {
    day,
    expected: Number(row?.expected ?? 0),
    arrived: Number(row?.arrived ?? 0),
    onSite: Number(row?.onSite ?? 0),
    overstaying: Number(over?.n ?? 0),
    cancelled: Number(row?.cancelled ?? 0),
    pendingReview: Number(pending?.n ?? 0),
  };
}
