import { describe, expect, it } from 'vitest';
import { addDays, atMinute, canCancelBooking, canInvite, canReviewBooking, canUndertake, checkBooking, dayCells, dayIn, isDay, reminderDue, takenSpans, type BookedSpan } from './bookings.rules.js';

const TZ = 'Asia/Shanghai';
const room = { openFrom: 480, openTo: 1440, slotMinutes: 15, capacity: 20 };
/** 2026-12-01 hh:mm in Shanghai (UTC+8) */
const sh = (hhmm: string, day = '2026-12-01') => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return atMinute(day, h * 60 + m, TZ);
};
const NOW = sh('09:07');
const check = (start: Date, end: Date, o: { now?: Date; headcount?: number; room?: typeof room } = {}) =>
  checkBooking({ start, end, now: o.now ?? NOW, headcount: o.headcount ?? 5, room: o.room ?? room, tz: TZ });

describe('zone arithmetic (Asia/Shanghai)', () => {
  it('local midnight of 2026-12-01 is 16:00Z the day before; 24:00 is the next midnight', () => {
    expect(atMinute('2026-12-01', 0, TZ).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(atMinute('2026-12-01', 1440, TZ).toISOString()).toBe('2026-12-01T16:00:00.000Z');
    expect(dayIn(new Date('2026-11-30T16:00:00Z'), TZ)).toBe('2026-12-01');
    expect(dayIn(new Date('2026-11-30T15:59:59Z'), TZ)).toBe('2026-11-30');
  });
  it('calendar days add across months and years; only real dates are days', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-2-3')).toBe(false);
    expect(isDay('2026-12-01')).toBe(true);
  });
});

describe('booking window rules', () => {
  it('a booking on the grid inside open hours, later today, within capacity is allowed', () => {
    expect(check(sh('10:00'), sh('11:30'))).toBeNull();
  });
  it('the whole open day, 08:00 to 24:00, is allowed when it has not started', () => {
    expect(check(sh('08:00', '2026-12-02'), sh('24:00', '2026-12-02'))).toBeNull();
  });
  it('ending at 24:00 (the next midnight) is inside hours', () => {
    expect(check(sh('23:00'), sh('24:00'))).toBeNull();
  });
  it.each([
    ['end equal to start', '10:00', '10:00'],
    ['end before start', '11:00', '10:00'],
  ])('%s → WINDOW_END_BEFORE_START', (_n, a, b) => {
    expect(check(sh(a), sh(b))).toBe('WINDOW_END_BEFORE_START');
  });
  it.each([
    ['start off the 15-minute grid', '10:05', '11:00'],
    ['end off the grid', '10:00', '10:50'],
    ['both on minutes but a second off', null, null],
  ])('%s → BOOKING_OFF_GRID', (_n, a, b) => {
    const start = a ? sh(a) : new Date(sh('10:00').getTime() + 1000);
    const end = b ? sh(b) : sh('11:00');
    expect(check(start, end)).toBe('BOOKING_OFF_GRID');
  });
  it('a 30-minute room grid refuses a quarter hour', () => {
    expect(check(sh('10:15'), sh('11:00'), { room: { ...room, slotMinutes: 30 } })).toBe('BOOKING_OFF_GRID');
    expect(check(sh('10:30'), sh('11:00'), { room: { ...room, slotMinutes: 30 } })).toBeNull();
  });
  it.each([
    ['starting before 08:00', '07:45', '09:00'],
    ['starting at midnight', '00:00', '01:00'],
    ['running past 24:00 into the next day', '23:30', '24:30'],
  ])('%s → BOOKING_OUTSIDE_HOURS', (_n, a, b) => {
    const [h, m] = b.split(':').map(Number) as [number, number];
    const end = atMinute('2026-12-02', h * 60 + m, TZ);
    const start = atMinute('2026-12-02', Number(a.slice(0, 2)) * 60 + Number(a.slice(3)), TZ);
    expect(check(start, end)).toBe('BOOKING_OUTSIDE_HOURS');
  });
  it('hours are the center’s: 08:00 Shanghai is 00:00Z, so a booking at 07:00Z (15:00 local) is inside, 16:30Z (00:30 local) is not', () => {
    expect(check(new Date('2026-12-02T07:00:00Z'), new Date('2026-12-02T08:00:00Z'))).toBeNull();
    expect(check(new Date('2026-12-02T16:30:00Z'), new Date('2026-12-02T17:00:00Z'))).toBe('BOOKING_OUTSIDE_HOURS');
  });
  it('a room closing at 18:00 refuses 17:45–18:15 and accepts 17:45–18:00', () => {
    const r = { ...room, openTo: 18 * 60 };
    expect(check(sh('17:45'), sh('18:15'), { room: r })).toBe('BOOKING_OUTSIDE_HOURS');
    expect(check(sh('17:45'), sh('18:00'), { room: r })).toBeNull();
  });
  it('a start already passed → BOOKING_IN_PAST (09:00 at 09:07), the next slot is fine', () => {
    expect(check(sh('09:00'), sh('10:00'))).toBe('BOOKING_IN_PAST');
    expect(check(sh('09:15'), sh('10:00'))).toBeNull();
  });
  it('headcount above capacity → HEADCOUNT_OVER_CAPACITY; equal is fine', () => {
    expect(check(sh('10:00'), sh('11:00'), { headcount: 21 })).toBe('HEADCOUNT_OVER_CAPACITY');
    expect(check(sh('10:00'), sh('11:00'), { headcount: 20 })).toBeNull();
  });
});

describe('day cells', () => {
  const booking = (a: string, b: string, mine = false): BookedSpan => ({ id: `${a}-${b}`, title: '例会', startAt: sh(a), endAt: sh(b), mine });

  it('one 15-minute cell per slot from 08:00 to 24:00 (64 cells), first 08:00–08:15, last 23:45–24:00', () => {
    const cells = dayCells({ day: '2026-12-01', room, now: sh('00:00'), bookings: [], tz: TZ });
    expect(cells).toHaveLength(64);
    expect(cells[0]!.startAt).toEqual(sh('08:00'));
    expect(cells[0]!.endAt).toEqual(sh('08:15'));
    expect(cells[63]!.endAt).toEqual(sh('24:00'));
    expect(cells.every((c) => c.state === 'free')).toBe(true);
  });
  it('cells whose start has passed are past (已失效): at 09:07 the 09:00 cell is past, 09:15 free', () => {
    const cells = dayCells({ day: '2026-12-01', room, now: NOW, bookings: [], tz: TZ });
    const at = (hhmm: string) => cells.find((c) => c.startAt.getTime() === sh(hhmm).getTime())!;
    expect(at('08:00').state).toBe('past');
    expect(at('09:00').state).toBe('past');
    expect(at('09:15').state).toBe('free');
  });
  it('cells a live booking overlaps are taken (已预订) with that booking; the end is exclusive', () => {
    const b = booking('10:00', '11:00');
    const cells = dayCells({ day: '2026-12-01', room, now: NOW, bookings: [b], tz: TZ });
    const at = (hhmm: string) => cells.find((c) => c.startAt.getTime() === sh(hhmm).getTime())!;
    expect(at('09:45').state).toBe('free');
    expect(at('10:00')).toMatchObject({ state: 'taken', booking: b });
    expect(at('10:45').state).toBe('taken');
    expect(at('11:00').state).toBe('free');
  });
  it('a booking that has passed still shows as taken', () => {
    const cells = dayCells({ day: '2026-12-01', room, now: NOW, bookings: [booking('08:00', '08:30')], tz: TZ });
    expect(cells.slice(0, 3).map((c) => c.state)).toEqual(['taken', 'taken', 'past']);
  });
  it('a room open 09:00–12:00 on a 30-minute grid has six cells', () => {
    const cells = dayCells({ day: '2026-12-02', room: { openFrom: 540, openTo: 720, slotMinutes: 30 }, now: NOW, bookings: [], tz: TZ });
    expect(cells.map((c) => c.state)).toEqual(Array(6).fill('free'));
  });
});

describe('week strip taken time', () => {
  it('bookings are clipped to the open hours and touching ones merged, in minutes after midnight', () => {
    const spans = takenSpans({
      day: '2026-12-01',
      room,
      tz: TZ,
      bookings: [
        { startAt: sh('10:00'), endAt: sh('11:00') },
        { startAt: sh('11:00'), endAt: sh('11:30') },
        { startAt: sh('14:00'), endAt: sh('15:00') },
      ],
    });
    expect(spans.map((s) => [s.fromMinute, s.toMinute])).toEqual([
      [600, 690],
      [840, 900],
    ]);
    expect(spans[0]!.startAt).toEqual(sh('10:00'));
  });
  it('a room open until 18:00 shows a booking running later only up to 18:00; one outside the hours not at all', () => {
    const spans = takenSpans({
      day: '2026-12-01',
      room: { ...room, openTo: 1080 },
      tz: TZ,
      bookings: [
        { startAt: sh('17:00'), endAt: sh('19:00') },
        { startAt: sh('19:00'), endAt: sh('20:00') },
      ],
    });
    expect(spans.map((s) => [s.fromMinute, s.toMinute])).toEqual([[1020, 1080]]);
  });
});

describe('what can be done to a booking when', () => {
  const b = { startAt: sh('10:00'), endAt: sh('11:00'), undertakenAt: null as Date | null };
  it('取消预订: pending or approved, before the start', () => {
    expect(canCancelBooking({ ...b, status: 'pending' }, NOW)).toBe(true);
    expect(canCancelBooking({ ...b, status: 'approved' }, NOW)).toBe(true);
    expect(canCancelBooking({ ...b, status: 'approved' }, sh('10:00'))).toBe(false);
    expect(canCancelBooking({ ...b, status: 'rejected' }, NOW)).toBe(false);
    expect(canCancelBooking({ ...b, status: 'cancelled' }, NOW)).toBe(false);
  });
  it('会议室审核: pending, before the end', () => {
    expect(canReviewBooking({ ...b, status: 'pending' }, sh('10:30'))).toBe(true);
    expect(canReviewBooking({ ...b, status: 'pending' }, sh('11:00'))).toBe(false);
    expect(canReviewBooking({ ...b, status: 'approved' }, NOW)).toBe(false);
  });
  it('确认承接 and the reminder: approved, not undertaken, before the end', () => {
    expect(canUndertake({ ...b, status: 'approved' }, NOW)).toBe(true);
    expect(canUndertake({ ...b, status: 'approved', undertakenAt: NOW }, NOW)).toBe(false);
    expect(canUndertake({ ...b, status: 'pending' }, NOW)).toBe(false);
    expect(canUndertake({ ...b, status: 'approved' }, sh('11:00'))).toBe(false);
    expect(reminderDue({ ...b, status: 'cancelled' }, NOW)).toBe(false);
    expect(reminderDue({ ...b, status: 'approved' }, NOW)).toBe(true);
  });
  it('会议邀约: approved, before the start', () => {
    expect(canInvite({ ...b, status: 'approved' }, NOW)).toBe(true);
    expect(canInvite({ ...b, status: 'pending' }, NOW)).toBe(false);
    expect(canInvite({ ...b, status: 'approved' }, sh('10:00'))).toBe(false);
  });
});
