/**
 * 首页 reads counts the database keeps (dashboard_counts, decision 0019) instead of counting orders:
 * they must equal a count of the orders themselves after any change — orders made in every state,
 * reviewed, arriving, leaving, cancelled, moved to another day or unit, deleted; visitors registered,
 * given a photo, deleted (注销) — before and after the minute fold, and after the center's time zone
 * changes (recounted at start). The reference below is the counting 首页 did before (issue 9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, gt, gte, isNull, lt, lte, sql } from 'drizzle-orm';
import { createTestApp, type Client, type TestApp } from '../../test/harness.js';
import { createTestAppOn } from '../../test/shared-db.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { Clock } from '../../platform/clock.js';
import { dashboardCounts, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { visitFigures } from '../visits/visits.stats.js';
import { foldCounts } from '../visits/visits.counts.js';

let t: TestApp;
let admin: Client;
const NOW = '2026-12-06T06:00:00Z'; // 14:00 in Shanghai
const at = (local: string) => new Date(`${local}+08:00`);
const u: Record<'a' | 'b', { id: string; hostId: string }> = {} as never;

/** What 首页 showed by counting orders (the issue-9 queries), for one unit or all. */
async function recount(ctx: Pick<AppContext, 'db' | 'clock' | 'config'>, unitId: string | null) {
  const { db, clock } = ctx;
  const day = clock.today();
  const dayStart = clock.startOfDay(day);
  const dayEnd = clock.startOfDay(clock.dayOf(new Date(dayStart.getTime() + 36 * 3600_000)));
  const now = clock.now();
  const s = visitOrders.status;
  const inUnit = unitId ? eq(visitOrders.unitId, unitId) : undefined;
  const arrivedToday = sql`${s} = 'arrived' and ${visitOrders.arrivedAt} >= ${dayStart}`;
  const overlapsToday = and(gt(visitOrders.endAt, dayStart), lt(visitOrders.startAt, dayEnd), inUnit);
  const per = new Map<string, Record<string, number>>();
  const of = (id: string) => per.get(id) ?? per.set(id, { expected: 0, arrived: 0, onSite: 0, left: 0, overstaying: 0, cancelled: 0, pendingReview: 0 }).get(id)!;
  for (const r of await db
    .select({
      unitId: visitOrders.unitId,
      expected: sql<number>`count(*) filter (where ${s} in ('confirmed', 'arrived'))::int`,
      arrived: sql<number>`count(*) filter (where ${arrivedToday})::int`,
      onSite: sql<number>`count(*) filter (where ${arrivedToday} and ${visitOrders.leftAt} is null)::int`,
      left: sql<number>`count(*) filter (where ${arrivedToday} and ${visitOrders.leftAt} is not null)::int`,
      cancelled: sql<number>`count(*) filter (where ${s} = 'cancelled')::int`,
    })
    .from(visitOrders)
    .where(overlapsToday)
    .groupBy(visitOrders.unitId))
    Object.assign(of(r.unitId), { expected: r.expected, arrived: r.arrived, onSite: r.onSite, left: r.left, cancelled: r.cancelled });
  for (const r of await db.select({ unitId: visitOrders.unitId, n: sql<number>`count(*)::int` }).from(visitOrders).where(and(eq(s, 'pending'), gte(visitOrders.endAt, now), inUnit)).groupBy(visitOrders.unitId))
    of(r.unitId).pendingReview = r.n;
  const overBefore = new Date(now.getTime() - ctx.config.VISIT_OVERSTAY_MINUTES * 60_000);
  for (const r of await db.select({ unitId: visitOrders.unitId, n: sql<number>`count(*)::int` }).from(visitOrders).where(and(eq(s, 'arrived'), isNull(visitOrders.leftAt), lte(visitOrders.endAt, overBefore), inUnit)).groupBy(visitOrders.unitId))
    of(r.unitId).overstaying = r.n;
  const hour = sql<number>`extract(hour from ${visitOrders.arrivedAt} at time zone ${clock.timeZone})::int`;
  const hours = Array.from({ length: 24 }, () => 0);
  for (const r of await db.select({ h: hour, n: sql<number>`count(*)::int` }).from(visitOrders).where(and(overlapsToday, arrivedToday)).groupBy(sql`1`)) hours[Number(r.h)] = r.n;
  const list = [day];
  for (let i = 1; i < 30; i++) list.unshift(clock.dayOf(new Date(clock.startOfDay(list[0]).getTime() - 12 * 3600_000)));
  const d = sql<string>`to_char(${visitOrders.startAt} at time zone ${clock.timeZone}, 'YYYY-MM-DD')`;
  const days = await db
    .select({ day: d, expected: sql<number>`count(*) filter (where ${s} in ('confirmed', 'arrived'))::int`, arrived: sql<number>`count(*) filter (where ${visitOrders.arrivedAt} is not null)::int` })
    .from(visitOrders)
    .where(and(gte(visitOrders.startAt, clock.startOfDay(list[0])), lt(visitOrders.startAt, dayEnd), inUnit))
    .groupBy(sql`1`);
  const byDay = new Map(days.map((r) => [r.day, r]));
  const units = Object.fromEntries([...per].filter(([, c]) => Object.values(c).some((v) => v !== 0)));
  return { day, units, arrivalsByHour: hours, last30Days: list.map((x) => ({ day: x, expected: byDay.get(x)?.expected ?? 0, arrived: byDay.get(x)?.arrived ?? 0 })) };
}

/** The same, from the kept counts. */
async function kept(ctx: AppContext, unitId: string | null) {
  const f = await visitFigures(ctx, unitId);
  return {
    day: f.total.day,
    units: Object.fromEntries(f.units.map(({ unitId: id, unitName: _n, ...c }) => [id, c])),
    arrivalsByHour: f.arrivalsByHour,
    last30Days: f.lastDays,
  };
}

async function same(ctx: AppContext = t.ctx) {
  for (const scope of [null, u.a.id, u.b.id]) expect(await kept(ctx, scope)).toEqual(await recount(ctx, scope));
}

async function order(k: 'a' | 'b', status: string, start: string, end: string, more: Partial<typeof visitOrders.$inferInsert> = {}) {
  const [o] = await t.ctx.db
    .insert(visitOrders)
    .values({
      kind: 'appointment',
      status,
      cancelReason: status === 'cancelled' ? 'withdrawn_by_visitor' : null,
      visitorPhone: randomPhone(),
      hostId: u[k].hostId,
      unitId: u[k].id,
      reason: '商务洽谈',
      startAt: at(start),
      endAt: at(end),
      ...more,
    })
    .returning();
  return o!;
}
const set = (id: string, v: Partial<typeof visitOrders.$inferInsert>) => t.ctx.db.update(visitOrders).set(v).where(eq(visitOrders.id, id));

beforeAll(async () => {
  const clock = new Clock('Asia/Shanghai');
  clock.set(NOW);
  t = await createTestApp({ clock, env: { TZ_CENTER: 'Asia/Shanghai', VISIT_OVERSTAY_MINUTES: '30' } });
  admin = await newAdminClient(t);
  for (const k of ['a', 'b'] as const) {
    const unit = await newUnit(t, { name: `${k}单位` });
    u[k] = { id: unit.id, hostId: (await newStaff(t, { unitId: unit.id })).id };
  }
});
afterAll(() => t?.close());

describe('dashboard_counts — the counts 首页 reads equal a count of the orders', () => {
  it('after orders are made in every state, over midnight and over several days', async () => {
    await order('a', 'arrived', '2026-12-06T09:00', '2026-12-06T17:00', { arrivedAt: at('2026-12-06T09:05') });
    await order('a', 'arrived', '2026-12-06T10:00', '2026-12-06T12:00', { arrivedAt: at('2026-12-06T10:40'), leftAt: at('2026-12-06T11:30') });
    await order('a', 'confirmed', '2026-12-05T22:00', '2026-12-06T00:00'); // ends at midnight: not today
    await order('a', 'confirmed', '2026-12-07T00:00', '2026-12-07T09:00'); // starts at midnight: not today
    await order('a', 'confirmed', '2026-12-01T08:00', '2026-12-09T18:00'); // several days
    await order('a', 'pending', '2026-12-06T16:00', '2026-12-06T17:00');
    await order('a', 'pending', '2026-12-06T07:00', '2026-12-06T08:00'); // its window is over: not waiting
    await order('a', 'pending', '2026-12-20T09:00', '2026-12-20T10:00');
    await order('a', 'initiated', '2026-12-06T13:00', '2026-12-06T14:00');
    await order('b', 'arrived', '2026-12-06T11:00', '2026-12-06T13:00', { arrivedAt: at('2026-12-06T11:10') }); // overstaying
    await order('b', 'arrived', '2026-12-06T00:00', '2026-12-06T18:00', { arrivedAt: at('2026-12-06T00:30') });
    await order('b', 'arrived', '2026-12-05T23:00', '2026-12-06T02:00', { arrivedAt: at('2026-12-05T23:50') }); // came yesterday
    await order('b', 'cancelled', '2026-12-06T09:00', '2026-12-06T10:00');
    await order('b', 'arrived', '2026-11-20T09:00', '2026-11-20T10:00', { arrivedAt: at('2026-11-20T09:10'), leftAt: at('2026-11-20T09:50') });
    await order('b', 'confirmed', '2026-11-07T09:00', '2026-11-07T10:00'); // 29 days ago
    await order('b', 'confirmed', '2026-11-06T09:00', '2026-11-06T10:00'); // 30 days ago: out of range
    await same();
    expect((await kept(t.ctx, null)).units[u.a.id]).toMatchObject({ expected: 3, arrived: 2, onSite: 1, left: 1, pendingReview: 2 });
  });

  it('after reviews, arrivals, departures, cancellations, moves and deletions', async () => {
    const p = await order('a', 'pending', '2026-12-06T15:00', '2026-12-06T16:00');
    const c = await order('b', 'confirmed', '2026-12-06T08:00', '2026-12-06T20:00');
    const m = await order('a', 'confirmed', '2026-12-06T09:00', '2026-12-06T10:00');
    const gone = await order('b', 'arrived', '2026-12-06T08:00', '2026-12-06T09:00', { arrivedAt: at('2026-12-06T08:01') });
    await same();
    await set(p.id, { status: 'confirmed', decidedAt: at('2026-12-06T13:00') }); // approved
    await set(c.id, { status: 'arrived', arrivedAt: at('2026-12-06T13:30') }); // came
    await same();
    await set(c.id, { leftAt: at('2026-12-06T13:55') }); // left
    await set(p.id, { status: 'cancelled', cancelReason: 'withdrawn_by_host' });
    await set(m.id, { startAt: at('2026-12-03T09:00'), endAt: at('2026-12-03T10:00') }); // moved to another day
    await same();
    await set(m.id, { unitId: u.b.id }); // to another unit
    await t.ctx.db.delete(visitOrders).where(eq(visitOrders.id, gone.id));
    await t.ctx.db.update(visitOrders).set({ status: 'cancelled', cancelReason: 'expired' }).where(and(eq(visitOrders.status, 'pending'), lt(visitOrders.endAt, t.ctx.clock.now())));
    await same();
  });

  it('after the minute fold: one row per key, the same counts', async () => {
    const before = await kept(t.ctx, null);
    expect(await foldCounts(t.ctx)).toBeGreaterThan(0);
    const [r] = await t.ctx.db.select({ unfolded: sql<number>`count(*) filter (where not ${dashboardCounts.folded})::int`, all: sql<number>`count(*)::int` }).from(dashboardCounts);
    expect(r!.unfolded).toBe(0);
    expect(await kept(t.ctx, null)).toEqual(before);
    await same();
    await order('a', 'arrived', '2026-12-06T12:00', '2026-12-06T13:00', { arrivedAt: at('2026-12-06T12:02') }); // appended after a fold
    await foldCounts(t.ctx);
    await same();
  });

  it('counts visitors (not deleted) and the faces held, as 首页 shows them', async () => {
    const v1 = await newVisitor(t);
    await newVisitor(t);
    await t.ctx.db.update(visitors).set({ photoKey: 'faces/x' }).where(eq(visitors.id, v1.id));
    const v3 = await newVisitor(t);
    await t.ctx.db.update(visitors).set({ deletedAt: t.ctx.clock.now(), phone: `deleted:${v3.id}` }).where(eq(visitors.id, v3.id));
    const counted = async () => {
      const [c] = await t.ctx.db
        .select({ visitors: sql<number>`count(*) filter (where ${visitors.deletedAt} is null)::int`, faces: sql<number>`count(${visitors.photoKey})::int` })
        .from(visitors);
      return c!;
    };
    const d = (await admin.get('/api/admin/dashboard')).json();
    expect({ visitors: d.visitors, faces: d.faces.visitors }).toEqual(await counted());
    await t.ctx.db.update(visitors).set({ photoKey: null }).where(eq(visitors.id, v1.id)); // consent withdrawn
    await foldCounts(t.ctx);
    const again = (await admin.get('/api/admin/dashboard')).json();
    expect({ visitors: again.visitors, faces: again.faces.visitors }).toEqual(await counted());
  });

  it('recounts in the new zone when TZ_CENTER changes (at start), and keeps counting in it', async () => {
    const other = await createTestAppOn(t.ctx.database, { TZ_CENTER: 'America/New_York', VISIT_OVERSTAY_MINUTES: '30' });
    try {
      other.ctx.clock.set(NOW); // 01:00 in New York: the day is 2026-12-06 there too, its hours differ
      await same(other.ctx);
      await order('b', 'arrived', '2026-12-06T13:00', '2026-12-06T15:00', { arrivedAt: at('2026-12-06T13:10') });
      await same(other.ctx);
    } finally {
      await other.close();
    }
  });
});
