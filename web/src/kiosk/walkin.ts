/**
 * Small helpers for the 普通访客 page: times in the center's zone (the kiosk shows and sends
 * the center's wall clock, whatever the tablet's own zone is).
 */

/** minutes the zone is ahead of UTC at `at` */
function offsetMinutes(tz: string, at: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** today's date in the zone, YYYY-MM-DD */
export function zoneDate(tz: string, at = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** HH:mm on the zone's today → ISO instant */
export function zoneTimeToIso(tz: string, hhmm: string, at = new Date()): string {
  const [y, m, d] = zoneDate(tz, at).split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  return new Date(guess - offsetMinutes(tz, new Date(guess)) * 60_000).toISOString();
}

/** an instant as HH:mm in the zone */
export function zoneHhmm(tz: string, at: Date | string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));
}

/** an instant as "MM-DD HH:mm" (or YYYY-MM-DD HH:mm when not this year) in the zone */
export function zoneDateTime(tz: string, at: string): string {
  const d = new Date(at);
  const date = zoneDate(tz, d);
  const sameYear = date.slice(0, 4) === zoneDate(tz).slice(0, 4);
  return `${sameYear ? date.slice(5) : date} ${zoneHhmm(tz, d)}`;
}

export const VISIT_TYPES = ['official', 'business', 'other'] as const;
export type VisitType = (typeof VISIT_TYPES)[number];
/** the server writes 访问类型 into the order's remark in Chinese, so the manual's words are sent */
export const VISIT_TYPE_VALUE: Record<VisitType, string> = { official: '公务', business: '商务', other: '其他' };
