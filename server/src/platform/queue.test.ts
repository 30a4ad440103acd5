/**
 * The durable job queue (docs/decisions/0017-job-queue-kept-and-grown.md): idempotent by key, retry
 * with exponential backoff, dead after maxAttempts, manual retry, reclaim after a crashed worker's
 * lock timeout, several jobs in flight per worker, batch handlers, wake-up on a committed enqueue
 * (and across processes by NOTIFY on PostgreSQL), no busy idle loop, retention purge, and never the
 * same job in two workers — on PGlite, and on PostgreSQL with two connection pools (two
 * "processes") when TEST_DATABASE_URL is set. The claim, the reclaim and the problem counts use
 * their indexes (EXPLAIN).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql, type SQL } from 'drizzle-orm';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { jobs } from '../db/schema/index.js';
import { openSharedDatabase, type SharedDatabase } from '../test/shared-db.js';
import { Clock } from './clock.js';
import type { Db } from './db.js';
import { PgLiveTransport } from './live.js';
import { backoffMs, JobQueue, type QueueOptions } from './queue.js';
import { claimQuery, problemCountQuery, reclaimQuery } from './queue.sql.js';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const T0 = new Date('2026-11-24T02:00:00Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let shared: SharedDatabase;
let clock: Clock;
let q1: JobQueue;
let q2: JobQueue;
/** queues started by a test, stopped after it */
const started: JobQueue[] = [];
beforeAll(async () => {
  shared = await openSharedDatabase();
});
afterAll(async () => {
  await shared?.close();
});
beforeEach(async () => {
  await shared.a.db.delete(jobs);
  clock = new Clock('Asia/Shanghai');
  clock.set(T0);
  // two workers, as in two processes (on PostgreSQL: two separate pools)
  q1 = new JobQueue(shared.a.db, clock, log);
  q2 = new JobQueue(shared.b.db, clock, log);
});

afterEach(async () => {
  for (const q of started.splice(0)) await q.stop();
});

/** A queue on one of the two "processes", working in the background (real clock). */
function startWorker(which: 'a' | 'b', opts: QueueOptions = {}): JobQueue {
  const database = shared[which];
  const wake = database.pool ? new PgLiveTransport(database.pool, log, JobQueue.wakeChannel, 'job queue') : null;
  const q = new JobQueue(database.db, new Clock('Asia/Shanghai'), log, undefined, { wake, ...opts });
  started.push(q);
  return q;
}

/** Wait (bounded) until `done()` holds; the test fails on the assertion after it, never on time. */
async function until(done: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await done()) && Date.now() < end) await sleep(10);
}

const statusCounts = async () => {
  const rows = await shared.a.db.select({ status: jobs.status }).from(jobs);
  return rows.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
};

const jobByKey = async (key: string) => (await shared.a.db.select().from(jobs).where(eq(jobs.key, key)))[0]!;

describe('backoff', () => {
  it.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [8, 640_000],
    [20, 3_600_000],
  ])('attempt %i waits %i ms (doubling from 5 s, capped at 1 h)', (attempt, ms) => {
    expect(backoffMs(attempt)).toBe(ms);
  });
});

describe('JobQueue', () => {
  it('is idempotent by key, and a job exists only if its transaction committed', async () => {
    const seen: unknown[] = [];
    q1.register('t.idem', async (p) => void seen.push(p));
    await q1.enqueue(shared.a.db, { type: 't.idem', key: 'idem:1', payload: { n: 1 } });
    await shared.a.db.transaction((tx) => q1.enqueue(tx, { type: 't.idem', key: 'idem:1', payload: { n: 2 } }));
    await expect(
      shared.a.db.transaction(async (tx) => {
        await q1.enqueue(tx, { type: 't.idem', key: 'idem:rolled-back' });
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(await shared.a.db.select().from(jobs)).toHaveLength(1);
    expect(await q1.drain()).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
    // enqueuing the same key after it ran is still a no-op
    await q1.enqueue(shared.a.db, { type: 't.idem', key: 'idem:1', payload: { n: 3 } });
    expect(await q1.drain()).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('runs a job no earlier than its runAt', async () => {
    let ran = 0;
    q1.register('t.later', async () => void ran++);
    await q1.enqueue(shared.a.db, { type: 't.later', key: 'later:1', runAt: new Date(T0.getTime() + 60_000) });
    expect(await q1.drain()).toBe(0);
    clock.set(new Date(T0.getTime() + 60_000));
    expect(await q1.drain()).toBe(1);
    expect(ran).toBe(1);
  });

  it('retries a failed job with exponential backoff on the clock', async () => {
    let calls = 0;
    q1.register('t.flaky', async (_p, job) => {
      calls++;
      if (job.attempts <= 2) throw new Error(`boom ${job.attempts}`);
    });
    await q1.enqueue(shared.a.db, { type: 't.flaky', key: 'flaky:1' });

    expect(await q1.drain()).toBe(1);
    let j = await jobByKey('flaky:1');
    expect(j).toMatchObject({ status: 'failed', attempts: 1, lastError: 'boom 1', lockedBy: null });
    expect(j.runAt.getTime()).toBe(T0.getTime() + 5_000);

    clock.set(new Date(T0.getTime() + 4_999));
    expect(await q1.drain()).toBe(0);
    clock.set(new Date(T0.getTime() + 5_000));
    expect(await q1.drain()).toBe(1);
    j = await jobByKey('flaky:1');
    expect(j).toMatchObject({ status: 'failed', attempts: 2, lastError: 'boom 2' });
    expect(j.runAt.getTime()).toBe(T0.getTime() + 5_000 + 10_000);

    clock.set(new Date(T0.getTime() + 14_999));
    expect(await q2.drain()).toBe(0);
    clock.set(new Date(T0.getTime() + 15_000));
    q2.register('t.flaky', async () => void calls++); // any worker may pick up the retry
    expect(await q2.drain()).toBe(1);
    j = await jobByKey('flaky:1');
    expect(j).toMatchObject({ status: 'done', attempts: 3, lastError: null });
    expect(j.finishedAt!.getTime()).toBe(T0.getTime() + 15_000);
    expect(calls).toBe(3);
  });

  it('gives up after maxAttempts: the job is dead and is not run again', async () => {
    let calls = 0;
    q1.register('t.doomed', async () => {
      calls++;
      throw new Error('always');
    });
    await q1.enqueue(shared.a.db, { type: 't.doomed', key: 'doomed:1', maxAttempts: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await q1.drain()).toBe(1);
      clock.advance(backoffMs(i + 1));
    }
    const j = await jobByKey('doomed:1');
    expect(j).toMatchObject({ status: 'dead', attempts: 3, lastError: 'always' });
    expect(j.finishedAt).not.toBeNull();
    clock.advance(7 * 24 * 3600_000);
    expect(await q1.drain()).toBe(0);
    expect(calls).toBe(3);
  });

  it('a job of a type nobody handles fails (and is retried later) rather than vanishing', async () => {
    await q1.enqueue(shared.a.db, { type: 't.unknown', key: 'unknown:1' });
    expect(await q1.drain()).toBe(1);
    expect(await jobByKey('unknown:1')).toMatchObject({ status: 'failed', lastError: 'no handler for job type t.unknown' });
  });

  it('manual retry puts a dead or failed job back in line now, with one more attempt allowed', async () => {
    let fail = true;
    q1.register('t.manual', async () => {
      if (fail) throw new Error('down');
    });
    await q1.enqueue(shared.a.db, { type: 't.manual', key: 'manual:1', maxAttempts: 1 });
    await q1.drain();
    const dead = await jobByKey('manual:1');
    expect(dead.status).toBe('dead');

    fail = false;
    clock.advance(60_000);
    expect(await q1.retry(dead.id)).toBe(true);
    const queued = await jobByKey('manual:1');
    expect(queued).toMatchObject({ status: 'queued', maxAttempts: 2, finishedAt: null });
    expect(queued.runAt.getTime()).toBe(clock.now().getTime());
    expect(await q1.drain()).toBe(1);
    expect(await jobByKey('manual:1')).toMatchObject({ status: 'done', attempts: 2 });

    // only failed or dead jobs can be retried
    expect(await q1.retry(dead.id)).toBe(false);
    expect(await q1.retry('018f0000-0000-7000-8000-000000000000')).toBe(false);

    // a failed one (still within its attempts) can be pulled forward too
    fail = true;
    await q1.enqueue(shared.a.db, { type: 't.manual', key: 'manual:2' });
    await q1.drain();
    const failed = await jobByKey('manual:2');
    expect(failed.status).toBe('failed');
    expect(await q1.drain()).toBe(0); // waiting for its backoff
    fail = false;
    expect(await q1.retry(failed.id)).toBe(true);
    expect(await q1.drain()).toBe(1);
    expect((await jobByKey('manual:2')).status).toBe('done');
  });

  it("reclaims a crashed worker's job after the 5-minute lock timeout, not before", async () => {
    let release!: () => void;
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    q1.register('t.crash', () => {
      entered();
      return new Promise<void>((r) => (release = r)); // the worker "hangs" mid-job
    });
    const ranBy: string[] = [];
    q2.register('t.crash', async (_p, job) => void ranBy.push(`q2 attempt ${job.attempts}`));
    await q1.enqueue(shared.a.db, { type: 't.crash', key: 'crash:1' });

    const stuck = q1.runOne();
    await inHandler;
    expect(await jobByKey('crash:1')).toMatchObject({ status: 'running', lockedBy: q1.workerId, attempts: 1 });

    expect(await q2.runOne()).toBe(false);
    clock.advance(5 * 60_000 - 1_000);
    expect(await q2.runOne()).toBe(false);
    clock.advance(2_000);
    expect(await q2.runOne()).toBe(true);
    expect(ranBy).toEqual(['q2 attempt 2']);
    expect(await jobByKey('crash:1')).toMatchObject({ status: 'done', attempts: 2 });

    // the first worker comes back to life and finishes: it no longer holds the job, nothing changes
    release();
    await stuck;
    expect(await jobByKey('crash:1')).toMatchObject({ status: 'done', attempts: 2, lockedBy: null });
  });

  it('a job left running with no attempts left is dead after the lock timeout, with the reason', async () => {
    q1.register('t.once', () => new Promise<void>(() => {})); // never finishes
    await q1.enqueue(shared.a.db, { type: 't.once', key: 'once:1', maxAttempts: 1 });
    void q1.runOne();
    await until(async () => (await jobByKey('once:1')).status === 'running');
    clock.advance(5 * 60_000 + 1);
    await q2.reclaimStale();
    expect(await jobByKey('once:1')).toMatchObject({ status: 'dead', lockedBy: null, lastError: 'the worker running it stopped (lock timeout)' });
    expect(await q2.drain()).toBe(0);
  });

  it('two workers running concurrently never run the same job', async () => {
    const N = 200;
    const runs = new Map<string, number>();
    const by = { q1: 0, q2: 0 };
    const handler = (who: 'q1' | 'q2') => async (_p: unknown, job: { key: string }) => {
      runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
      by[who]++;
      await sleep(Math.random() * 3);
    };
    q1.register('t.many', handler('q1'));
    q2.register('t.many', handler('q2'));
    await shared.a.db.transaction(async (tx) => {
      for (let i = 0; i < N; i++) await q1.enqueue(tx, { type: 't.many', key: `many:${i}` });
    });

    // several loops per worker, so claims really race (on PostgreSQL over separate connections)
    const ran = await Promise.all([q1.drain(), q1.drain(), q2.drain(), q2.drain()]);
    expect(ran.reduce((x, y) => x + y, 0)).toBe(N);
    expect(runs.size).toBe(N);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(by.q1).toBeGreaterThan(0);
    expect(by.q2).toBeGreaterThan(0);
    const done = await shared.a.db.select({ status: jobs.status, attempts: jobs.attempts }).from(jobs);
    expect(done.filter((j) => j.status === 'done' && j.attempts === 1)).toHaveLength(N);
  });

  it('start() works ready jobs in the background and stop() waits for the current one', async () => {
    let ran = 0;
    const q = startWorker('a');
    q.register('t.bg', async () => {
      await sleep(20);
      ran++;
    });
    await q.enqueue(shared.a.db, { type: 't.bg', key: 'bg:1' });
    q.start();
    await until(() => ran === 1);
    await q.stop();
    expect(ran).toBe(1);
    expect((await jobByKey('bg:1')).status).toBe('done');
  });

  it('runs up to `concurrency` jobs at once in one worker', async () => {
    const N = 4;
    let inFlight = 0;
    let most = 0;
    let entered = 0;
    const q = startWorker('a', { concurrency: N });
    q.register('t.together', async () => {
      inFlight++;
      entered++;
      most = Math.max(most, inFlight);
      await until(() => entered >= N, 5_000); // each waits for the others: only N at once gets past this quickly
      inFlight--;
    });
    await shared.a.db.transaction(async (tx) => {
      for (let i = 0; i < N; i++) await q.enqueue(tx, { type: 't.together', key: `together:${i}` });
    });
    q.start();
    await until(async () => (await statusCounts()).done === N);
    expect(most).toBe(N);
    expect(await statusCounts()).toEqual({ done: N });
  });

  it('several workers with a concurrency of 8 each run every job exactly once', async () => {
    const N = 600;
    const runs = new Map<string, number>();
    const workers = [startWorker('a', { concurrency: 8 }), startWorker('b', { concurrency: 8 }), startWorker('b', { concurrency: 8 })];
    const by = workers.map(() => 0);
    workers.forEach((w, i) =>
      w.register('t.once-each', async (_p, job) => {
        runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
        by[i]!++;
        if (Math.random() < 0.2) await sleep(Math.random() * 3);
      }),
    );
    for (const w of workers) w.start();
    // enqueued while they work, in transactions of 50 from both "processes"
    for (let t = 0; t < N / 50; t++) {
      const [db, q] = t % 2 ? [shared.a.db, workers[0]!] : [shared.b.db, workers[1]!];
      await db.transaction(async (tx) => {
        for (let i = 0; i < 50; i++) await q.enqueue(tx, { type: 't.once-each', key: `once-each:${t * 50 + i}` });
      });
    }
    await until(async () => (await statusCounts()).done === N, 60_000);
    expect(await statusCounts()).toEqual({ done: N });
    expect(runs.size).toBe(N);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    if (shared.kind === 'postgres') expect(by.filter((n) => n > 0).length).toBeGreaterThan(1);
    const attempts = await shared.a.db.select({ attempts: jobs.attempts }).from(jobs);
    expect(attempts.every((j) => j.attempts === 1)).toBe(true);
  });

  it('a batch handler gets the claimed jobs of its type in one call; it can fail some of them', async () => {
    const calls: string[][] = [];
    const q = startWorker('a', { concurrency: 10 });
    q.registerBatch('t.batch', async (js) => {
      calls.push(js.map((j) => j.key));
      return new Map(js.filter((j) => j.payload.bad).map((j) => [j.id, new Error('bad one')]));
    });
    await shared.a.db.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await q.enqueue(tx, { type: 't.batch', key: `batch:${i}`, payload: { bad: i === 3 } });
    });
    q.start();
    await until(async () => (await statusCounts()).done === 9);
    await q.stop();
    expect(calls.flat().sort()).toEqual(Array.from({ length: 10 }, (_x, i) => `batch:${i}`).sort());
    expect(calls.length).toBeLessThan(10); // several jobs per call
    expect(await jobByKey('batch:3')).toMatchObject({ status: 'failed', lastError: 'bad one', attempts: 1 });
    expect(await statusCounts()).toEqual({ done: 9, failed: 1 });
  });

  it('an idle worker sleeps: a committed enqueue wakes it (on PostgreSQL from another process too), a job due later runs when due', async () => {
    const ran: string[] = [];
    // an idle poll far longer than the test: only a wake-up or the next-due timer can run these jobs
    const worker = startWorker('b', { idlePollMs: 10 * 60_000 });
    worker.register('t.wake', async (_p, job) => void ran.push(job.key));
    let claims = 0;
    const db = shared.b.db as Db;
    const execute = db.execute.bind(db);
    db.execute = ((q: SQL) => {
      claims++;
      return execute(q);
    }) as Db['execute'];
    try {
      worker.start();
      await sleep(1_000);
      // idle for a second: a handful of statements (claim, reclaim), not a loop
      expect(claims).toBeLessThan(5);

      // the enqueuing side: another "process" on PostgreSQL (its NOTIFY wakes the worker), this one on PGlite
      const sender = shared.kind === 'postgres' ? startWorker('a') : worker;
      if (sender !== worker) sender.wrapTransactions(shared.a.db);
      else worker.wrapTransactions(shared.b.db);
      const senderDb = sender === worker ? shared.b.db : shared.a.db;
      await senderDb.transaction((tx) => sender.enqueue(tx, { type: 't.wake', key: 'wake:now' }));
      await until(() => ran.includes('wake:now'));
      expect(ran).toEqual(['wake:now']);

      await sender.enqueue(senderDb, { type: 't.wake', key: 'wake:soon', runAt: new Date(Date.now() + 300) });
      await until(() => ran.includes('wake:soon'));
      expect(ran).toEqual(['wake:now', 'wake:soon']);
    } finally {
      db.execute = execute as Db['execute'];
    }
  });

  it('a worker stopped and started again is woken again (on PostgreSQL: it listens again)', async () => {
    const ran: string[] = [];
    const worker = startWorker('b', { idlePollMs: 10 * 60_000 });
    worker.register('t.again', async (_p, job) => void ran.push(job.key));
    worker.start();
    await sleep(300);
    await worker.stop();
    worker.start();
    await sleep(500);
    const sender = shared.kind === 'postgres' ? startWorker('a') : worker;
    await sender.enqueue(sender === worker ? shared.b.db : shared.a.db, { type: 't.again', key: 'again:1' });
    await until(() => ran.length > 0);
    expect(ran).toEqual(['again:1']);
  });

  it('purges done jobs after the retention period and dead ones after 90 days; nothing else', async () => {
    const q = new JobQueue(shared.a.db, clock, log, undefined, { retentionDays: 14 });
    const day = 24 * 3600_000;
    const at = (days: number) => new Date(T0.getTime() - days * day);
    const row = (key: string, status: string, finishedDaysAgo: number | null, createdDaysAgo: number) => ({
      id: crypto.randomUUID(),
      type: 't.old',
      key,
      status,
      createdAt: at(createdDaysAgo),
      runAt: at(createdDaysAgo),
      finishedAt: finishedDaysAgo === null ? null : at(finishedDaysAgo),
    });
    await shared.a.db.insert(jobs).values([
      row('done-15d', 'done', 15, 15),
      row('done-13d', 'done', 13, 30), // created long ago, finished within retention: kept
      row('dead-30d', 'dead', 30, 30),
      row('dead-91d', 'dead', 91, 100),
      row('failed-40d', 'failed', null, 40),
      row('queued-40d', 'queued', null, 40),
    ]);
    expect(await q.purgeFinished()).toBe(2);
    const left = (await shared.a.db.select({ key: jobs.key }).from(jobs)).map((r) => r.key).sort();
    expect(left).toEqual(['dead-30d', 'done-13d', 'failed-40d', 'queued-40d']);
  });

  it('the hourly purge job is scheduled at the next hour and schedules the one after', async () => {
    await q1.scheduleMaintenance();
    await q1.scheduleMaintenance(); // every process does at start: one job
    const [first] = await shared.a.db.select().from(jobs);
    expect(first).toMatchObject({ type: 'jobs.purge', status: 'queued' });
    expect(first!.runAt.toISOString()).toBe('2026-11-24T03:00:00.000Z');
    expect(await q1.drain()).toBe(0);
    clock.set(new Date('2026-11-24T03:00:00Z'));
    expect(await q1.drain()).toBe(1);
    const next = (await shared.a.db.select().from(jobs).where(eq(jobs.status, 'queued')))[0]!;
    expect(next.runAt.toISOString()).toBe('2026-11-24T04:00:00.000Z');
  });

  it('counts failed and dead jobs', async () => {
    q1.register('t.count', async () => {
      throw new Error('no');
    });
    await q1.enqueue(shared.a.db, { type: 't.count', key: 'count:1', maxAttempts: 1 });
    await q1.enqueue(shared.a.db, { type: 't.count', key: 'count:2', maxAttempts: 2 });
    await q1.enqueue(shared.a.db, { type: 't.none', key: 'count:3', runAt: new Date(T0.getTime() + 60_000) });
    await q1.drain();
    expect(await q1.countProblemJobs()).toEqual({ failed: 1, dead: 1 });
  });
});

describe('query plans (EXPLAIN) with 20,000 finished jobs in the table', () => {
  beforeEach(async () => {
    await shared.a.db.execute(sql`
      insert into jobs (id, type, key, status, attempts, run_at, created_at, finished_at)
      select gen_random_uuid(), 't.hist', 'hist:' || g, 'done', 1, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
      from generate_series(1, 20000) g`);
    await shared.a.db.execute(sql`insert into jobs (id, type, key, status) values (gen_random_uuid(), 't.ready', 'ready:1', 'queued')`);
    await shared.a.db.execute(sql`analyze jobs`);
  });
  const plan = async (q: SQL) => {
    const res = (await shared.a.db.execute(sql`explain ${q}`)) as unknown as { rows: Array<Record<string, string>> };
    return res.rows.map((r) => Object.values(r)[0]).join('\n');
  };

  it('the claim reads the jobs_ready index, not the table; the done marks it carries, the primary key', async () => {
    const p = await plan(claimQuery(new Date(), 8, 'w-test'));
    expect(p).toMatch(/Index (Only )?Scan using jobs_ready/);
    expect(p).not.toMatch(/Seq Scan on jobs/);
    const withDone = await plan(claimQuery(new Date(), 8, 'w-test', [crypto.randomUUID(), crypto.randomUUID()]));
    expect(withDone).toMatch(/Index (Only )?Scan using jobs_ready/);
    expect(withDone).toMatch(/Index Scan using jobs_pkey|Bitmap Index Scan on jobs_pkey/);
    expect(withDone).not.toMatch(/Seq Scan on jobs/);
  });

  it('the stale-lock reclaim reads the jobs_running index', async () => {
    const p = await plan(reclaimQuery(new Date()));
    expect(p).toMatch(/Index (Only )?Scan using jobs_running|Bitmap Index Scan on jobs_running/);
    expect(p).not.toMatch(/Seq Scan on jobs/);
  });

  it('counting failed and dead jobs reads the jobs_failed_dead index', async () => {
    const p = await plan(problemCountQuery());
    expect(p).toMatch(/jobs_failed_dead/);
    expect(p).not.toMatch(/Seq Scan on jobs/);
  });
});
