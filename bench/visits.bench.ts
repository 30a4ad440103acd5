/**
 * Visits benchmarks (issue #4), on PostgreSQL (BENCH_DATABASE_URL, default the local server):
 * 1. appointment submission through the full API (session, validation, one transaction with order,
 *    transitions, audit and notification job) as a ratio against a pgbench-style loop running the
 *    same core SQL statements directly through `pg` in this process, at the same concurrency;
 * 2. 我的预约 list latency (GET /api/visits/mine) with 1,000,000 orders and 200,000 visitors loaded:
 *    p50/p95, plus the query plans of the list query (index scans expected).
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/platform/config.js';
import { openDatabase } from '../server/src/platform/db.js';
import { createScratchDatabase } from '../server/src/db/scratch.js';
import { sessions, staff, units, visitors } from '../server/src/db/schema/index.js';
import { sha256 } from '../server/src/platform/crypto.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const VISITORS = Number(process.env.BENCH_VISITORS ?? 200_000);

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await createScratchDatabase(server, 'sg_bench_visits');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-v-'));
  const config = loadConfig({}, {
    NODE_ENV: 'production',
    ALLOW_OUTBOX_IN_PRODUCTION: 'true', // a benchmark sends no SMS
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    DEMO_DATA: 'false',
    DATABASE_URL: scratch.url,
    DATABASE_POOL_MAX: String(CONNECTIONS),
  } as never);
  const database = await openDatabase({ url: scratch.url, poolMax: CONNECTIONS });
  await database.migrate();
  const { app, ctx } = await buildApp({ config, database, serveWeb: false, startWorkers: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const raw = new pg.Pool({ connectionString: scratch.url, max: CONNECTIONS });
  console.log(`Visits benchmark — PostgreSQL, ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS}s per measurement`);

  // ——— fixtures: one unit, one host, visitors with sessions ———
  const [unit] = await ctx.db.insert(units).values({ name: '基准单位', maxVisitHours: 24 }).returning();
  const [host] = await ctx.db.insert(staff).values({ unitId: unit!.id, name: '姜柠檬', phone: '13900000001', visitPermission: true }).returning();
  const N = 5000;
  const tokens: string[] = [];
  const visitorIds: string[] = [];
  for (let i = 0; i < N; i += 1000) {
    const vs = await ctx.db
      .insert(visitors)
      .values(Array.from({ length: Math.min(1000, N - i) }, (_x, j) => ({ name: `访客${i + j}`, phone: `16${String(i + j).padStart(9, '0')}`, idNumberEnc: 'x' })))
      .returning({ id: visitors.id });
    const ts = vs.map(() => randomBytes(24).toString('base64url'));
    await ctx.db.insert(sessions).values(vs.map((v, j) => ({ tokenHash: sha256(ts[j]!), subjectType: 'visitor', subjectId: v.id, expiresAt: new Date(Date.now() + 3600_000) })));
    tokens.push(...ts);
    visitorIds.push(...vs.map((v) => v.id));
  }
  const start = new Date(Date.now() + 2 * 3600_000).toISOString();
  const end = new Date(Date.now() + 4 * 3600_000).toISOString();

  // ——— 1a. the API ———
  let k = 0;
  const api = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req) => {
          const i = k++;
          return {
            ...req,
            method: 'POST',
            path: '/api/visits/appointments',
            headers: { 'content-type': 'application/json', cookie: `sg_visitor=${tokens[i % N]}` },
            body: JSON.stringify({ hostPhone: '13900000001', reason: '基准测试', startAt: start, endAt: end, companionPhones: [], idempotencyKey: `bench-${i}-${randomUUID()}` }),
          };
        },
      },
    ],
  });
  const apiRps = api['2xx'] / SECONDS;
  console.log(`  API  POST /api/visits/appointments   ${apiRps.toFixed(0).padStart(6)} orders/s (p50 ${api.latency.p50} ms, p99 ${api.latency.p99} ms, non-2xx ${api.non2xx})`);

  // ——— 1b. the same core statements straight through pg, same concurrency ———
  let done = 0;
  let stop = false;
  const loop = async (w: number) => {
    let i = w;
    while (!stop) {
      const c = await raw.connect();
      try {
        const vid = visitorIds[i % N]!;
        i += CONNECTIONS;
        await c.query('begin');
        await c.query('select id from visit_orders where idempotency_key = $1', [`raw-${randomUUID()}`]);
        await c.query('select id, phone, blocked from visitors where id = $1', [vid]);
        await c.query('select s.id, s.unit_id, u.max_visit_hours from staff s join units u on u.id = s.unit_id where s.phone = $1 and s.deleted_at is null and s.visit_permission', ['13900000001']);
        const id = randomUUID();
        await c.query(
          `insert into visit_orders (id, kind, status, visitor_id, visitor_phone, host_id, unit_id, reason, start_at, end_at, created_by_visitor_id) values ($1,'appointment','initiated',$2,'16000000000',$3,$4,'基准测试',$5,$6,$2)`,
          [id, vid, host!.id, unit!.id, start, end],
        );
        await c.query(`insert into order_transitions (order_id, at, actor_type, actor_id, actor_role, action, to_status) values ($1, now(), 'visitor', $2, 'visitor', 'create', 'initiated')`, [id, vid]);
        await c.query(`update visit_orders set status = 'pending', submitted_at = now() where id = $1`, [id]);
        await c.query(`insert into order_transitions (order_id, at, actor_type, actor_id, actor_role, action, from_status, to_status) values ($1, now(), 'visitor', $2, 'visitor', 'submit', 'initiated', 'pending')`, [id, vid]);
        await c.query(`insert into jobs (id, type, key, payload) values ($1, 'notify.visit', $2, '{}') on conflict (key) do nothing`, [randomUUID(), `raw:${id}`]);
        await c.query(`insert into audit_log (actor_type, actor_id, action, target_type, target_id) values ('visitor', $1, 'visit.create', 'visit_order', $2)`, [vid, id]);
        await c.query('commit');
        done++;
      } finally {
        c.release();
      }
    }
  };
  const workers = Array.from({ length: CONNECTIONS }, (_x, w) => loop(w));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  await Promise.all(workers);
  const rawRps = done / SECONDS;
  console.log(`  pg   same statements, no HTTP        ${rawRps.toFixed(0).padStart(6)} orders/s`);
  console.log(`  ratio API / direct SQL: ${(apiRps / rawRps).toFixed(3)}  (the API costs ${(rawRps / apiRps).toFixed(1)}× the bare statements)`);

  // ——— 2. 我的预约 at scale ———
  console.log(`\n  loading ${VISITORS.toLocaleString()} visitors and ${ORDERS.toLocaleString()} orders …`);
  const t0 = Date.now();
  await raw.query(`insert into visitors (id, phone, name, id_number_enc) select gen_random_uuid(), '17' || lpad(g::text, 9, '0'), '访客' || g, 'x' from generate_series(1, $1) g`, [VISITORS]);
  await raw.query(`create temporary table if not exists _v as select id, row_number() over () as n from visitors`);
  await raw.query(
    `insert into visit_orders (id, kind, status, cancel_reason, visitor_id, visitor_phone, host_id, unit_id, reason, start_at, end_at, submitted_at)
     select gen_random_uuid(), 'appointment', (array['pending','confirmed','cancelled','arrived'])[1 + (g % 4)], case when g % 4 = 2 then 'expired' end, v.id, '17000000000', $1, $2, '历史来访',
            now() - ((g % 400) || ' days')::interval + interval '9 hours', now() - ((g % 400) || ' days')::interval + interval '11 hours', now() - ((g % 400) || ' days')::interval
     from generate_series(1, $3) g join _v v on v.n = 1 + (g % $4)`,
    [host!.id, unit!.id, ORDERS, VISITORS],
  );
  await raw.query('analyze');
  const [{ n }] = (await raw.query('select count(*)::int as n from visit_orders')).rows;
  console.log(`  loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${n.toLocaleString()} orders`);

  // sessions for 500 random visitors of the big set
  const sample = (await raw.query('select id from visitors order by random() limit 500')).rows.map((r: { id: string }) => r.id);
  const bigTokens = sample.map(() => randomBytes(24).toString('base64url'));
  await ctx.db.insert(sessions).values(sample.map((id: string, j: number) => ({ tokenHash: sha256(bigTokens[j]!), subjectType: 'visitor', subjectId: id, expiresAt: new Date(Date.now() + 3600_000) })));
  for (const scope of ['history', 'recent'] as const) {
    const lat: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/api/visits/mine?scope=${scope}&status=all&page=1&pageSize=20`, { headers: { cookie: `sg_visitor=${bigTokens[i]}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`list ${res.status}`);
      lat.push(performance.now() - t);
    }
    console.log(`  我的预约 (${scope.padEnd(7)}) GET /api/visits/mine: p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms  (500 visitors, sequential)`);
  }
  const dayStart = ctx.clock.startOfDay().toISOString();
  for (const [name, q] of [
    ['page', `select * from visit_orders where visitor_id = $1 and start_at < $2 order by start_at desc, id desc limit 20`],
    ['count', `select count(*) from visit_orders where visitor_id = $1 and start_at < $2`],
  ] as const) {
    const plan = (await raw.query(`explain ${q}`, [sample[0], dayStart])).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n      ');
    console.log(`  plan (${name}):\n      ${plan}`);
  }

  await new Promise((r) => setTimeout(r, 500));
  await raw.end();
  await app.close();
  await database.close();
  await scratch.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
