/** Calendar days (YYYY-MM-DD, the center's days) for the week strip and day page. */
import { formatDate, formatTime } from '@shared/center';

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
/** { m: 11, d: 25, weekday: 3 } of a calendar day (weekday 0 = Sunday). */
export function dayParts(day: string) {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { m, d, weekday: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
}
/** "MM-DD" */
export const shortDay = (day: string) => day.slice(5);
/** The center's day of an instant. */
export const dayOf = (iso: string) => formatDate(iso);
/** "10:00–11:30" in the center's zone; the end of a day shows as 24:00. */
export function timeRange(startIso: string, endIso: string): string {
  const end = formatTime(endIso);
  const endLabel = end === '00:00' && dayOf(endIso) !== dayOf(startIso) ? '24:00' : end;
  return `${formatTime(startIso)}–${endLabel}`;
}
/** 会议地点: "行政中心1号楼 · 1楼 · 东侧101室", or — when nothing is set. */
export const placeOf = (r: { buildingName?: string | null; floor?: string | null; location?: string | null }) => [r.buildingName, r.floor, r.location].filter(Boolean).join(' · ') || '—';
