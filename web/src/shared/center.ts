/**
 * The center: its name and time zone (TZ_CENTER on the server), loaded once from GET /api/config.
 * Every time the apps show or let someone pick is the center's wall-clock time, whatever zone the
 * phone, kiosk or admin's browser is in. Each app awaits loadCenter() before mounting, so the
 * synchronous helpers below already use the configured zone; until then (or if the request fails)
 * they use Asia/Shanghai, the server's default.
 */
import { http } from './api';

/** GET /api/config (server/src/modules/system/config.routes.ts). */
export interface PublicConfig {
  centerName: string;
  timeZone: string;
  wechat: boolean;
  wecom: boolean;
  /** VISITOR_RETENTION_DAYS: photos and ID numbers go this many days after the last visit */
  visitorRetentionDays: number;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

let config: PublicConfig | null = null;
let loading: Promise<PublicConfig | null> | null = null;

/** Loads /api/config once (the promise is shared); null when it could not be loaded (defaults stay, a later call retries). */
export function loadCenter(): Promise<PublicConfig | null> {
  loading ??= http
    .get<PublicConfig>('/api/config', { silent401: true })
    .then((c) => {
      config = c;
      return c;
    })
    .catch(() => {
      loading = null;
      return null;
    });
  return loading;
}

export const centerConfig = (): PublicConfig | null => config;
export const centerTimeZone = (): string => config?.timeZone ?? DEFAULT_TIME_ZONE;
export const centerName = (): string | null => config?.centerName ?? null;
/** the retention period the consent texts name (the server's default until /api/config is loaded) */
export const retentionDays = (): number => config?.visitorRetentionDays ?? 180;

const formats = new Map<string, Intl.DateTimeFormat>();
function partsIn(at: Date, tz: string): Record<string, string> {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, f);
  }
  return Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
}

export interface WallTime {
  date: [string, string, string]; // YYYY, MM, DD
  time: [string, string]; // HH, mm
}

/** The center's wall-clock date and time (minute) of an instant. */
export function wallOf(at: Date): WallTime {
  const p = partsIn(at, centerTimeZone());
  return { date: [p.year!, p.month!, p.day!], time: [p.hour!, p.minute!] };
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

type When = string | number | Date | null | undefined;
export type Precision = 'minute' | 'second';

function toParts(v: When): Record<string, string> | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : partsIn(d, centerTimeZone());
}

/** "2026-11-24 09:30" (or "…:30:05" with 'second') in the center's zone; `empty` ('—') when there is no time. */
export function formatDateTime(v: When, precision: Precision = 'minute', empty = '—'): string {
  const p = toParts(v);
  if (!p) return empty;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${precision === 'second' ? `:${p.second}` : ''}`;
}

/** "2026-11-24" in the center's zone. */
export function formatDate(v: When, empty = '—'): string {
  const p = toParts(v);
  return p ? `${p.year}-${p.month}-${p.day}` : empty;
}

/** "09:30" (or "09:30:05" with 'second') in the center's zone. */
export function formatTime(v: When, precision: Precision = 'minute', empty = '—'): string {
  const p = toParts(v);
  if (!p) return empty;
  return `${p.hour}:${p.minute}${precision === 'second' ? `:${p.second}` : ''}`;
}
