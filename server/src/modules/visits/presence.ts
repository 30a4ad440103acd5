/**
 * Arrival and leave of an order (K2, check-out, on site): when, how and where, and whether the
 * visitor overstays — someone arrived, not seen leaving, VISIT_OVERSTAY_MINUTES past the window's end.
 */
import type { ArrivalVia, LeaveVia, Presence } from '../../../../contracts/lobby.js';

type PresenceRow = { status: string; endAt: Date; arrivedAt: Date | null; arrivedVia: string | null; arrivedWhere: string | null; leftAt: Date | null; leftVia: string | null; leftWhere: string | null };

/** Whole minutes past the window's end while still on site, once the overstay threshold is reached; else null. */
export function overstayMinutes(o: PresenceRow, now: Date, thresholdMinutes: number): number | null {
  if (o.status !== 'arrived' || o.leftAt) return null;
  const past = Math.floor((now.getTime() - o.endAt.getTime()) / 60_000);
  return past >= thresholdMinutes ? past : null;
}

export function presenceOf(o: PresenceRow, now: Date, thresholdMinutes: number): Presence {
  return {
    arrivedAt: o.arrivedAt?.toISOString() ?? null,
    arrivedVia: (o.arrivedVia as ArrivalVia | null) ?? (o.arrivedAt ? 'gate' : null),
    arrivedWhere: o.arrivedWhere,
    leftAt: o.leftAt?.toISOString() ?? null,
    leftVia: (o.leftVia as LeaveVia | null) ?? (o.leftAt ? 'gate' : null),
    leftWhere: o.leftWhere,
    overstayMinutes: overstayMinutes(o, now, thresholdMinutes),
  };
}
