/**
 * 首页 (A9): today at a glance per unit and in total (expected, arrived, on site, left, overstaying,
 * reviews waiting), arrivals by hour, the last 30 days, the organisation in numbers, the faces the
 * center holds against the filing threshold (X5) and failed jobs. Administrators only. The visit
 * figures are the visits module's (visits.stats.ts, two statements); this service puts the page
 * together with one more. None counts orders, visitors or jobs row by row: the counts the database
 * keeps (dashboard_counts), the staff (a unit's few thousand at most) and the failed and dead jobs
 * (the partial index jobs_failed_dead).
 */
import { sql } from 'drizzle-orm';
import { dashboardCounts, jobs, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { visitFigures } from '../visits/visits.stats.js';

/** PIPL / 2025 face-recognition measures: holding faces of 100,000 people starts a filing duty. */
export const FACE_FILING_THRESHOLD = 100_000;

/** The statement of everything but the visits (exported for the EXPLAIN test). */
export function organisationQuery(unitId: string | null) {
  const c = dashboardCounts;
  const kept = (metric: string) => sql`(select coalesce(sum(${c.n}), 0)::int from ${c} where ${c.metric} = ${metric} and ${c.day} is null)`;
  const active = sql`${staff.deletedAt} is null and ${staff.active}${unitId ? sql` and ${staff.unitId} = ${unitId}` : sql``}`;
  return sql`select
    ${unitId ? sql`1` : sql`(select count(*)::int from ${units})`} as units,
    (select count(*)::int from ${staff} where ${active}) as staff,
    (select count(*)::int from ${staff} where ${active} and ${staff.visitPermission}) as hosts,
    (select count(*)::int from ${staff} where ${staff.deletedAt} is null and ${staff.photoKey} is not null) as staff_faces,
    ${kept('visitors')} as visitors,
    ${kept('visitor_faces')} as visitor_faces,
    (select count(*)::int from ${jobs} where ${jobs.status} = 'failed') as jobs_failed,
    (select count(*)::int from ${jobs} where ${jobs.status} = 'dead') as jobs_dead`;
}

type OrgRow = { units: number; staff: number; hosts: number; staff_faces: number; visitors: number; visitor_faces: number; jobs_failed: number; jobs_dead: number };

export class DashboardService {
  constructor(private readonly ctx: AppContext) {}

  /** `unitId`: a 单位管理员 sees their unit's visits and staff only (the visitors, faces and jobs are the center's). */
  async overview(unitId: string | null) {
    // the visit figures (two statements) and the organisation (one) at once: three connections for
    // a moment, the page's wait the slowest of them rather than their sum
    const [figures, org] = await Promise.all([visitFigures(this.ctx, unitId, 30), this.ctx.db.execute(organisationQuery(unitId))]);
    const [o] = (org as unknown as { rows: OrgRow[] }).rows;
    const n = (k: keyof OrgRow) => Number(o?.[k] ?? 0);
    return {
      today: figures.total,
      perUnit: figures.units,
      arrivalsByHour: figures.arrivalsByHour,
      last30Days: figures.lastDays,
      units: n('units'),
      staff: n('staff'),
      staffWithVisitPermission: n('hosts'),
      // a deleted account (注销) is a tombstone kept for its anonymous orders, not a visitor
      visitors: n('visitors'),
      faces: { visitors: n('visitor_faces'), staff: n('staff_faces'), total: n('visitor_faces') + n('staff_faces'), filingThreshold: FACE_FILING_THRESHOLD },
      // failed and dead jobs only (the partial index jobs_failed_dead): the jobs table is never scanned
      jobs: { failed: n('jobs_failed'), dead: n('jobs_dead') },
    };
  }
}
