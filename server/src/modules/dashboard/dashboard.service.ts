/**
 * 首页 (A9): today at a glance per unit and in total (expected, arrived, on site, left, overstaying,
 * reviews waiting), arrivals by hour, the last 30 days, the organisation in numbers, the faces the
 * center holds against the filing threshold (X5) and failed jobs. Administrators only. The numbers
 * are the visits module's (visits.stats.ts); this service puts the page together.
 */
import { and, count, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { jobs, staff, units, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { lastDays, todayByUnit } from '../visits/visits.stats.js';

/** PIPL / 2025 face-recognition measures: holding faces of 100,000 people starts a filing duty. */
export const FACE_FILING_THRESHOLD = 100_000;

export class DashboardService {
  constructor(private readonly ctx: AppContext) {}

  /** `unitId`: a 单位管理员 sees their unit's visits and staff only (the faces and jobs are the center's). */
  async overview(unitId: string | null) {
    const { db } = this.ctx;
    const one = async (q: Promise<Array<{ n: number }>>) => Number((await q)[0]?.n ?? 0);
    const activeStaff = and(isNull(staff.deletedAt), eq(staff.active, true), unitId ? eq(staff.unitId, unitId) : undefined);
    const unitsCount = unitId ? 1 : await one(db.select({ n: count() }).from(units));
    const staffCount = await one(db.select({ n: count() }).from(staff).where(activeStaff));
    const hosts = await one(db.select({ n: count() }).from(staff).where(and(activeStaff, eq(staff.visitPermission, true))));
    // a deleted account (注销) is a tombstone kept for its anonymous orders, not a visitor
    const visitorsCount = await one(db.select({ n: count() }).from(visitors).where(isNull(visitors.deletedAt)));
    const visitorFaces = await one(db.select({ n: count() }).from(visitors).where(isNotNull(visitors.photoKey)));
    const staffFaces = await one(db.select({ n: count() }).from(staff).where(and(isNull(staff.deletedAt), isNotNull(staff.photoKey))));
    // failed and dead jobs only (the partial index jobs_failed): the jobs table is never scanned
    const jobCounts = await db.select({ status: jobs.status, n: count() }).from(jobs).where(inArray(jobs.status, ['failed', 'dead'])).groupBy(jobs.status);
    const jobsBy = (s: string) => Number(jobCounts.find((j) => j.status === s)?.n ?? 0);
    const today = await todayByUnit(this.ctx, unitId);
    return {
      today: today.total,
      perUnit: today.units,
      arrivalsByHour: today.arrivalsByHour,
      // history: from the reports database (the replica, when there is one); today stays on the primary
      last30Days: await lastDays({ db: this.ctx.reports, clock: this.ctx.clock, config: this.ctx.config }, 30, unitId),
      units: unitsCount,
      staff: staffCount,
      staffWithVisitPermission: hosts,
      visitors: visitorsCount,
      faces: { visitors: visitorFaces, staff: staffFaces, total: visitorFaces + staffFaces, filingThreshold: FACE_FILING_THRESHOLD },
      jobs: { failed: jobsBy('failed'), dead: jobsBy('dead') },
    };
  }
}
