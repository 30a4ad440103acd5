/**
 * Times in the center's zone (Asia/Shanghai, TZ_CENTER), whatever the phone's zone is: order
 * windows are shown and picked as the center's wall-clock time.
 */
export const CENTER_TZ = 'Asia/Shanghai';

const fmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: CENTER_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

export interface WallTime {
  date: [string, string, string]; // YYYY, MM, DD
  time: [string, string]; // HH, mm
}

export function wallOf(at: Date): WallTime {
  const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]));
  return { date: [p.year!, p.month!, p.day!], time: [p.hour!, p.minute!] };
}

/** "2026-11-24 09:30" in the center's zone; '—' for null. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const w = wallOf(new Date(iso));
  return `${w.date.join('-')} ${w.time.join(':')}`;
}

/** The instant of a center wall-clock time (the zone's offset at that moment, found by one correction). */
export function fromWall(w: WallTime): Date {
  const [y, mo, d] = w.date.map(Number) as [number, number, number];
  const [h, mi] = w.time.map(Number) as [number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const shown = wallOf(new Date(asUtc));
  const shownUtc = Date.UTC(Number(shown.date[0]), Number(shown.date[1]) - 1, Number(shown.date[2]), Number(shown.time[0]), Number(shown.time[1]));
  return new Date(asUtc - (shownUtc - asUtc));
}

export function formatWall(w: WallTime | null): string {
  return w ? `${w.date.join('-')} ${w.time.join(':')}` : '';
}
