/**
 * A durable job queue in the application's own database (docs/decisions/0002-job-queue.md).
 * - enqueue inside the caller's transaction, so a job exists iff the write committed;
 * - idempotent by key (a second enqueue with the same key is a no-op);
 * - workers claim with FOR UPDATE SKIP LOCKED, so any number of processes can work one table;
 * - failures retry with exponential backoff up to maxAttempts, then the job is "dead" and shown
 *   in admin, where it can be retried by hand; a worker that died mid-job is reclaimed after
 *   the lock timeout;
 * - while the database is unreachable the workers wait (DbHealth probes it with backoff) and the
 *   job that the outage interrupted is queued again as soon as it is back.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyBaseLogger } from 'fastify';
import { jobs } from '../db/schema/index.js';
import type { Db, Tx } from './db.js';
import type { Clock } from './clock.js';
import { isDbUnavailable, type DbHealth } from './db-health.js';

export type JobHandler = (payload: any, job: { id: string; attempts: number; key: string }) => Promise<void>;

export interface EnqueueOptions {
  type: string;
  key: string;
  payload?: unknown;
  runAt?: Date;
  maxAttempts?: number;
}

const LOCK_TIMEOUT_MS = 5 * 60_000;

export function backoffMs(attempt: number): number {
  return Math.min(60 * 60_000, 2 ** Math.max(0, attempt - 1) * 5_000);
}

export class JobQueue {
  private handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  /** a job of this worker was cut off by a database outage and is still marked running */
  private interrupted = false;
  private inFlight = 0;
  readonly workerId = `w-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly health?: DbHealth,
  ) {}

  register(type: string, handler: JobHandler) {
    this.handlers.set(type, handler);
  }

  async enqueue(tx: Tx, o: EnqueueOptions): Promise<void> {
    await tx
      .insert(jobs)
      .values({
        id: uuidv7(),
        type: o.type,
        key: o.key,
        payload: (o.payload ?? {}) as object,
        runAt: o.runAt ?? this.clock.now(),
        maxAttempts: o.maxAttempts ?? 8,
      })
      .onConflictDoNothing({ target: jobs.key });
  }

  /** Claim and run one ready job. Returns false when none was ready. */
  async runOne(): Promise<boolean> {
    this.inFlight++;
    try {
      return await this.claimAndRun();
    } finally {
      this.inFlight--;
    }
  }

  private async claimAndRun(): Promise<boolean> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - LOCK_TIMEOUT_MS);
    const res = await this.db.execute(sql`
      update jobs set status = 'running', locked_at = ${now.toISOString()}::timestamptz, locked_by = ${this.workerId}, attempts = attempts + 1
      where id = (
        select id from jobs
        where (status in ('queued','failed') and run_at <= ${now.toISOString()}::timestamptz)
           or (status = 'running' and locked_at < ${staleBefore.toISOString()}::timestamptz)
        order by run_at
        limit 1
        for update skip locked
      )
      returning id, type, key, payload, attempts, max_attempts`);
    const row = (res as unknown as { rows: Array<{ id: string; type: string; key: string; payload: unknown; attempts: number; max_attempts: number }> }).rows[0];
    if (!row) return false;
    const handler = this.handlers.get(row.type);
    try {
      if (!handler) throw new Error(`no handler for job type ${row.type}`);
      await handler(row.payload, { id: row.id, attempts: row.attempts, key: row.key });
      await this.db.update(jobs).set({ status: 'done', finishedAt: this.clock.now(), lastError: null, lockedAt: null, lockedBy: null }).where(eq(jobs.id, row.id));
    } catch (err) {
      // the database went away mid-job (checked: a handler's own network error is an ordinary
      // failure): nothing can be recorded now; the job is queued again when the database is back
      if (isDbUnavailable(err) && !(await this.databaseReachable())) throw err;
      const dead = row.attempts >= row.max_attempts;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ jobId: row.id, type: row.type, attempts: row.attempts, dead, error: message }, 'job failed');
      await this.db
        .update(jobs)
        .set({
          status: dead ? 'dead' : 'failed',
          lastError: message.slice(0, 2000),
          lockedAt: null,
          lockedBy: null,
          runAt: new Date(this.clock.now().getTime() + backoffMs(row.attempts)),
          finishedAt: dead ? this.clock.now() : null,
        })
        .where(eq(jobs.id, row.id));
    }
    return true;
  }

  /** Run ready jobs until none is left (tests, and the CLI). */
  async drain(max = 1000): Promise<number> {
    let n = 0;
    while (n < max && (await this.runOne())) n++;
    return n;
  }

  start(intervalMs = 300) {
    this.stopped = false;
    let outageDelay = 0; // without a DbHealth: the worker's own backoff while the database is down
    const tick = async () => {
      if (this.stopped) return;
      let next = intervalMs;
      // while the database is down DbHealth probes it with backoff; the worker only waits
      if (!this.running && (this.health?.available ?? true)) {
        this.running = true;
        try {
          if (this.interrupted && this.inFlight === 0) await this.requeueInterrupted();
          while (!this.stopped && (await this.runOne()));
          outageDelay = 0;
        } catch (err) {
          if (isDbUnavailable(err)) {
            this.interrupted = true;
            if (this.health) this.health.reportFailure(err);
            else next = outageDelay = Math.min(Math.max(outageDelay * 2, 1000), 30_000);
          } else this.log.error({ err }, 'job worker error');
        } finally {
          this.running = false;
        }
      }
      if (!this.stopped) this.timer = setTimeout(tick, next);
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** After an outage: the job it cut off runs again now, not after the lock timeout. */
  private async requeueInterrupted() {
    await this.db
      .update(jobs)
      .set({ status: 'queued', lockedAt: null, lockedBy: null, runAt: this.clock.now() })
      .where(and(eq(jobs.status, 'running'), eq(jobs.lockedBy, this.workerId)));
    this.interrupted = false;
  }

  private async databaseReachable(): Promise<boolean> {
    if (this.health) return this.health.check().catch(() => true);
    return this.db.execute(sql`select 1`).then(
      () => true,
      (e: unknown) => !isDbUnavailable(e),
    );
  }

  /** Admin: put a failed or dead job back in line now. */
  async retry(id: string): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ status: 'queued', runAt: this.clock.now(), maxAttempts: sql`greatest(${jobs.maxAttempts}, ${jobs.attempts} + 1)`, finishedAt: null })
      .where(and(eq(jobs.id, id), sql`${jobs.status} in ('failed','dead')`))
      .returning({ id: jobs.id });
    return rows.length > 0;
  }

  list(opts: { status?: string; limit: number; offset: number }) {
    const where = opts.status ? eq(jobs.status, opts.status) : undefined;
    return this.db.select().from(jobs).where(where).orderBy(desc(jobs.createdAt)).limit(opts.limit).offset(opts.offset);
  }
}
