/**
 * Room booking rules (S4), pure: the slot grid, open hours in the center's zone, the booking window,
 * headcount ≤ capacity, the day page's cells and the week strip's taken time. No I/O.
 *
 * Open hours are minutes after local midnight in the center's zone (480 = 08:00, 1440 = 24:00, the
 * next midnight); a booking lies within one local day's open hours and on the room's slot grid.
 */
import { Clock } from '../../platform/clock.js';

export interface RoomHours {
  openFrom: number;
  openTo: number;
  slotMinutes: number;
}
export interface RoomLimits extends RoomHours {
  capacity: number;
}
export type BookingRuleError = 'WINDOW_END_BEFORE_START' | 'BOOKING_OFF_GRID' | 'BOOKING_OUTSIDE_HOURS' | 'BOOKING_IN_PAST' | 'HEADCOUNT_OVER_CAPACITY';

const MINUTE = 60_000;

/** Statuses that hold the room (the EXCLUDE constraint covers the same). */
export const LIVE_STATUSES = ['pending', 'approved'] as const;
export const isLive = (status: string) => (LIVE_STATUSES as readonly string[]).includes(status);

const clocks = new Map<string, Clock>();
const clockFor = (tz: string) => clocks.get(tz) ?? clocks.set(tz, new Clock(tz)).get(tz)!;

/** The local day (YYYY-MM-DD) of an instant in a zone. */
export const dayIn = (at: Date, tz: string) => clockFor(tz).dayOf(at);
/** The instant a local day starts in a zone. */
export const dayStart = (day: string, tz: string) => clockFor(tz).startOfDay(day);
/** The instant `minutes` after a local day's midnight (1440 = the next midnight). */
export const atMinute = (day: string, minutes: number, tz: string) => new Date(dayStart(day, tz).getTime() + minutes * MINUTE);

/** YYYY-MM-DD plus n days (calendar arithmetic, no zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
export const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && addDays(s, 0) === s;

/**
 * Why a booking of [start, end) with `headcount` people may not be made at `now` (null: it may).
 * Checked in this order: window, grid, open hours (same local day), past, capacity.
 */
export function checkBooking(o: { start: Date; end: Date; now: Date; headcount: number; room: RoomLimits; tz: string }): BookingRuleError | null {
  const { start, end, room, tz } = o;
  if (end.getTime() <= start.getTime()) return 'WINDOW_END_BEFORE_START';
  const day = dayIn(start, tz);
  const base = dayStart(day, tz).getTime();
  const startMin = (start.getTime() - base) / MINUTE;
  const endMin = (end.getTime() - base) / MINUTE;
  const slot = room.slotMinutes;
  if (!Number.isInteger(startMin) || !Number.isInteger(endMin) || startMin % slot !== 0 || endMin % slot !== 0) return 'BOOKING_OFF_GRID';
  if (startMin < room.openFrom || endMin > room.openTo) return 'BOOKING_OUTSIDE_HOURS';
  if (start.getTime() < o.now.getTime()) return 'BOOKING_IN_PAST';
  if (o.headcount > room.capacity) return 'HEADCOUNT_OVER_CAPACITY';
  return null;
}

export interface BookedSpan {
  id: string;
  title: string;
  startAt: Date;
  endAt: Date;
  mine: boolean;
}
export type CellState = 'past' | 'taken' | 'free';
export interface Cell {
  startAt: Date;
  endAt: Date;
  state: CellState;
  /** the taking booking, when taken */
  booking: BookedSpan | null;
}

/**
 * The day page's cells: one per slot of the open hours. A cell is taken when a live booking overlaps
 * it (even if it has passed, so the day still shows what was held), otherwise past when its start
 * has passed (it can no longer be booked), otherwise free.
 */
export function dayCells(o: { day: string; room: RoomHours; now: Date; bookings: BookedSpan[]; tz: string }): Cell[] {
  const cells: Cell[] = [];
  for (let m = o.room.openFrom; m + o.room.slotMinutes <= o.room.openTo; m += o.room.slotMinutes) {
    const startAt = atMinute(o.day, m, o.tz);
    const endAt = atMinute(o.day, m + o.room.slotMinutes, o.tz);
    const booking = o.bookings.find((b) => b.startAt < endAt && b.endAt > startAt) ?? null;
    const state: CellState = booking ? 'taken' : startAt.getTime() < o.now.getTime() ? 'past' : 'free';
    cells.push({ startAt, endAt, state, booking });
  }
  return cells;
}

export interface TakenSpan {
  startAt: Date;
  endAt: Date;
  /** minutes after local midnight, clipped to the open hours */
  fromMinute: number;
  toMinute: number;
}

/** The week strip's hour bar for one day: live bookings clipped to the open hours, merged where they touch. */
export function takenSpans(o: { day: string; room: RoomHours; bookings: Array<{ startAt: Date; endAt: Date }>; tz: string }): TakenSpan[] {
  const base = dayStart(o.day, o.tz).getTime();
  const spans = o.bookings
    .map((b) => ({
      fromMinute: Math.max(o.room.openFrom, Math.floor((b.startAt.getTime() - base) / MINUTE)),
      toMinute: Math.min(o.room.openTo, Math.ceil((b.endAt.getTime() - base) / MINUTE)),
    }))
    .filter((s) => s.toMinute > s.fromMinute)
    .sort((a, b) => a.fromMinute - b.fromMinute);
  const merged: Array<{ fromMinute: number; toMinute: number }> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.fromMinute <= last.toMinute) last.toMinute = Math.max(last.toMinute, s.toMinute);
    else merged.push({ ...s });
  }
  return merged.map((s) => ({ ...s, startAt: new Date(base + s.fromMinute * MINUTE), endAt: new Date(base + s.toMinute * MINUTE) }));
}

/** 取消预订: a live booking, before it starts. */
export const canCancelBooking = (b: { status: string; startAt: Date }, now: Date) => isLive(b.status) && now.getTime() < b.startAt.getTime();
/** 会议室审核: a pending booking that has not ended. */
export const canReviewBooking = (b: { status: string; endAt: Date }, now: Date) => b.status === 'pending' && now.getTime() < b.endAt.getTime();
/** 确认承接: an approved booking nobody has undertaken yet, before it ends. */
export const canUndertake = (b: { status: string; undertakenAt: Date | null; endAt: Date }, now: Date) => b.status === 'approved' && !b.undertakenAt && now.getTime() < b.endAt.getTime();
/** 会议邀约: an approved booking before it starts. */
export const canInvite = (b: { status: string; startAt: Date }, now: Date) => b.status === 'approved' && now.getTime() < b.startAt.getTime();
/** The undertaking reminder is due when nobody confirmed within this long after approval (SPEC S8). */
export const UNDERTAKING_REMINDER_MS = 5 * MINUTE;
/** Whether the reminder job, when it runs, should call the undertakers. */
export const reminderDue = (b: { status: string; undertakenAt: Date | null; endAt: Date }, now: Date) => canUndertake(b, now);
