/**
 * 首页 (A9) per unit and over time: each unit's expected, arrived, on site, left, overstaying and
 * reviews waiting today (summing to the total), arrivals by the center's hour, and the last 30 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { Clock } from '../../platform/clock.js';
import { visitOrders } from '../../db/schema/index.js';

let t: TestApp;
let admin: Client;
const NOW = '2026-12-06T06:00:00Z'; // 14:00 in Shanghai
const at = (local: string) => new Date(`${local}+08:00`);
const units: Record<'a' | 'b' | 'quiet', { id: string; name: string; hostId: string }> = {} as never;

async function order(u: 'a' | 'b', status: string, start: string, end: string, more: Partial<typeof visitOrders.$inferInsert> = {}) {
  await t.ctx.db.insert(visitOrders).values({
    kind: 'appointment',
    status,
    cancelReason: status === 'cancelled' ? 'withdrawn_by_visitor' : null,
    visitorPhone: randomPhone(),
    hostId: units[u].hostId,
    unitId: units[u].id,
    reason: '商务洽谈',
    startAt: at(start),
    endAt: at(end),
    ...more,
  });
}

beforeAll(async () => {
  const clock = new Clock('Asia/Shanghai');
  clock.set(NOW);
  t = await createTestApp({ clock, env: { TZ_CENTER: 'Asia/Shanghai', VISIT_OVERSTAY_MINUTES: '30' } });
  admin = await newAdminClient(t);
  for (const k of ['a', 'b', 'quiet'] as const) {
    const unit = await newUnit(t, { name: `${k}单位` });
    units[k] = { id: unit.id, name: unit.name, hostId: (await newStaff(t, { unitId: unit.id })).id };
  }
  // unit a: two arrived (one left), one still expected, one waiting for review
  await order('a', 'arrived', '2026-12-06T09:00', '2026-12-06T17:00', { arrivedAt: at('2026-12-06T09:05') });
  await order('a', 'arrived', '2026-12-06T10:00', '2026-12-06T12:00', { arrivedAt: at('2026-12-06T10:40'), leftAt: at('2026-12-06T11:30') });
  await order('a', 'confirmed', '2026-12-06T15:00', '2026-12-06T16:00');
  await order('a', 'pending', '2026-12-06T16:00', '2026-12-06T17:00');
  // unit b: one overstaying (window ended 13:00, 60 minutes ago), one arrived at 00:30 (the center's night, 16:30 UTC the day before)
  await order('b', 'arrived', '2026-12-06T11:00', '2026-12-06T13:00', { arrivedAt: at('2026-12-06T11:10') });
  await order('b', 'arrived', '2026-12-06T00:00', '2026-12-06T18:00', { arrivedAt: at('2026-12-06T00:30') });
  await order('b', 'cancelled', '2026-12-06T09:00', '2026-12-06T10:00');
  // the last 30 days: yesterday (came), 29 days ago (did not come), 30 days ago (out of range), tomorrow (not yet)
  await order('a', 'arrived', '2026-12-05T09:00', '2026-12-05T10:00', { arrivedAt: at('2026-12-05T09:10'), leftAt: at('2026-12-05T09:50') });
  await order('b', 'confirmed', '2026-11-07T09:00', '2026-11-07T10:00');
  await order('b', 'confirmed', '2026-11-06T09:00', '2026-11-06T10:00');
  await order('b', 'confirmed', '2026-12-07T09:00', '2026-12-07T10:00');
});
afterAll(() => t?.close());

describe('GET /api/admin/dashboard — per unit, by hour, 30 days', () => {
  it('counts each unit apart, and the units sum to the total', async () => {
    const d = (await admin.get('/api/admin/dashboard')).json();
    const a = d.perUnit.find((u: { unitId: string }) => u.unitId === units.a.id);
    const b = d.perUnit.find((u: { unitId: string }) => u.unitId === units.b.id);
    expect(a).toEqual({ unitId: units.a.id, unitName: 'a单位', expected: 3, arrived: 2, onSite: 1, left: 1, overstaying: 0, cancelled: 0, pendingReview: 1 });
    expect(b).toEqual({ unitId: units.b.id, unitName: 'b单位', expected: 2, arrived: 2, onSite: 2, left: 0, overstaying: 1, cancelled: 1, pendingReview: 0 });
    // a unit with nothing today is not listed
    expect(d.perUnit.map((u: { unitId: string }) => u.unitId)).not.toContain(units.quiet.id);
    expect(d.perUnit.map((u: { unitName: string }) => u.unitName)).toEqual(['a单位', 'b单位']); // the busiest first
    expect(d.today).toEqual({ day: '2026-12-06', expected: 5, arrived: 4, onSite: 3, left: 1, overstaying: 1, cancelled: 1, pendingReview: 1 });
  });

  it("puts arrivals in the hour of the center's clock", async () => {
    const hours = (await admin.get('/api/admin/dashboard')).json().arrivalsByHour as number[];
    const expected = Array(24).fill(0);
    expected[0] = 1; // 00:30 Shanghai is 16:30 UTC of the day before: still today here
    expected[9] = 1;
    expected[10] = 1;
    expected[11] = 1;
    expect(hours).toEqual(expected);
  });

  it('gives the last 30 days, oldest first, every day present, counted by the day a visit starts', async () => {
    const days = (await admin.get('/api/admin/dashboard')).json().last30Days as Array<{ day: string; expected: number; arrived: number }>;
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: '2026-11-07', expected: 1, arrived: 0 });
    expect(days[28]).toEqual({ day: '2026-12-05', expected: 1, arrived: 1 });
    expect(days[29]).toEqual({ day: '2026-12-06', expected: 5, arrived: 4 });
    expect(days.slice(1, 28).every((x) => x.expected === 0 && x.arrived === 0)).toBe(true);
  });

  it("shows a 单位管理员 their unit's visits only", async () => {
    const unitAdmin = await newAdminClient(t, undefined, undefined, units.b.id);
    const d = (await unitAdmin.get('/api/admin/dashboard')).json();
    expect(d.perUnit.map((u: { unitId: string }) => u.unitId)).toEqual([units.b.id]);
    expect(d.today).toEqual({ day: '2026-12-06', expected: 2, arrived: 2, onSite: 2, left: 0, overstaying: 1, cancelled: 1, pendingReview: 0 });
    expect(d.arrivalsByHour[9]).toBe(0); // unit a's arrival
    expect(d.arrivalsByHour[11]).toBe(1);
    expect(d.last30Days.find((x: { day: string }) => x.day === '2026-12-05')).toEqual({ day: '2026-12-05', expected: 0, arrived: 0 });
    expect(d.units).toBe(1);
  });

  it('is for administrators only', async () => {
    expect((await new Client(t).get('/api/admin/dashboard')).statusCode).toBe(401);
    expect((await new Client(t).get('/api/admin/dashboard')).json().error.code).toBe('AUTH_REQUIRED');
  });
});
