/**
 * How every order detail tells arrival and leave (contracts/lobby.ts Presence): "访客机签到 · 东门访客机",
 * the time of day when it is the order's own day (its date otherwise), in the center's time zone.
 * Shared by the mobile apps' OrderPresence.vue and the admin console.
 */
import { ARRIVAL_VIA_LABELS, LEAVE_VIA_LABELS, type ArrivalVia, type LeaveVia, type Presence } from '@contracts/lobby';
import { formatDate, formatDateTime, formatTime } from '../center';
import type { Locale } from '../i18n';

/** "访客机签到 · 东门访客机" (or the how alone when the place is not known); '' when there is neither. */
export function arrivalHow(p: Pick<Presence, 'arrivedVia' | 'arrivedWhere'>, locale: Locale): string {
  return join(p.arrivedVia ? ARRIVAL_VIA_LABELS[p.arrivedVia as ArrivalVia]?.[locale] : null, p.arrivedWhere);
}
/** "闸机出口 · 1号楼出口闸机", "超时自动签离" … */
export function leaveHow(p: Pick<Presence, 'leftVia' | 'leftWhere'>, locale: Locale): string {
  return join(p.leftVia ? LEAVE_VIA_LABELS[p.leftVia as LeaveVia]?.[locale] : null, p.leftWhere);
}
const join = (...parts: Array<string | null | undefined>) => parts.filter(Boolean).join(' · ');

/** "09:05" when `at` falls on the same center day as `day` (the order's start), else "2026-04-29 09:05". */
export function timeOnDay(at: string | null | undefined, day: string | null | undefined): string {
  if (!at) return '';
  return day && formatDate(at) === formatDate(day) ? formatTime(at) : formatDateTime(at);
}
