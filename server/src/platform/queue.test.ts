/**
 * The durable job queue (docs/decisions/0002-job-queue.md): idempotent by key, retry with
 * exponential backoff, dead after maxAttempts, manual retry, reclaim after a crashed worker's lock
 * timeout, and never the same job in two workers — on PGlite, and on PostgreSQL with two
 * connection pools (two "processes") when TEST_DATABASE_URL is set.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { jobs } from '../db/schema/index.js';
import { openSharedDatabase, type SharedDatabase } from '../test/shared-db.js';
import { Clock } from './clock.js';
import { backoffMs, JobQueue } from './queue.js';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const T0 = new Date('2026-11-24T02:00:00Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let shared: SharedDatabase;
let clock: Clock;
let q1: JobQueue;
let q2: JobQueue;
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

    release();
    await stuck;
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
    clock.set(null);
    let ran = 0;
    q1.register('t.bg', async () => {
      await sleep(20);
      ran++;
    });
    await q1.enqueue(shared.a.db, { type: 't.bg', key: 'bg:1' });
    q1.start(10);
    for (let i = 0; i < 200 && ran === 0; i++) await sleep(10);
    await q1.stop();
    expect(ran).toBe(1);
    expect((await jobByKey('bg:1')).status).toBe('done');
  });
});
