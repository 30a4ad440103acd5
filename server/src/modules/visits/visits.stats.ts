/**
 * Visits in numbers, for the admin 首页 (A9): per unit and in total — people expected today (an
 * order confirmed or arrived whose window overlaps the center's today), those who arrived today,
 * are still on site, have left, overstay, the cancelled and the reviews waiting now; arrivals by
 * the hour of the center's clock; the last days' orders and arrivals.
 *
 * Read in two statements, never by counting orders: the counts the database keeps as orders change
 * (dashboard_counts, schema/dashboard.ts, decision 0019 — a few rows per unit and day), plus the two
 * figures that depend on the minute, each over a partial index of the few orders concerned: who
 * overstays (visit_orders_on_site) and the pending orders whose window is already over and the
 * minute's expiry sweep has not cancelled yet (visit_orders_pending_end), left out of the reviews
 * waiting — for one unit, the same two by unit (visit_orders_on_site_unit, _pending_end_unit). The
 * kept counts are summed in the database to what the page shows — per metric and unit, and arrivals
 * per hour — not sent as every (unit, hour) row (~1,000 at P4: 8 ms against 3.4 ms). The last days
 * are read where reports read (AppContext.reports, decision 0016); today on the primary.
 */
import { sql, type SQL } from 'drizzle-orm';
import { dashboardCounts, units, visitOrders } from '../../db/schema/index.js';
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

export interface DayCounts {
  /** YYYY-MM-DD, the center's calendar day */
  day: string;
  /** orders starting that day that were confirmed (or arrived) */
  expected: number;
  /** of the orders starting that day, those who came */
  arrived: number;
}

export interface VisitFigures {
  total: TodayVisits;
  /** the units with anything to count today, the busiest first; they sum to `total` */
  units: UnitCounts[];
  /** arrivals today per hour of the center's clock, 0–23 */
  arrivalsByHour: number[];
  /** the last `days` days up to today, oldest first, every day present (zeros too); by the day a visit starts */
  lastDays: DayCounts[];
}

const zero = (): Counts => ({ expected: 0, arrived: 0, onSite: 0, left: 0, overstaying: 0, cancelled: 0, pendingReview: 0 });

/** today's kept counts, per metric and unit (a unit for every metric kept today) */
type CountRow = { metric: string; unit_id: string; n: number };
/** the last days, per metric and the day a visit starts */
type DayRow = { metric: string; day: string; n: number };
type UnitRow = { unit_id: string; n: number };
type HourRow = { hour: number; n: number };
type Today = { counts: CountRow[] | string | null; hours: HourRow[] | string | null; overstaying: UnitRow[] | string | null; over_pending: UnitRow[] | string | null; units: Array<{ id: string; name: string }> | string | null };
type Ctx = Pick<AppContext, 'db' | 'reports' | 'clock' | 'config'>;

/**
 * The two statements (exported for the EXPLAIN test). `today` on the primary: one row of five JSON
 * lists, each a sub-select of its own — not a UNION, which the planner may hand to parallel workers
 * for the orders' inflated estimates (a few hundred rows really), costing more than it saves.
 * `history` (the days by their start) where reports read (decision 0016). `unitId`: one unit only
 * (a 单位管理员's dashboard).
 */
export function figuresQuery(ctx: Pick<AppContext, 'clock' | 'config'>, unitId: string | null, days = 30) {
  const { clock } = ctx;
  const day = clock.today();
  let from = day;
  for (let i = 1; i < days; i++) from = clock.dayOf(new Date(clock.startOfDay(from).getTime() - 12 * 3600_000));
  const now = clock.now();
  const overBefore = new Date(now.getTime() - ctx.config.VISIT_OVERSTAY_MINUTES * 60_000);
  const c = dashboardCounts;
  const o = visitOrders;
  const inUnit = (col: typeof c.unitId | typeof o.unitId) => (unitId ? sql` and ${col} = ${unitId}` : sql``);
  const list = (q: SQL) => sql`(select coalesce(json_agg(x), '[]') from (${q}) x)`;
  const today = sql`select
    ${list(sql`select ${c.metric} as metric, ${c.unitId} as unit_id, sum(${c.n})::int as n
      from ${c}
      where ((${c.metric} in ('expected', 'cancelled', 'arrived', 'left') and ${c.day} = ${day}::date) or (${c.metric} = 'pending' and ${c.day} is null))${inUnit(c.unitId)}
      group by 1, 2 having sum(${c.n}) <> 0`)} as counts,
    ${list(sql`select ${c.hour} as hour, sum(${c.n})::int as n
      from ${c}
      where ${c.metric} = 'arrived' and ${c.day} = ${day}::date${inUnit(c.unitId)}
      group by 1 having sum(${c.n}) <> 0`)} as hours,
    ${list(sql`select ${o.unitId} as unit_id, count(*)::int as n from ${o}
      where ${o.status} = 'arrived' and ${o.leftAt} is null and ${o.endAt} <= ${overBefore.toISOString()}::timestamptz${inUnit(o.unitId)}
      group by 1`)} as overstaying,
    ${list(sql`select ${o.unitId} as unit_id, count(*)::int as n from ${o}
      where ${o.status} = 'pending' and ${o.endAt} < ${now.toISOString()}::timestamptz${inUnit(o.unitId)}
      group by 1`)} as over_pending,
    ${list(sql`select ${units.id} as id, ${units.name} as name from ${units}${unitId ? sql` where ${units.id} = ${unitId}` : sql``}`)} as units`;
  const history = sql`select ${c.metric} as metric, ${c.day}::text as day, sum(${c.n})::int as n from ${c}
    where ${c.metric} in ('start_expected', 'start_arrived') and ${c.day} >= ${from}::date and ${c.day} <= ${day}::date${inUnit(c.unitId)}
    group by 1, 2 having sum(${c.n}) <> 0`;
  return { today, history, day, from };
}

/** Today per unit (units with anything to count), the total, arrivals per hour, and the last `days` days. */
export async function visitFigures(ctx: Ctx, unitId: string | null = null, days = 30): Promise<VisitFigures> {
  const { clock } = ctx;
  const q = figuresQuery(ctx, unitId, days);
  const today = q.day;
  const from = q.from;
  const [t, h] = await Promise.all([ctx.db.execute(q.today), ctx.reports.execute(q.history)]);
  const [f] = (t as unknown as { rows: Today[] }).rows;
  const history = (h as unknown as { rows: DayRow[] }).rows;
  const json = <T>(v: T[] | string | null | undefined): T[] => (typeof v === 'string' ? (JSON.parse(v) as T[]) : (v ?? []));

  const byUnit = new Map<string, Counts>();
  const of = (id: string) => byUnit.get(id) ?? byUnit.set(id, zero()).get(id)!;
  const names = new Map(json(f?.units).map((u) => [u.id, u.name]));
  const arrivalsByHour = Array.from({ length: 24 }, () => 0);
  const startDays = new Map<string, DayCounts>();
  const pending = new Map<string, number>();
  const overPending = new Map(json(f?.over_pending).map((r) => [r.unit_id, Number(r.n)]));
  for (const r of json(f?.overstaying)) of(r.unit_id).overstaying = Number(r.n);
  for (const r of history) {
    const d = startDays.get(r.day) ?? startDays.set(r.day, { day: r.day, expected: 0, arrived: 0 }).get(r.day)!;
    d[r.metric === 'start_expected' ? 'expected' : 'arrived'] += Number(r.n);
  }
  for (const r of json(f?.counts)) {
    const n = Number(r.n);
    if (r.metric === 'pending') pending.set(r.unit_id, n);
    else if (r.metric === 'expected') of(r.unit_id).expected += n;
    else if (r.metric === 'cancelled') of(r.unit_id).cancelled += n;
    else if (r.metric === 'left') of(r.unit_id).left += n;
    else if (r.metric === 'arrived') of(r.unit_id).arrived += n;
  }
  for (const r of json(f?.hours)) arrivalsByHour[Number(r.hour)]! += Number(r.n);
  for (const [id, n] of pending) if (n - (overPending.get(id) ?? 0) > 0) of(id).pendingReview = n - (overPending.get(id) ?? 0);
  for (const u of byUnit.values()) u.onSite = u.arrived - u.left;

  const list = [...byUnit.entries()]
    .filter(([, u]) => Object.values(u).some((v) => v !== 0))
    .map(([id, u]) => ({ unitId: id, unitName: names.get(id) ?? '', ...u }))
    .sort((a, b) => b.expected - a.expected || b.onSite - a.onSite || b.pendingReview - a.pendingReview || a.unitName.localeCompare(b.unitName, 'zh-CN'));
  const total = zero();
  for (const u of list) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += u[k];

  const lastDays: DayCounts[] = [];
  for (let d = from; ; d = clock.dayOf(new Date(clock.startOfDay(d).getTime() + 36 * 3600_000))) {
    lastDays.push(startDays.get(d) ?? { day: d, expected: 0, arrived: 0 });
    if (d === today) break;
  }
  return { total: { day: today, ...total }, units: list, arrivalsByHour, lastDays };
}
