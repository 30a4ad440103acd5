/**
 * Fixed-window rate limits shared by every process: in Redis when REDIS_URL is set, otherwise in
 * the database (rate_counters). Used for SMS sends per phone and per IP, and login attempts.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';
import type { Clock } from './clock.js';

export interface RateLimiter {
  /** Count one hit; returns the count in the current window including this hit. */
  hit(key: string, windowSeconds: number): Promise<number>;
  /** The count in the current window, without counting a hit. */
  count(key: string, windowSeconds: number): Promise<number>;
  close(): Promise<void>;
}

export class DbRateLimiter implements RateLimiter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}
  async hit(key: string, windowSeconds: number) {
    const nowMs = this.clock.now().getTime();
    const windowStart = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
    const expires = new Date((windowStart + windowSeconds) * 1000).toISOString();
    const res = await this.db.execute(sql`
      insert into rate_counters (key, window_start, count, expires_at) values (${key}, ${windowStart}, 1, ${expires}::timestamptz)
      on conflict (key, window_start) do update set count = rate_counters.count + 1
      returning count`);
    if (Math.random() < 0.01) await this.db.execute(sql`delete from rate_counters where expires_at < ${new Date(nowMs).toISOString()}::timestamptz`);
    return Number((res as unknown as { rows: Array<{ count: number }> }).rows[0]!.count);
  }
  async count(key: string, windowSeconds: number) {
    const windowStart = Math.floor(this.clock.now().getTime() / 1000 / windowSeconds) * windowSeconds;
    const res = await this.db.execute(sql`select count from rate_counters where key = ${key} and window_start = ${windowStart}`);
    return Number((res as unknown as { rows: Array<{ count: number }> }).rows[0]?.count ?? 0);
  }
  async close() {}
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: import('ioredis').Redis,
    private readonly clock: Clock,
    /** REDIS_KEY_PREFIX */
    private readonly prefix = 'sg:',
  ) {}
  async hit(key: string, windowSeconds: number) {
    const windowStart = Math.floor(this.clock.now().getTime() / 1000 / windowSeconds) * windowSeconds;
    const k = `${this.prefix}rl:${key}:${windowStart}`;
    const [[, count]] = (await this.redis.multi().incr(k).expire(k, windowSeconds + 5).exec()) as [[null, number], unknown];
    return Number(count);
  }
  async count(key: string, windowSeconds: number) {
    const windowStart = Math.floor(this.clock.now().getTime() / 1000 / windowSeconds) * windowSeconds;
    return Number((await this.redis.get(`${this.prefix}rl:${key}:${windowStart}`)) ?? 0);
  }
  async close() {
    await this.redis.quit();
  }
}
