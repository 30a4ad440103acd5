/**
 * A durable job queue in the application's own database (docs/decisions/0017-job-queue-kept-and-grown.md,
 * which supersedes 0002).
 * - enqueue inside the caller's transaction, so a job exists iff the write committed;
 * - idempotent by key (a second enqueue with the same key is a no-op, for as long as the job is kept);
 * - workers claim ready jobs with FOR UPDATE SKIP LOCKED on the jobs_ready index, several at a time,
 *   and run up to `concurrency` at once; a handler registered for batches gets the claimed jobs of
 *   its type in one call; the jobs that finished since are marked done by the same statement that
 *   claims the next ones (one statement per round);
 * - wake-up: a committed enqueue of a job due now (or before the idle poll) wakes this process's
 *   worker and, on PostgreSQL, the other processes' through NOTIFY (coalesced); otherwise an idle
 *   worker sleeps until the next known job is due or the idle poll (2 s, which also covers a missed
 *   notification) — it never spins;
 * - failures retry with exponential backoff up to maxAttempts, then the job is "dead" and shown in
 *   admin, where it can be retried by hand; a worker that died mid-job leaves its job "running", and
 *   the stale-lock reclaim (its own query, on the jobs_running index) hands it back after the lock timeout;
 * - finished jobs are deleted after the retention period (JOB_RETENTION_DAYS; dead ones after 90 days)
 *   by an hourly job;
 * - while the database is unreachable the workers wait (DbHealth probes it with backoff) and the
 *   jobs that the outage interrupted are queued again as soon as it is back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyBaseLogger } from 'fastify';
import { jobs } from '../db/schema/index.js';
import type { Db, Tx } from './db.js';
import type { Clock } from './clock.js';
import type { LiveTransport } from './live.js';
import { isDbUnavailable, type DbHealth } from './db-health.js';
import { hotQuery, param } from './hot-query.js';
import { claimQuery, doneQuery, problemCountQuery, purgeQuery, reclaimQuery, type ClaimedRow } from './queue.sql.js';

export interface JobInfo {
  id: string;
  type: string;
  key: string;
  payload: any;
  attempts: number;
  maxAttempts: number;
}
export type JobHandler = (payload: any, job: { id: string; attempts: number; key: string }) => Promise<void>;
/**
 * Takes every claimed job of its type at once. Throwing fails them all; returning a map fails only
 * the jobs it names (job id → error), the others are done.
 */
export type BatchHandler = (jobs: JobInfo[]) => Promise<void | Map<string, unknown>>;

/** A job, once per key (every submission and move enqueues: prepared); payload as JSON text. */
const insertJob = hotQuery<{ id: string; type: string; key: string; payload: string; runAt: Date; maxAttempts: number }, unknown>('sg_job_insert', (db) =>
  db
    .insert(jobs)
    .values({ id: param('id'), type: param('type'), key: param('key'), payload: param('payload'), runAt: param('runAt'), maxAttempts: param('maxAttempts') })
    .onConflictDoNothing({ target: jobs.key }),
);

export interface EnqueueOptions {
  type: string;
  key: string;
  payload?: unknown;
  runAt?: Date;
  maxAttempts?: number;
}

export interface QueueOptions {
  /** jobs run at once by this process (JOB_CONCURRENCY) */
  concurrency?: number;
  /** an idle worker looks for work at least this often even without a wake-up (a missed NOTIFY, a job changed by hand) */
  idlePollMs?: number;
  /** finished (done) jobs are deleted this many days after they finished (JOB_RETENTION_DAYS) */
  retentionDays?: number;
  /** PostgreSQL: NOTIFY/LISTEN between processes (none on PGlite: one process) */
  wake?: LiveTransport | null;
}

/** how often a working process looks for jobs left running by a dead worker */
const RECLAIM_EVERY_MS = 60_000;
const DEAD_RETENTION_DAYS = 90;
const PURGE_JOB = 'jobs.purge';
const PURGE_BATCH = 5_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WAKE_CHANNEL = 'sg_jobs';

export function backoffMs(attempt: number): number {
  return Math.min(60 * 60_000, 2 ** Math.max(0, attempt - 1) * 5_000);
}

const rowsOf = <T>(res: unknown) => (res as { rows: T[] }).rows;
const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

export class JobQueue {
  private readonly handlers = new Map<string, { one: JobHandler } | { batch: BatchHandler }>();
  private readonly concurrency: number;
  private readonly idlePollMs: number;
  private readonly retentionDays: number;
  private readonly wakeTransport: LiveTransport | null;
  /** set inside a wrapped db.transaction: when the earliest job it enqueued is due (wall-clock ms) */
  private readonly pending = new AsyncLocalStorage<{ due: number }>();
  private stopped = true;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** the last claim filled every free slot: more may be ready, so a finished job wakes the loop */
  private saturated = false;
  private readonly running = new Set<Promise<void>>();
  private inFlight = 0;
  /** jobs that finished since the last round: marked done by the next round's statement */
  private doneIds: string[] = [];
  private lastReclaim = Number.NEGATIVE_INFINITY;
  /** jobs of this worker were cut off by a database outage and may still be marked running */
  private interrupted = false;
  private notifying: Promise<void> | null = null;
  /** the earliest due time not yet sent to the other processes */
  private notifyDue = Number.POSITIVE_INFINITY;
  /** wall-clock end of the current sleep (infinite while awake: any due job is looked for after this round) */
  private sleepingUntil = Number.POSITIVE_INFINITY;
  readonly workerId = `w-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly health?: DbHealth,
    opts: QueueOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.idlePollMs = opts.idlePollMs ?? 2_000;
    this.retentionDays = opts.retentionDays ?? 14;
    this.wakeTransport = opts.wake ?? null;
    this.register(PURGE_JOB, async () => {
      await this.purgeFinished();
      await this.schedulePurge(this.clock.now().getTime() + HOUR);
    });
  }

  /** The channel a PostgreSQL wake-up transport should use. */
  static readonly wakeChannel = WAKE_CHANNEL;

  register(type: string, handler: JobHandler) {
    this.handlers.set(type, { one: handler });
  }

  /** A handler that takes all the claimed jobs of its type in one call (up to the concurrency). */
  registerBatch(type: string, handler: BatchHandler) {
    this.handlers.set(type, { batch: handler });
  }

  async enqueue(tx: Tx, o: EnqueueOptions): Promise<void> {
    const now = this.clock.now();
    const runAt = o.runAt ?? now;
    await insertJob(tx, { id: uuidv7(), type: o.type, key: o.key, payload: JSON.stringify(o.payload ?? {}), runAt, maxAttempts: o.maxAttempts ?? 8 });
    const inMs = runAt.getTime() - now.getTime();
    if (inMs > this.idlePollMs) return; // every idle worker looks before then anyway
    const due = Date.now() + Math.max(0, inMs);
    const inTx = this.pending.getStore();
    if (inTx) inTx.due = Math.min(inTx.due, due);
    else this.jobDue(due);
  }

  /** Whether a job with any of these idempotency keys has been enqueued (and not yet purged): a handler's guard against doing its work twice. */
  async enqueuedAny(tx: Tx, keys: string[]): Promise<boolean> {
    if (!keys.length) return false;
    const [row] = await tx.select({ id: jobs.id }).from(jobs).where(inArray(jobs.key, keys)).limit(1);
    return !!row;
  }

  /**
   * Make an enqueue inside `db.transaction(fn)` wake the workers once that transaction has ended
   * (a wake-up before the commit would find nothing; after a rollback it finds nothing either, harmlessly).
   */
  wrapTransactions(db: Db): void {
    const original = db.transaction.bind(db);
    const queue = this;
    db.transaction = async function (...args: Parameters<Db['transaction']>) {
      const state = { due: Number.POSITIVE_INFINITY };
      try {
        return await queue.pending.run(state, () => original(...args));
      } finally {
        if (state.due !== Number.POSITIVE_INFINITY) queue.jobDue(state.due);
      }
    } as Db['transaction'];
  }

  /**
   * A job is due at `due` (wall-clock ms, within the idle poll): wake this process's worker if it
   * sleeps past then, and tell the other processes through NOTIFY (at most one in flight; the ones
   * that come meanwhile go out together, as the earliest of them).
   */
  private jobDue(due: number) {
    this.dueAt(due);
    if (!this.wakeTransport) return;
    this.notifyDue = Math.min(this.notifyDue, due);
    if (this.notifying) return;
    this.notifying = (async () => {
      while (this.notifyDue !== Number.POSITIVE_INFINITY) {
        const at = this.notifyDue;
        this.notifyDue = Number.POSITIVE_INFINITY;
        await this.wakeTransport!.send(`${this.workerId} ${at}`);
      }
    })()
      .catch(() => {
        this.notifyDue = Number.POSITIVE_INFINITY; // the others' idle poll finds the job anyway
      })
      .finally(() => (this.notifying = null));
  }

  /** Heard from another process: a job is due at that time. */
  private heard(raw: string) {
    const [origin, at] = raw.split(' ');
    if (origin !== this.workerId) this.dueAt(Number(at) || 0);
  }

  private dueAt(due: number) {
    if (due < this.sleepingUntil) this.wake();
  }

  private wake() {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Sleep until woken or `ms` passed; a wake-up that came while awake ends the next sleep at once. */
  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        this.woken = false;
        this.sleepingUntil = Number.POSITIVE_INFINITY;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.sleepingUntil = Date.now() + Math.max(0, ms);
      this.wakeUp = done;
    });
  }

  private async claim(limit: number, doneIds: string[] = []): Promise<{ jobs: JobInfo[]; nextDue: Date | null }> {
    const rows = rowsOf<ClaimedRow>(await this.db.execute(claimQuery(this.clock.now(), limit, this.workerId, doneIds)));
    const nextDue = rows[0]?.next_due ? asDate(rows[0].next_due) : null;
    const claimed = rows
      .filter((r) => r.id)
      .sort((a, b) => asDate(a.run_at).getTime() - asDate(b.run_at).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { jobs: claimed.map((r) => ({ id: r.id, type: r.type, key: r.key, payload: r.payload, attempts: r.attempts, maxAttempts: r.max_attempts })), nextDue };
  }

  /** Run claimed jobs: one call per job, or one per type for a batch handler. Records failures; returns the done ids. */
  private async execute(claimed: JobInfo[]): Promise<string[]> {
    const h = this.handlers.get(claimed[0]!.type);
    let failures: Map<string, unknown>;
    try {
      if (!h) throw new Error(`no handler for job type ${claimed[0]!.type}`);
      if ('batch' in h) failures = (await h.batch(claimed)) ?? new Map();
      else {
        const j = claimed[0]!;
        await h.one(j.payload, { id: j.id, attempts: j.attempts, key: j.key });
        failures = new Map();
      }
    } catch (err) {
      failures = new Map(claimed.map((j) => [j.id, err]));
    }
    for (const j of claimed) if (failures.has(j.id)) await this.recordFailure(j, failures.get(j.id));
    return claimed.filter((j) => !failures.has(j.id)).map((j) => j.id);
  }

  private async recordFailure(job: JobInfo, err: unknown) {
    // the database went away mid-job (checked: a handler's own network error is an ordinary
    // failure): nothing can be recorded now; the job is queued again when the database is back
    if (isDbUnavailable(err) && !(await this.databaseReachable())) throw err;
    const dead = job.attempts >= job.maxAttempts;
    const message = err instanceof Error ? err.message : String(err);
    this.log.warn({ jobId: job.id, type: job.type, attempts: job.attempts, dead, error: message }, 'job failed');
    await this.db
      .update(jobs)
      .set({
        status: dead ? 'dead' : 'failed',
        lastError: message.slice(0, 2000),
        lockedAt: null,
        lockedBy: null,
        runAt: new Date(this.clock.now().getTime() + backoffMs(job.attempts)),
        finishedAt: dead ? this.clock.now() : null,
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, this.workerId)));
  }

  /** One statement for many jobs; only jobs this worker still holds (one reclaimed meanwhile, maybe running elsewhere, is not touched). */
  private async markDone(ids: string[]) {
    if (!ids.length) return;
    await this.db.execute(doneQuery(ids, this.clock.now(), this.workerId));
  }

  /** Claim and run one ready job (after handing back stale ones). Returns false when none was ready. */
  async runOne(): Promise<boolean> {
    await this.reclaimStale();
    return this.runNext();
  }

  private async runNext(): Promise<boolean> {
    const { jobs: [job] } = await this.claim(1);
    if (!job) return false;
    await this.markDone(await this.execute([job]));
    return true;
  }

  /** Run ready jobs one by one until none is left (tests, and the CLI); stale ones are handed back first. */
  async drain(max = 1000): Promise<number> {
    await this.reclaimStale();
    let n = 0;
    while (n < max && (await this.runNext())) n++;
    return n;
  }

  /** Hand jobs left running by a dead worker back (failed, due now; dead when out of attempts). */
  async reclaimStale(): Promise<void> {
    await this.db.execute(reclaimQuery(this.clock.now()));
  }

  /** Work in the background: up to `concurrency` jobs at once, until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.wakeTransport
      ?.start((raw) => this.heard(raw))
      .catch((err: unknown) => this.log.warn({ err }, 'job queue: cannot listen for other processes’ jobs yet (polling meanwhile)'));
    this.loopDone = this.loop();
  }

  private async loop() {
    let outageDelay = 0; // without a DbHealth: the worker's own backoff while the database is down
    while (!this.stopped) {
      // while the database is down DbHealth probes it with backoff; the worker only waits
      if (this.health && !this.health.available) {
        await this.sleep(250);
        continue;
      }
      let wait = this.idlePollMs;
      try {
        // (not while done marks wait to be written: those jobs must not run again)
        if (this.interrupted && this.inFlight === 0 && !this.doneIds.length) await this.requeueInterrupted();
        const now = this.clock.now().getTime();
        if (now - this.lastReclaim >= RECLAIM_EVERY_MS) {
          await this.reclaimStale();
          this.lastReclaim = now;
        }
        const free = this.concurrency - this.inFlight;
        if (free > 0 || this.doneIds.length) {
          const done = this.doneIds.splice(0);
          const { jobs: claimed, nextDue } = await this.claim(free, done).catch((err: unknown) => {
            this.doneIds.unshift(...done); // written by a later round: a done job never runs again because of an outage
            throw err;
          });
          this.saturated = free > 0 && claimed.length === free;
          this.dispatch(claimed);
          if (this.saturated) continue; // a finished job wakes the loop; or go again at once if one already has
          if (nextDue) wait = Math.min(wait, nextDue.getTime() - this.clock.now().getTime());
        }
        outageDelay = 0;
      } catch (err) {
        if (isDbUnavailable(err)) {
          this.interrupted = true;
          if (this.health) this.health.reportFailure(err);
          else wait = outageDelay = Math.min(Math.max(outageDelay * 2, 1000), 30_000);
        } else {
          this.log.error({ err }, 'job worker error');
          wait = 1000;
        }
      }
      await this.sleep(wait);
    }
  }

  private dispatch(claimed: JobInfo[]) {
    const groups = new Map<string, JobInfo[]>();
    const units: JobInfo[][] = [];
    for (const j of claimed) {
      const h = this.handlers.get(j.type);
      if (h && 'batch' in h) {
        let g = groups.get(j.type);
        if (!g) groups.set(j.type, (g = []));
        if (!g.length) units.push(g);
        g.push(j);
      } else units.push([j]);
    }
    for (const unit of units) {
      this.inFlight += unit.length;
      const p: Promise<void> = this.execute(unit)
        .then((done) => {
          this.doneIds.push(...done);
        })
        .catch((err: unknown) => {
          // a failure could not be recorded (database gone): requeued when it is back
          this.interrupted = true;
          if (isDbUnavailable(err)) this.health?.reportFailure(err);
          else this.log.error({ err }, 'job worker error');
        })
        .finally(() => {
          this.inFlight -= unit.length;
          this.running.delete(p);
          // the next round marks it done (and, if the last claim filled every slot, claims more)
          this.wake();
        });
      this.running.add(p);
    }
  }

  async stop() {
    this.stopped = true;
    this.wake();
    await this.loopDone;
    this.loopDone = null;
    while (this.running.size) await Promise.allSettled([...this.running]);
    // the last done marks (if the database is gone they stay running, and are reclaimed later)
    const done = this.doneIds.splice(0);
    await this.markDone(done).catch((err: unknown) => this.log.warn({ err, jobs: done.length }, 'job queue: last done marks not written'));
    await this.notifying;
    await this.wakeTransport?.close();
  }

  /** After an outage: the jobs it cut off run again now, not after the lock timeout. */
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

  /**
   * Delete finished jobs past retention: done ones `retentionDays` after they finished, dead ones
   * after 90 days. Oldest first in batches, on the jobs_created index. Returns how many went.
   */
  async purgeFinished(): Promise<number> {
    const now = this.clock.now().getTime();
    const doneBefore = new Date(now - this.retentionDays * DAY);
    const deadBefore = new Date(now - DEAD_RETENTION_DAYS * DAY);
    let total = 0;
    for (;;) {
      const res = await this.db.execute(purgeQuery(doneBefore, deadBefore, PURGE_BATCH));
      const n = (res as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (res as unknown as { affectedRows?: number }).affectedRows ?? 0;
      total += n;
      if (n < PURGE_BATCH) break;
    }
    if (total) this.log.info({ deleted: total, retentionDays: this.retentionDays }, 'finished jobs purged');
    return total;
  }

  private schedulePurge(at: number) {
    const hour = Math.floor(at / HOUR) * HOUR;
    return this.enqueue(this.db, { type: PURGE_JOB, key: `${PURGE_JOB}:${hour}`, runAt: new Date(hour), maxAttempts: 20 });
  }

  /** Put the hourly purge of finished jobs in line, at the next full hour (idempotent per hour: every process may call it at start). */
  scheduleMaintenance(): Promise<void> {
    return this.schedulePurge(this.clock.now().getTime() + HOUR);
  }

  /** Admin: put a failed or dead job back in line now. */
  async retry(id: string): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ status: 'queued', runAt: this.clock.now(), maxAttempts: sql`greatest(${jobs.maxAttempts}, ${jobs.attempts} + 1)`, finishedAt: null })
      .where(and(eq(jobs.id, id), sql`${jobs.status} in ('failed','dead')`))
      .returning({ id: jobs.id });
    if (rows.length) this.jobDue(Date.now());
    return rows.length > 0;
  }

  /** 首页: failed (will retry) and dead jobs, counted on their partial index — never a scan of the jobs table. */
  async countProblemJobs(): Promise<{ failed: number; dead: number }> {
    const rows = rowsOf<{ status: string; n: number }>(await this.db.execute(problemCountQuery()));
    const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { failed: of('failed'), dead: of('dead') };
  }
}
