/**
 * 审批中心 badges and the admin 首页 with the P4 data set (issue 13), on PostgreSQL
 * (BENCH_DATABASE_URL, default the local server; a scratch database is created and dropped):
 * 1. GET /api/approvals/counts (visits, meetings, vehicles, personnel) for a mix of staff — the
 *    busiest hosts, quiet hosts, approval-chain nodes (person and role), vehicle and personnel
 *    reviewers of one unit and of the whole center;
 * 2. GET /api/bookings/approvals/counts (会议室审核, 会议承接) for the same staff and the room approver
 *    and undertaker;
 * 3. GET /api/admin/dashboard (首页) for the system administrator and for a 单位管理员.
 * Each is measured as a p95 latency over BENCH_REQUESTS sequential requests per run (default 300),
 * interleaved with the baseline — GET /api/auth/me, a session check and a primary-key read through
 * the same API stack — so that the machine's load weighs on both alike. SQL statements per request
 * are counted by wrapping pg's Client#query.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/platform/config.js';
import { openDatabase } from '../server/src/platform/db.js';
import { RUNS, percentile, stats, writeSection, type Figure } from './lib/report.js';
import { createSessions, describeP4, loadedP4, p4Options, p4Scratch } from './lib/dataset.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const GOAL_MS = 20;

// every SQL statement any pg client sends in this process
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const options = p4Options();
  const { scratch, p4 } = await p4Scratch(server, 'sg_bench_approvals', options);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-a-'));
  const config = loadConfig({}, {
    NODE_ENV: 'production',
    ALLOW_OUTBOX_IN_PRODUCTION: 'true', // a benchmark sends no SMS
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    DEMO_DATA: 'false',
    DATABASE_URL: scratch.url,
    TZ_CENTER: options.timeZone, // the zone the set was loaded in
  } as never);
  const database = await openDatabase({ url: scratch.url, poolMax: 10 });
  await database.migrate();
  const raw = new pg.Pool({ connectionString: scratch.url, max: 2 });
  console.log(`Approvals and dashboard benchmark — PostgreSQL, ${os.cpus().length} cores, ${REQUESTS} requests per figure and run, ${RUNS} runs; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const { app } = await buildApp({ config, database, serveWeb: false, startWorkers: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  // who opens 审批中心: busy and quiet hosts, chain nodes, reviewers of a unit and of the center
  const r = p4.reviewers;
  const staffIds = [
    ...p4.hosts.slice(0, 40).map((h) => h.id),
    ...p4.hosts.filter((_h, i) => i % 50 === 49).map((h) => h.id),
    ...r.chainPerson.map((s) => s.id),
    ...r.chainRole.map((s) => s.id),
    ...r.vehicle.slice(0, 10).map((s) => s.id),
    ...r.personnel.slice(0, 10).map((s) => s.id),
    r.centerVehicle.id,
    r.centerPersonnel.id,
    r.roomApprover.id,
    r.undertaker.id,
  ];
  const staffTokens = await createSessions(raw, 'staff', staffIds);
  const [sysToken, unitToken] = await createSessions(raw, 'admin', [p4.admins.system, p4.admins.unit.id]);

  const get = async (url: string, cookie: string) => {
    const t = performance.now();
    const res = await fetch(base + url, { headers: { cookie } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return performance.now() - t;
  };
  const subjects = {
    meStaff: (i: number) => get('/api/auth/me?scope=staff', `sg_staff=${staffTokens[i % staffTokens.length]}`),
    counts: (i: number) => get('/api/approvals/counts', `sg_staff=${staffTokens[i % staffTokens.length]}`),
    bookingCounts: (i: number) => get('/api/bookings/approvals/counts', `sg_staff=${staffTokens[i % staffTokens.length]}`),
    meAdmin: (i: number) => get('/api/auth/me?scope=admin', `sg_admin=${i % 2 ? sysToken : unitToken}`),
    dashboard: () => get('/api/admin/dashboard', `sg_admin=${sysToken}`),
    unitDashboard: () => get('/api/admin/dashboard', `sg_admin=${unitToken}`),
  };
  type Name = keyof typeof subjects;
  const names = Object.keys(subjects) as Name[];

  // SQL statements per request (one request at a time, nothing else running)
  const perRequest = {} as Record<Name, number>;
  for (const n of names) {
    await subjects[n](0);
    const before = statements;
    await subjects[n](1);
    perRequest[n] = statements - before;
  }
  for (let i = 0; i < 30; i++) for (const n of names) await subjects[n](i); // warm-up

  const p95 = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const p50 = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let run = 0; run < RUNS; run++) {
    const lat = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    for (let i = 0; i < REQUESTS; i++) for (const n of names) lat[n].push(await subjects[n](i));
    for (const n of names) {
      p95[n].push(percentile(lat[n], 95));
      p50[n].push(percentile(lat[n], 50));
    }
    console.log(`  run ${run + 1}: ${names.map((n) => `${n} p95 ${percentile(lat[n], 95).toFixed(1)} ms`).join(', ')}`);
  }

  const med = (n: Name) => stats(p95[n]).median.toFixed(1);
  const baseOf = (n: Name): Name => (n === 'counts' || n === 'bookingCounts' ? 'meStaff' : 'meAdmin');
  // what the figure costs over the baseline's request in the same run, so that the machine's load shows
  const sql = (n: Name) =>
    `${perRequest[n]} SQL statements per request (baseline ${perRequest[baseOf(n)]}); p50 ${stats(p50[n]).median.toFixed(1)} ms (baseline ${stats(p50[baseOf(n)]).median.toFixed(1)} ms); ` +
    `p95 over the baseline's p95, per run: ${p95[n].map((v, i) => (v / p95[baseOf(n)][i]!).toFixed(2)).join(' / ')}`;
  const ms = (v: number) => v <= GOAL_MS;
  const figures: Figure[] = [
    { subject: '审批中心 badges GET /api/approvals/counts, p95', baseline: `GET /api/auth/me (staff) p95 ${med('meStaff')} ms`, values: p95.counts, unit: 'ms', goal: `≤ ${GOAL_MS}`, met: ms, note: `${staffIds.length} staff in turn; ${sql('counts')}` },
    { subject: '会议室审核 / 会议承接 badges GET /api/bookings/approvals/counts, p95', baseline: `GET /api/auth/me (staff) p95 ${med('meStaff')} ms`, values: p95.bookingCounts, unit: 'ms', goal: `≤ ${GOAL_MS}`, met: ms, note: sql('bookingCounts') },
    { subject: '首页 GET /api/admin/dashboard (系统管理员), p95', baseline: `GET /api/auth/me (admin) p95 ${med('meAdmin')} ms`, values: p95.dashboard, unit: 'ms', goal: `≤ ${GOAL_MS}`, met: ms, note: sql('dashboard') },
    { subject: '首页 GET /api/admin/dashboard (单位管理员), p95', baseline: `GET /api/auth/me (admin) p95 ${med('meAdmin')} ms`, values: p95.unitDashboard, unit: 'ms', goal: `≤ ${GOAL_MS}`, met: ms, note: sql('unitDashboard') },
  ];
  writeSection(
    'approvals',
    '审批中心 badges and 首页 dashboard (P4)',
    figures,
    `PostgreSQL, P4 set ${loadedP4(p4)}: ${describeP4(p4)}. ${REQUESTS} sequential requests per subject and run, interleaved with the baseline (same process, same HTTP client). Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores shared with other work).`,
  );

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
