/**
 * Job queue benchmark (issue 13), on PostgreSQL (BENCH_DATABASE_URL, default the local server; a
 * scratch database is made and dropped): job claims per second in one process with no-op handlers,
 * with 1,000 and with 1,000,000 finished jobs in the jobs table (the P4 data set's jobs).
 *
 * Each measurement puts BENCH_QUEUE_JOBS ready no-op jobs in the table (one INSERT … SELECT), starts one
 * worker (JobQueue.start(), BENCH_JOB_CONCURRENCY jobs in flight) and times it until every job has
 * run; then it is stopped (the last completions written) and every job is checked done. Baseline in
 * the same run: bare `SELECT 1` round trips per second on one connection of the same pool, and for
 * "flat", the 1,000-job figure of the same run. The 1,000,000 finished jobs are loaded with one
 * INSERT … SELECT generate_series.
 *
 *   npm run bench -- (all)   or   node --import tsx bench/jobs.bench.ts
 *   BENCH_QUEUE_JOBS (20000 per measurement) · BENCH_JOBS (1000000 finished, as the P4 set) ·
 *   BENCH_JOB_CONCURRENCY (8) · BENCH_RUNS (3)
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyBaseLogger } from 'fastify';
import { createScratchDatabase } from '../server/src/db/scratch.js';
import { openDatabase } from '../server/src/platform/db.js';
import { Clock } from '../server/src/platform/clock.js';
import { PgLiveTransport } from '../server/src/platform/live.js';
import { JobQueue } from '../server/src/platform/queue.js';
import { claimQuery } from '../server/src/platform/queue.sql.js';
import { RUNS, stats, writeSection, type Figure } from './lib/report.js';

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 20_000);
/** finished jobs in the table, as bench/lib/dataset.ts's P4 set (BENCH_JOBS) */
const HISTORIC = Number(process.env.BENCH_JOBS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_JOB_CONCURRENCY ?? 8);
const GOAL = 500;
const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`);
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await createScratchDatabase(server, 'sg_bench_jobs');
  const database = await openDatabase({ url: scratch.url, poolMax: CONCURRENCY + 2 });
  const pool = database.pool!;
  pool.on('error', () => {});
  const load0 = os.loadavg()[0]!;
  try {
    await database.migrate();
    const clock = new Clock('Asia/Shanghai');

    // statements sent through the pool (Drizzle's non-transaction queries go through pool.query)
    let statements = 0;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof pool.query>) => {
      statements++;
      return (query as (...a: unknown[]) => unknown)(...args);
    }) as typeof pool.query;

    /** bare round trips on one connection for `ms`: per second */
    const selectOne = async (ms: number) => {
      const c = await pool.connect();
      try {
        let n = 0;
        const end = performance.now() + ms;
        while (performance.now() < end) {
          await c.query('select 1');
          n++;
        }
        return n / (ms / 1000);
      } finally {
        c.release();
      }
    };

    /** one measurement: JOBS ready no-op jobs, one worker, until all ran */
    const claimRate = async (label: string) => {
      // as the app makes them: time-ordered ids (uuid v7) and keys naming an event of a recent order
      const ids = Array.from({ length: JOBS }, () => uuidv7());
      await pool.query(
        `insert into jobs (id, type, key, payload)
         select id, 'bench.noop', 'bench.noop:order_submitted:' || id || ':1390000' || lpad((n % 10000)::text, 4, '0'), '{}'::jsonb
         from unnest($1::uuid[]) with ordinality as x(id, n)`,
        [ids],
      );
      let ran = 0;
      let allRan!: () => void;
      const finished = new Promise<void>((r) => (allRan = r));
      const q = new JobQueue(database.db, clock, log, undefined, { concurrency: CONCURRENCY, wake: new PgLiveTransport(pool, log, JobQueue.wakeChannel, 'job queue') });
      q.register('bench.noop', async () => {
        if (++ran === JOBS) allRan();
      });
      const s0 = statements;
      const t0 = performance.now();
      q.start();
      await finished;
      const secs = (performance.now() - t0) / 1000;
      await q.stop();
      const perJob = (statements - s0) / JOBS;
      const { rows } = await query(`select count(*)::int as n from jobs where type = 'bench.noop' and status <> 'done'`);
      if (rows[0].n !== 0) throw new Error(`${rows[0].n} jobs not done after the run`);
      await query(`delete from jobs where type = 'bench.noop'`);
      const rate = JOBS / secs;
      console.log(`  ${label}: ${rate.toFixed(0)} jobs/s (${JOBS} in ${secs.toFixed(2)} s, ${perJob.toFixed(2)} statements per job)`);
      return { rate, perJob };
    };

    const historic = async (n: number) => {
      const { rows } = await query(`select count(*)::int as n from jobs`);
      const add = n - rows[0].n;
      const t = performance.now();
      if (add > 0)
        await query(
          `insert into jobs (id, type, key, payload, status, attempts, run_at, created_at, finished_at)
           select gen_random_uuid(), 'bench.old', 'old:' || g, '{"orderId":"00000000-0000-0000-0000-000000000000"}'::jsonb, 'done', 1,
                  now() - (g % 14 || ' days')::interval, now() - (g % 14 || ' days')::interval, now() - (g % 14 || ' days')::interval
           from generate_series($1::int + 1, $2::int) g`,
          [rows[0].n, n],
        );
      // as a table in use looks: statistics and visibility map settled, the load's own writes checkpointed
      await query('vacuum analyze jobs');
      await query('checkpoint');
      console.log(`\n  ${n.toLocaleString()} finished jobs in the table (loaded in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    };

    console.log(`Job queue benchmark — PostgreSQL, ${os.cpus().length} cores, load ${load0.toFixed(1)}, concurrency ${CONCURRENCY}, ${JOBS.toLocaleString()} jobs per measurement, ${RUNS} runs`);
    const hk = size(HISTORIC);
    const small: number[] = [];
    const big: number[] = [];
    const base: number[] = [];
    const perJob: number[] = [];
    await historic(1_000);
    await claimRate('1k warm-up (not counted)');
    for (let r = 0; r < RUNS; r++) {
      base.push(await selectOne(1000));
      const m = await claimRate(`1k run ${r + 1}`);
      small.push(m.rate);
      perJob.push(m.perJob);
    }
    await historic(HISTORIC);
    await claimRate(`${hk} warm-up (not counted)`);
    for (let r = 0; r < RUNS; r++) {
      base.push(await selectOne(1000));
      const m = await claimRate(`${hk} run ${r + 1}`);
      big.push(m.rate);
      perJob.push(m.perJob);
    }
    const planRows = ((await database.db.execute(sql`explain ${claimQuery(new Date(), CONCURRENCY, 'w')}`)) as unknown as { rows: Array<Record<string, string>> }).rows;
    const plan = planRows.map((r) => r['QUERY PLAN']!.trim()).filter((l) => /Scan/.test(l)).join('; ');

    const baseline = `SELECT 1 on one connection: ${stats(base).median.toFixed(0)} round trips/s`;
    const figures: Figure[] = [
      {
        subject: `job claims, no-op handlers, 1 k finished jobs in the table (one process, concurrency ${CONCURRENCY})`,
        baseline,
        values: small,
        unit: 'jobs/s',
        goal: `≥ ${GOAL}`,
        met: (m) => m >= GOAL,
        note: `${stats(perJob).median.toFixed(2)} statements per job (one per round: the done marks of the jobs finished since the last round and the claim of up to ${CONCURRENCY}; the reclaim once a minute)`,
      },
      {
        subject: `job claims, no-op handlers, ${hk} finished jobs in the table`,
        baseline,
        values: big,
        unit: 'jobs/s',
        goal: `≥ ${GOAL}`,
        met: (m) => m >= GOAL,
        note: `claim plan: ${plan}`,
      },
      {
        subject: `flat: claims with ${hk} finished jobs ÷ with 1 k`,
        baseline: `1 k figure of the same run: ${stats(small).median.toFixed(0)} jobs/s`,
        values: big.map((b, i) => b / small[i]!),
        unit: 'ratio',
        goal: '≥ 0.80',
        met: (m) => m >= 0.8,
      },
    ];
    writeSection(
      'jobs',
      'Job queue: claims per second per process (issue 13)',
      figures,
      `PostgreSQL scratch database; ${JOBS.toLocaleString()} ready no-op jobs per measurement, one JobQueue (concurrency ${CONCURRENCY}) started and timed until all ran, then stopped and every job checked done; one warm-up measurement (not counted) after each load. Finished jobs loaded with one INSERT … SELECT generate_series and VACUUM ANALYZE. Load average at start ${load0.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)} (the machine is shared). \`node --import tsx bench/jobs.bench.ts\` (BENCH_QUEUE_JOBS, BENCH_JOBS, BENCH_JOB_CONCURRENCY, BENCH_RUNS).`,
    );
  } finally {
    await database.close();
    await scratch.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
