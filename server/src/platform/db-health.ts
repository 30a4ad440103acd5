/**
 * Database availability. PostgreSQL can restart or become unreachable at any time; the process
 * must survive that, answer 503 DB_UNAVAILABLE meanwhile and resume by itself. This module
 * recognises connection errors (as opposed to query errors) and keeps one "up/down" state per
 * process, so an outage is logged once (a warning when it starts, an info when it ends) and the
 * job workers wait instead of spinning.
 */
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db.js';

/** socket-level failures reaching the database server */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** SQLSTATEs meaning the server went away or is not accepting connections yet */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);
/** pg / pg-pool messages for a connection that broke or could not be made in time */
const CONNECTION_MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect/,
  /not queryable/, // a client whose connection already failed
];

function isConnectionFailure(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(message))) return true;
  // a multi-address connect (localhost → ::1 and 127.0.0.1) fails with all of its attempts
  const inner = (e as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 && inner.every(isConnectionFailure);
}

/**
 * Whether an error means "the database cannot be reached" (→ 503 DB_UNAVAILABLE), not "this query
 * is wrong". Drizzle wraps a failed query's error as its cause; other causes are not followed, so
 * an outbound HTTP call refused by some other server is not taken for a database outage.
 */
export function isDbUnavailable(err: unknown): boolean {
  return isConnectionFailure(err instanceof DrizzleQueryError ? err.cause : err);
}

/** For log lines: the kind of failure, never the query or its parameters. */
export function connectionFailureReason(err: unknown): string {
  const e = (err instanceof DrizzleQueryError ? err.cause : err) as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(e.message as string)) ? e.message : 'connection failure';
}

declare module 'fastify' {
  interface FastifyInstance {
    /** set by app.ts; the error handler reports connection errors to it */
    dbHealth?: DbHealth;
  }
}

export interface DbHealthOptions {
  /** first re-check after an outage starts; doubles up to maxProbeMs */
  minProbeMs?: number;
  maxProbeMs?: number;
}

/**
 * One per process. Anything that meets a connection error reports it; while the database is down a
 * probe (`select 1`) runs with backoff (0.5 s doubling to 2 s) until it answers again, so the workers
 * resume within about 2 s of the database's return.
 */
export class DbHealth {
  private down = false;
  private since = 0;
  private probing = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly minProbeMs: number;
  private readonly maxProbeMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    opts: DbHealthOptions = {},
  ) {
    this.minProbeMs = opts.minProbeMs ?? 500;
    this.maxProbeMs = opts.maxProbeMs ?? 2000;
  }

  /** false from the first connection error until a probe succeeds */
  get available(): boolean {
    return !this.down;
  }

  /** A query failed because the database could not be reached. */
  reportFailure(err: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.since = Date.now();
    this.log.warn({ reason: connectionFailureReason(err) }, 'database unavailable: requests answer 503 DB_UNAVAILABLE, job workers wait');
    this.schedule(this.minProbeMs);
  }

  /** A pooled connection broke: find out whether the database itself is gone. */
  async check(): Promise<boolean> {
    if (this.probing || this.closed) return !this.down;
    this.probing = true;
    try {
      await this.db.execute(sql`select 1`);
      if (this.down) {
        this.down = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.log.info({ downSeconds: Math.round((Date.now() - this.since) / 1000) }, 'database available again');
      }
      return true;
    } catch (err) {
      if (!isDbUnavailable(err)) throw err;
      this.reportFailure(err);
      return false;
    } finally {
      this.probing = false;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number) {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      this.timer = null;
      const up = await this.check().catch(() => false);
      if (!up && this.down) this.schedule(Math.min(delay * 2, this.maxProbeMs));
    }, delay);
    // a probe never keeps a finished process alive
    this.timer.unref();
  }
}
