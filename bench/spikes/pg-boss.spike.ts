/**
 * The spike behind docs/decisions/0017-job-queue-kept-and-grown.md: does pg-boss 10.4 meet issue 13's
 * queue goals, on PostgreSQL and in-process on PGlite, joining a Drizzle transaction?
 *
 *   npm i --no-save pg-boss@10.4.2     # not a dependency of the project: only this spike uses it
 *   node --import tsx bench/spikes/pg-boss.spike.ts
 *
 * Scale: SPIKE_HISTORIC (default 1,000,000 completed jobs), SPIKE_JOBS (default 5,000 jobs per
 * measurement). PostgreSQL from BENCH_DATABASE_URL (default the local server; a scratch database is
 * created and dropped).
 *
 * What it prints:
 * 1. PGlite in-process: pg-boss installs its schema, sends, works and completes a job through a
 *    bring-your-own `db` ({ executeSql }) over the PGlite instance, no socket server;
 * 2. a send through `{ db }` inside a Drizzle transaction, on PGlite and on PostgreSQL: rolled back →
 *    no job, committed → one job;
 * 3. jobs/s per process with no-op handlers on PostgreSQL with 1,000 and with 1,000,000 completed
 *    jobs in the job table, for the worker settings pg-boss offers (batch size, several work() calls,
 *    the 0.5 s minimum polling interval).
 */
import { createScratchDatabase } from '../../server/src/db/scratch.js';
import { openDatabase, type Db } from '../../server/src/platform/db.js';

type Row = Record<string, unknown>;
type ExecuteSql = (text: string, values?: unknown[]) => Promise<{ rows: Row[] }>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const PgBoss: any = (await import(process.env.PGBOSS_MODULE ?? 'pg-boss')).default;
const HISTORIC = Number(process.env.SPIKE_HISTORIC ?? 1_000_000);
const JOBS = Number(process.env.SPIKE_JOBS ?? 5_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The transaction's own driver client (node-postgres PoolClient or PGlite Transaction), both with
 * `query(text, values)`: pg-boss reuses a parameter ($5 three times in its insert), so its text cannot
 * be re-expressed as a Drizzle SQL object (each use would become a parameter of its own type).
 * Reaching `session.client` is Drizzle internals — what an adapter would have to rely on.
 */
const drizzleExecutor = (tx: unknown): { executeSql: ExecuteSql } => ({
  executeSql: (text, values) => (tx as { session: { client: { query: ExecuteSql } } }).session.client.query(text, values),
});

async function pgliteInProcess() {
  const database = await openDatabase({ memory: true });
  const client = (database.db as unknown as { $client: { query: (t: string, v?: unknown[]) => Promise<{ rows: Row[] }>; exec: (t: string) => Promise<Array<{ rows: Row[] }>> } }).$client;
  // pg-boss sends its schema as one multi-statement string (BEGIN; … COMMIT;) without values: PGlite's exec
  const executeSql: ExecuteSql = async (text, values) => {
    if (values === undefined && text.includes(';')) {
      const rs = await client.exec(text);
      return rs[rs.length - 1] ?? { rows: [] };
    }
    return client.query(text, values);
  };
  const boss = new PgBoss({ db: { executeSql }, schedule: false, supervise: true });
  boss.on('error', (e: Error) => console.log('  pg-boss error on PGlite:', e.message));
  await boss.start();
  await boss.createQueue('spike');
  let ran = 0;
  await boss.work('spike', { pollingIntervalSeconds: 0.5 }, async () => void ran++);
  const id = await boss.send('spike', { n: 1 });
  for (let i = 0; i < 100 && ran === 0; i++) await sleep(50);
  await sleep(200);
  const job = await boss.getJobById('spike', id);
  console.log(`1. PGlite in-process: pg-boss ${ran === 1 && job?.state === 'completed' ? 'installed its schema, sent, worked and completed a job' : `FAILED (ran ${ran}, state ${job?.state})`}`);
  await inTransaction('PGlite', database.db, boss);
  await boss.stop({ graceful: false, wait: true });
  await database.close();
}

async function inTransaction(where: string, db: Db, boss: { send: (n: string, d: object, o: object) => Promise<string | null>; getJobById: (n: string, id: string) => Promise<Row | null> }) {
  let rolledBackId: string | null = null;
  await db
    .transaction(async (tx) => {
      rolledBackId = await boss.send('spike', { n: 2 }, { db: drizzleExecutor(tx) });
      throw new Error('rollback');
    })
    .catch(() => {});
  let committedId: string | null = null;
  await db.transaction(async (tx) => {
    committedId = await boss.send('spike', { n: 3 }, { db: drizzleExecutor(tx), startAfter: 3600 });
  });
  const rolledBack = rolledBackId ? await boss.getJobById('spike', rolledBackId) : null;
  const committed = committedId ? await boss.getJobById('spike', committedId) : null;
  console.log(`2. ${where}: send({ db }) inside a Drizzle transaction — rolled back: ${rolledBack ? 'job EXISTS (wrong)' : 'no job'}; committed: ${committed ? 'one job' : 'NO job (wrong)'}`);
}

async function postgres() {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await createScratchDatabase(server, 'sg_spike_pgboss');
  const database = await openDatabase({ url: scratch.url, poolMax: 10 });
  const pool = database.pool!;
  try {
    const boss = new PgBoss({ connectionString: scratch.url, max: 10, schedule: false, supervise: false });
    boss.on('error', (e: Error) => console.log('  pg-boss error:', e.message));
    await boss.start();
    await boss.createQueue('spike');
    await inTransaction('PostgreSQL', database.db, boss);
    await boss.createQueue('noop');

    const settings: Array<{ label: string; batchSize: number; workers: number; polling: number }> = [
      { label: 'batchSize 1, 1 work()', batchSize: 1, workers: 1, polling: 0.5 },
      { label: 'batchSize 1, 8 work() calls', batchSize: 1, workers: 8, polling: 0.5 },
      { label: 'batchSize 50, 1 work()', batchSize: 50, workers: 1, polling: 0.5 },
      { label: 'batchSize 100, 4 work() calls', batchSize: 100, workers: 4, polling: 0.5 },
    ];
    const historicCounts = [1_000, HISTORIC];
    let loaded = 0;
    for (const historic of historicCounts) {
      // completed jobs in the job table (pg-boss moves them to its archive after archiveCompletedAfterSeconds, 12 h by default)
      const t0 = Date.now();
      await pool.query(
        `insert into pgboss.job (id, name, state, data, created_on, started_on, completed_on, keep_until)
         select gen_random_uuid(), 'noop', 'completed', '{}'::jsonb, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now() + interval '14 days'
         from generate_series(1, $1) g`,
        [historic - loaded],
      );
      loaded = historic;
      await pool.query('analyze pgboss.job');
      console.log(`\n3. PostgreSQL, ${historic.toLocaleString()} completed jobs in pgboss.job (loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s), ${JOBS.toLocaleString()} no-op jobs per setting:`);
      for (const s of settings) {
        // a slow setting is measured on fewer jobs (its rate is what matters)
        const n = s.batchSize * s.workers < 50 ? Math.min(JOBS, 200) : JOBS;
        await boss.insert(Array.from({ length: n }, () => ({ name: 'noop', data: {} })));
        let done = 0;
        const t = performance.now();
        const ids: string[] = [];
        for (let w = 0; w < s.workers; w++) {
          ids.push(
            await boss.work('noop', { batchSize: s.batchSize, pollingIntervalSeconds: s.polling }, async (jobs: unknown[]) => {
              done += jobs.length;
            }),
          );
        }
        while (done < n && performance.now() - t < 120_000) await sleep(5);
        const secs = (performance.now() - t) / 1000;
        for (const id of ids) await boss.offWork({ id });
        await sleep(1200);
        const left = (await pool.query(`select count(*)::int as n from pgboss.job where name = 'noop' and state < 'active'`)).rows[0].n;
        console.log(`   ${s.label.padEnd(32)} ${(done / secs).toFixed(0).padStart(6)} jobs/s  (${done} in ${secs.toFixed(1)} s${left ? `, ${left} left` : ''})`);
        if (left) await pool.query(`delete from pgboss.job where name = 'noop' and state < 'active'`);
      }
      const plan = (await pool.query(`explain ${PgBoss.getConstructionPlans ? '' : ''}select id from pgboss.job where name = 'noop' and state < 'active' and start_after < now() order by priority desc, created_on, id limit 1 for update skip locked`)).rows
        .map((r: Row) => r['QUERY PLAN'])
        .join(' / ');
      console.log(`   fetch plan: ${plan}`);
    }
    await boss.stop({ graceful: false, wait: true });
  } finally {
    await database.close();
    await scratch.drop();
  }
}

await pgliteInProcess();
await postgres();
process.exit(0);
