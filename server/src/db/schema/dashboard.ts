import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';

/**
 * The figures of 首页 (A9), kept by the database as orders and visitors change, so that the page
 * reads a few hundred small rows instead of counting orders (decision 0019). Triggers on
 * visit_orders and visitors (migration 0024, functions visit_count_rows / visitor_count_rows) append
 * one row per change of a count (+1 / −1, `folded` false); every fifth minute the sweep visits.on_site
 * (visits.counts.ts) sums them into one `folded` row per key and drops days the page no longer
 * shows. Readers sum `n` over every row of a key, folded or not — so a count is exact whether or not
 * the fold has run.
 *
 * Metrics (days are the center's calendar days, TZ_CENTER, kept in settings.center_time_zone):
 * - per day the window overlaps: `expected` (confirmed or arrived), `cancelled`;
 * - per day (and hour, 0–23) of the arrival, when the window overlaps that day: `arrived` (status
 *   arrived), `left` (of those, seen leaving);
 * - per day the window starts: `start_expected` (confirmed or arrived), `start_arrived` (came);
 * - no day: `pending` (per unit), `visitors` (not deleted), `visitor_faces` (a photo held).
 */
export const dashboardCounts = pgTable(
  'dashboard_counts',
  {
    metric: text('metric').notNull(),
    day: date('day', { mode: 'string' }),
    hour: smallint('hour'),
    unitId: uuid('unit_id'),
    n: integer('n').notNull(),
    folded: boolean('folded').notNull().default(false),
  },
  (t) => [index('dashboard_counts_metric_day').on(t.metric, t.day), index('dashboard_counts_unfolded').on(t.metric).where(sql`not ${t.folded}`)],
);
