/**
 * 首页 今日来访: the counts of today's visits the admin sees (issue 9) — never a promise of a
 * feature to come. "Today" is the center's calendar day (Asia/Shanghai), not the server's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { Clock } from '../../platform/clock.js';
import { visitOrders } from '../../db/schema/index.js';

let t: TestApp;
let admin: Client;
let hostId: string;
let unitId: string;

// 2026-12-06 10:00 in the center (02:00 UTC); the center's today is [12-05T16:00Z, 12-06T16:00Z)
const NOW = '2026-12-06T02:00:00Z';
const at = (local: string) => new Date(`${local}+08:00`);

async function order(status: string, start: string, end: string, more: Partial<typeof visitOrders.$inferInsert> = {}) {
  await t.ctx.db.insert(visitOrders).values({
    kind: 'appointment',
    status,
    cancelReason: status === 'cancelled' ? 'rejected' : null,
    visitorPhone: randomPhone(),
    hostId,
    unitId,
    reason: '商务洽谈',
    startAt: at(start),
    endAt: at(end),
    ...more,
  });
}

beforeAll(async () => {
  const clock = new Clock('Asia/Shanghai');
  clock.set(NOW);
  t = await createTestApp({ clock, env: { TZ_CENTER: 'Asia/Shanghai' } });
  admin = await newAdminClient(t);
  const unit = await newUnit(t);
  unitId = unit.id;
  hostId = (await newStaff(t, { unitId })).id;
});
afterAll(() => t?.close());

describe('GET /api/admin/dashboard — 今日来访', () => {
  it('is all zeros on a day without visits, for the center’s today', async () => {
    const res = await admin.get('/api/admin/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.json().today).toEqual({ day: '2026-12-06', expected: 0, arrived: 0, onSite: 0, left: 0, overstaying: 0, cancelled: 0, pendingReview: 0 });
    expect(res.json().perUnit).toEqual([]);
    expect(res.json().arrivalsByHour).toEqual(Array(24).fill(0));
  });

  it('counts who is expected, arrived, still on site and cancelled today, and the reviews waiting', async () => {
    // expected today
    await order('confirmed', '2026-12-06T09:00', '2026-12-06T11:00');
    await order('confirmed', '2026-12-06T23:30', '2026-12-06T23:59');
    await order('confirmed', '2026-12-05T08:00', '2026-12-08T18:00'); // a window over several days
    await order('arrived', '2026-12-06T09:00', '2026-12-06T12:00', { arrivedAt: at('2026-12-06T09:20') });
    await order('arrived', '2026-12-06T08:00', '2026-12-06T09:00', { arrivedAt: at('2026-12-06T08:05'), leftAt: at('2026-12-06T08:50') });
    // cancelled today
    await order('cancelled', '2026-12-06T14:00', '2026-12-06T15:00');
    // waiting for a review: today, next week; one whose window is over no longer waits
    await order('pending', '2026-12-06T15:00', '2026-12-06T16:00');
    await order('pending', '2026-12-12T09:00', '2026-12-12T10:00');
    await order('pending', '2026-12-06T07:00', '2026-12-06T08:00');
    // not today: yesterday (ending at midnight exactly), tomorrow (starting at midnight exactly), an arrival yesterday
    await order('confirmed', '2026-12-05T22:00', '2026-12-06T00:00');
    await order('confirmed', '2026-12-07T00:00', '2026-12-07T09:00');
    await order('arrived', '2026-12-05T09:00', '2026-12-05T11:00', { arrivedAt: at('2026-12-05T09:10') });
    await order('cancelled', '2026-12-07T09:00', '2026-12-07T10:00');
    // nobody registered yet: not a visit anybody expects
    await order('initiated', '2026-12-06T13:00', '2026-12-06T14:00');

    const res = await admin.get('/api/admin/dashboard');
    expect(res.statusCode).toBe(200);
    // overstaying: yesterday's arrival never seen leaving (the one on site now is inside its window)
    expect(res.json().today).toEqual({ day: '2026-12-06', expected: 5, arrived: 2, onSite: 1, left: 1, overstaying: 1, cancelled: 1, pendingReview: 2 });
    // the center's hours: 08:05 and 09:20 in Shanghai (00:05 and 01:20 UTC)
    const hours = res.json().arrivalsByHour as number[];
    expect(hours[8]).toBe(1);
    expect(hours[9]).toBe(1);
    expect(hours.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('moves to the next day at the center’s midnight, not the server’s', async () => {
    t.ctx.clock.set('2026-12-06T16:00:00Z'); // 12-07 00:00 in the center, still 12-06 in UTC
    const later = await newAdminClient(t); // this morning's session has expired by now
    const today = (await later.get('/api/admin/dashboard')).json().today;
    expect(today.day).toBe('2026-12-07');
    expect(today.expected).toBe(2); // the several-day window and the one starting at midnight
    expect(today.cancelled).toBe(1);
    t.ctx.clock.set(NOW);
  });
});
