/**
 * How messages (SMS, voice calls) say when, in the center's time zone — the one place it is
 * decided: a moment is "12月6日 10:30"; a window is said once, "12月6日 10:30至11:30" on one day,
 * "12月6日 22:00至12月7日 06:00" across days.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function parts(timeZone: string, d: Date) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  const p = f.formatToParts(d);
  const g = (t: string) => p.find((x) => x.type === t)?.value ?? '';
  return { day: `${g('year')}-${g('month')}-${g('day')}`, date: `${g('month')}月${g('day')}日`, time: `${g('hour')}:${g('minute')}` };
}

/** "12月6日 10:30" */
export function messageTime(timeZone: string, d: Date): string {
  const p = parts(timeZone, d);
  return `${p.date} ${p.time}`;
}

/** "12月6日 10:30至11:30" (same day) or "12月6日 22:00至12月7日 06:00". */
export function messageWindow(timeZone: string, start: Date, end: Date): string {
  const s = parts(timeZone, start);
  const e = parts(timeZone, end);
  return `${s.date} ${s.time}至${s.day === e.day ? '' : `${e.date} `}${e.time}`;
}

/** The template variables of a window: startAt, endAt (each in full) and timeRange (said once). */
export function windowVars(timeZone: string, start: Date, end: Date): { startAt: string; endAt: string; timeRange: string } {
  return { startAt: messageTime(timeZone, start), endAt: messageTime(timeZone, end), timeRange: messageWindow(timeZone, start, end) };
}
