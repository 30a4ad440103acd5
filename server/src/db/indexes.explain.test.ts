/**
 * The hot queries of 审批中心 and 首页 can use their indexes (issue 13). Each statement is explained
 * as the services send it, with sequential scans priced out (enable_seqscan off — on a test's empty
 * tables the planner would rightly scan them): the plan must name each branch's index, and never
 * scan visit_orders, visitors, jobs, meeting_bookings or personnel_requests. Written with a text the
 * partial index's predicate does not follow, a branch falls back to a scan and this fails. No timing
 * here: bench/approvals.bench.ts measures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { or, sql, type SQL } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../test/harness.js';
import { newStaff, newUnit } from '../test/factories.js';
import { visitOrders } from './schema/index.js';
import { badgeCounts, reviewBranches } from '../modules/visits/reviews.service.js';
import { bookingBadges } from '../modules/meetings/bookings.service.js';
import { badgeQuery } from '../modules/personnel/personnel.repository.js';
import { figuresQuery } from '../modules/visits/visits.stats.js';
import { organisationQuery } from '../modules/dashboard/dashboard.service.js';

let t: TestApp;
let staffId: string;
let unitId: string;

async function plan(query: SQL): Promise<string> {
  return t.ctx.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const res = (await tx.execute(sql`explain ${query}`)) as unknown as { rows: Array<Record<string, string>> };
    return res.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
const scans = /Seq Scan on (visit_orders|visitors|jobs|meeting_bookings|personnel_requests)\b/;

beforeAll(async () => {
  t = await createTestApp();
  unitId = (await newUnit(t)).id;
  staffId = (await newStaff(t, { unitId, roles: ['staff', 'approver'] })).id;
  // a few thousand rows and their statistics, so that the planner weighs one index against another
  await t.ctx.db.execute(sql`insert into staff (id, unit_id, name, phone, visit_permission)
    select gen_random_uuid(), ${unitId}, '员工' || g, '139' || lpad(g::text, 8, '0'), true from generate_series(1, 100) g`);
  await t.ctx.db.execute(sql`insert into visit_orders (id, kind, status, cancel_reason, visitor_phone, host_id, unit_id, reason, start_at, end_at, chain_step, chain_staff_id, plate, vehicle_status)
    select gen_random_uuid(), 'appointment', (array['arrived', 'arrived', 'arrived', 'confirmed', 'cancelled', 'pending'])[1 + g % 6], case when g % 6 = 4 then 'expired' end,
           '150' || lpad(g::text, 8, '0'), s.id, ${unitId}, '商务洽谈', now() + (150 - g % 300) * interval '1 day', now() + (150 - g % 300) * interval '1 day' + interval '1 hour',
           case when g % 6 = 5 and g % 4 = 1 then 1 else 0 end, case when g % 6 = 5 and g % 4 = 1 then s.id end,
           case when g % 7 = 0 then '浙C' || g end, case when g % 7 = 0 then (array['approved', 'pending'])[1 + g % 2] end
    from generate_series(1, 6000) g join (select id, row_number() over () as n from staff) s on s.n = 1 + g % 100`);
  await t.ctx.db.execute(sql`insert into jobs (id, type, key, status, finished_at) select gen_random_uuid(), 'sms.send', 'explain-' || g, 'done', now() from generate_series(1, 3000) g`);
  await t.ctx.db.execute(sql`analyze`);
});
afterAll(() => t?.close());

describe('审批中心 badges', () => {
  it('visits (host, person node, role node), meeting attendees and plates: one index each', async () => {
    const p = await plan(badgeCounts(t.ctx.db, staffId).getSQL());
    for (const index of ['visit_orders_review_host', 'visit_orders_review_node', 'visit_orders_review_role', 'visit_orders_vehicle_pending']) expect(p).toContain(index);
    expect(p).toMatch(/visit_orders_meeting_pending|meeting_bookings_applicant|meeting_bookings_co_bookers/);
    expect(p).not.toMatch(scans);
  });

  it('待处理 lists by the same three indexes', async () => {
    const { host, node, role } = reviewBranches(staffId, ['approver'], unitId);
    const p = await plan(t.ctx.db.select({ n: sql`count(*)` }).from(visitOrders).where(or(host, node, role)).getSQL());
    for (const index of ['visit_orders_review_host', 'visit_orders_review_node', 'visit_orders_review_role']) expect(p).toContain(index);
    expect(p).not.toMatch(scans);
  });

  it('人员审核 by unit and status', async () => {
    const p = await plan(badgeQuery(staffId));
    expect(p).toContain('personnel_requests_unit_status');
    expect(p).not.toMatch(scans);
  });

  it('会议室审核 and 会议承接确认 by room, not yet over', async () => {
    const p = await plan(bookingBadges(t.ctx.db, staffId, t.ctx.clock.now()).getSQL());
    expect(p).toContain('meeting_bookings_review');
    expect(p).toContain('meeting_bookings_undertake');
    expect(p).not.toMatch(scans);
  });
});

describe('首页', () => {
  it('the visit figures: the kept counts, who overstays and the pending whose window is over; the last 30 days', async () => {
    for (const scope of [null, unitId]) {
      const q = figuresQuery(t.ctx, scope);
      const today = await plan(q.today);
      for (const index of ['dashboard_counts_metric_day', 'visit_orders_on_site', 'visit_orders_pending_end']) expect(today).toContain(index);
      expect(today).not.toMatch(scans);
      const history = await plan(q.history);
      expect(history).toContain('dashboard_counts_metric_day');
      expect(history).not.toMatch(/Seq Scan/);
    }
  });

  it("a 单位管理员's figures read the unit's few on-site orders, not every order the unit ever had", async () => {
    // ten units with a history of visits that ended (arrived and left), one in 500 still on site —
    // the shape of a real center, where the planner without visit_orders_on_site_unit ANDs the
    // on-site index with visit_orders_unit_start (44,000 orders of one unit read at P4, 5 ms)
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await newUnit(t)).id);
    const host = await newStaff(t, { unitId: ids[0] });
    const unitOf = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
    await t.ctx.db.execute(sql`insert into visit_orders (id, kind, status, visitor_phone, host_id, unit_id, reason, start_at, end_at, arrived_at, left_at)
      select gen_random_uuid(), 'appointment', 'arrived', '151' || lpad(g::text, 8, '0'), ${host.id}, (array[${unitOf}])[1 + g % 10], '商务洽谈',
             now() - (g % 300) * interval '1 day' - interval '2 hour', now() - (g % 300) * interval '1 day' - interval '1 hour',
             now() - (g % 300) * interval '1 day' - interval '2 hour', case when g % 500 <> 0 then now() - (g % 300) * interval '1 day' - interval '1 hour' end
      from generate_series(1, 10000) g`);
    await t.ctx.db.execute(sql`analyze visit_orders`);
    const today = await plan(figuresQuery(t.ctx, ids[3]!).today);
    expect(today).toContain('visit_orders_on_site_unit');
    expect(today).toContain('visit_orders_pending_end_unit');
    expect(today).not.toContain('visit_orders_unit_start');
    expect(today).not.toMatch(scans);
  });

  it('the organisation, visitors, faces and failed jobs: no scan of visitors or jobs', async () => {
    const p = await plan(organisationQuery(null));
    expect(p).toContain('jobs_failed_dead');
    expect(p).toContain('dashboard_counts_metric_day');
    expect(p).not.toMatch(scans);
  });
});
