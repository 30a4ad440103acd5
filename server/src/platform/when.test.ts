import { describe, expect, it } from 'vitest';
import { messageTime, messageWindow, windowVars } from './when.js';

const TZ = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso);

describe('how messages say when (center time)', () => {
  it('a moment: 12月6日 10:30 (two-digit hour, 24-hour clock)', () => {
    expect(messageTime(TZ, at('2026-12-06T02:30:00Z'))).toBe('12月6日 10:30');
    expect(messageTime(TZ, at('2026-12-06T01:05:00Z'))).toBe('12月6日 09:05');
    expect(messageTime(TZ, at('2026-12-06T13:00:00Z'))).toBe('12月6日 21:00');
  });
  it('a window on one day says the date once', () => {
    expect(messageWindow(TZ, at('2026-12-06T02:30:00Z'), at('2026-12-06T03:30:00Z'))).toBe('12月6日 10:30至11:30');
  });
  it('a window across days says both dates — the day is the center\'s, not UTC\'s', () => {
    expect(messageWindow(TZ, at('2026-12-06T14:00:00Z'), at('2026-12-06T22:00:00Z'))).toBe('12月6日 22:00至12月7日 06:00');
    // 15:00Z–17:00Z is one UTC day but two center days
    expect(messageWindow(TZ, at('2026-12-06T15:00:00Z'), at('2026-12-06T17:00:00Z'))).toBe('12月6日 23:00至12月7日 01:00');
    // same month and day a year apart is not the same day
    expect(messageWindow(TZ, at('2026-12-06T02:00:00Z'), at('2027-12-06T03:00:00Z'))).toBe('12月6日 10:00至12月6日 11:00');
    expect(messageWindow(TZ, at('2026-12-31T14:00:00Z'), at('2026-12-31T17:00:00Z'))).toBe('12月31日 22:00至1月1日 01:00');
  });
  it('template variables: startAt and endAt in full, timeRange said once', () => {
    expect(windowVars(TZ, at('2026-12-06T02:30:00Z'), at('2026-12-06T03:30:00Z'))).toEqual({ startAt: '12月6日 10:30', endAt: '12月6日 11:30', timeRange: '12月6日 10:30至11:30' });
  });
});
