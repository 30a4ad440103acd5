/**
 * Upkeep of dashboard_counts (schema/dashboard.ts, decision 0019), the counts 首页 reads:
 * - at start, the center's time zone the database counts days in (settings.center_time_zone) is
 *   made TZ_CENTER; when it changes, everything is recounted in that zone, in one transaction;
 * - every fifth minute (the visits.on_site sweep, visits.jobs.ts) the rows the triggers appended are
 *   summed into one row per key and the days 首页 no longer shows are dropped, so a read stays a few
 *   hundred rows (plus five minutes of changes: a few hundred more at the morning rush). Reading does
 *   not depend on it: a count is the sum of its rows, folded or not.
 */
import { eq, sql } from 'drizzle-orm';
import { settings } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';

const ZONE_KEY = 'center_time_zone';
/** how often the sweep folds: each fold is a few statements, and on embedded PGlite not free */
export const FOLD_EVERY_MINUTES = 5;
/** days kept: the 30 that 首页 shows and a margin */
const KEEP_DAYS = 35;

const keepFrom = (ctx: AppContext) => ctx.clock.dayOf(new Date(ctx.clock.now().getTime() - KEEP_DAYS * 24 * 3600_000));

/** Makes the database count in TZ_CENTER; recounts when the zone changed. True when it recounted. */
export async function ensureCountsZone(ctx: AppContext): Promise<boolean> {
  const [row] = await ctx.db.select({ value: settings.value }).from(settings).where(eq(settings.key, ZONE_KEY));
  if (row?.value === ctx.config.TZ_CENTER) return false;
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('dashboard_counts_zone'))`);
    const [again] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, ZONE_KEY));
    // until a zone is written the database counts in the default one (dashboard_time_zone())
    const before = (again?.value as string | undefined) ?? 'Asia/Shanghai';
    const now = ctx.clock.now();
    await tx
      .insert(settings)
      .values({ key: ZONE_KEY, value: ctx.config.TZ_CENTER, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: ctx.config.TZ_CENTER, updatedAt: now } });
    if (before === ctx.config.TZ_CENTER) return false;
    await tx.execute(sql`select dashboard_counts_rebuild(${new Date(now.getTime() - (KEEP_DAYS + 5) * 24 * 3600_000).toISOString()}::timestamptz)`);
    ctx.log.info({ from: before, to: ctx.config.TZ_CENTER }, 'dashboard counts recounted in the center’s time zone');
    return true;
  });
}

/** Sums the appended rows into one per key and drops the days no longer shown; returns the keys written. */
export async function foldCounts(ctx: AppContext): Promise<number> {
  const res = await ctx.db.execute(sql`select dashboard_counts_fold(${keepFrom(ctx)}::date) as n`);
  return Number((res as unknown as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0);
}
