/**
 * The one clock. "Today" is the calendar day in the center's time zone (TZ_CENTER), never the
 * server's. Tests set the time with `clock.set()`.
 */
export class Clock {
  private fixed: Date | null = null;
  // one formatter each, made once: building an Intl.DateTimeFormat costs far more than using it
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly partsFormat: Intl.DateTimeFormat;
  constructor(readonly timeZone: string) {
    this.dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.partsFormat = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  now(): Date {
    return this.fixed ? new Date(this.fixed) : new Date();
  }
  set(at: Date | string | null) {
    this.fixed = at === null ? null : new Date(at);
  }
  advance(ms: number) {
    this.fixed = new Date(this.now().getTime() + ms);
  }

  /** YYYY-MM-DD of `at` in the center's zone. */
  dayOf(at: Date = this.now()): string {
    return this.dayFormat.format(at);
  }
  today(): string {
    return this.dayOf(this.now());
  }

  /** The instant a center-local day starts, e.g. 2026-11-24 00:00 Asia/Shanghai = 2026-11-23T16:00Z. */
  startOfDay(day: string = this.today()): Date {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    const guess = Date.UTC(y, m - 1, d);
    return new Date(guess - this.offsetMs(new Date(guess)));
  }

  private offsetMs(at: Date): number {
    const parts = this.partsFormat.formatToParts(at);
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return asUtc - Math.floor(at.getTime() / 1000) * 1000;
  }
}
