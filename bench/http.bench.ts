/**
 * npm run bench — throughput of Safeguard endpoints as ratios against a Fastify hello-world route
 * measured in the same process, on the same machine, in the same run (absolute req/s on a shared
 * 2-core box mean little; the ratio says what our stack costs over bare Fastify).
 *
 * Runs on embedded PGlite by default; BENCH_DATABASE_URL=postgres://… runs on PostgreSQL
 * (a fresh database is created and dropped). BENCH_SECONDS sets each measurement's length.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/platform/config.js';
import { openDatabase } from '../server/src/platform/db.js';
import { sessions, smsCodes } from '../server/src/db/schema/index.js';
import { sha256 } from '../server/src/platform/crypto.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { createScratchDatabase } from '../server/src/db/scratch.js';
import { TERMS_VERSION } from '../contracts/consent.js';
import { writeSection } from './lib/report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };

async function measure(name: string, url: string, next: () => Req): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req) => {
          const r = next();
          return { ...req, method: r.method as 'POST', path: r.path, headers: { ...(r.headers ?? {}), 'content-type': 'application/json' }, body: r.body };
        },
      },
    ],
  });
  const ok = result['2xx'];
  const bad = result.non2xx + result.errors;
  const rps = ok / SECONDS;
  console.log(`  ${name.padEnd(34)} ${rps.toFixed(0).padStart(7)} ok req/s  (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${bad})`);
  if (ok === 0) throw new Error(`${name}: no successful requests`);
  return rps;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-'));
  let url = process.env.BENCH_DATABASE_URL;
  let drop: (() => Promise<void>) | null = null;
  if (url) {
    const scratch = await createScratchDatabase(url, 'sg_bench');
    url = scratch.url;
    drop = scratch.drop;
  }
  const config = loadConfig({}, {
    NODE_ENV: 'production',
    ALLOW_OUTBOX_IN_PRODUCTION: 'true', // a benchmark sends no SMS
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    DEMO_DATA: 'false',
    SMS_PER_IP_PER_HOUR: '100000000',
    ...(url ? { DATABASE_URL: url, DATABASE_POOL_MAX: '16' } : {}),
  } as never);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolMax: 16 });
  await database.migrate();
  const { app, ctx } = await buildApp({ config, database, serveWeb: false, startWorkers: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const sgUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const hello = Fastify();
  hello.get('/hello', async () => ({ hello: 'world' }));
  hello.post('/hello', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });
  const helloUrl = `http://127.0.0.1:${(hello.server.address() as { port: number }).port}`;

  console.log(`Safeguard benchmark — ${database.kind}, ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS}s each`);

  // Prepare: verified-phone sessions (what a new visitor holds after SMS login) and valid codes.
  const N = 60_000;
  const phoneTokens: Array<{ token: string; phone: string }> = [];
  const loginCodes: Array<{ phone: string; code: string }> = [];
  const expires = new Date(Date.now() + 3600_000);
  for (let start = 0; start < N; start += 2000) {
    const sRows = [];
    const cRows = [];
    for (let i = start; i < Math.min(N, start + 2000); i++) {
      const phone = `16${String(i).padStart(9, '0')}`;
      const token = randomBytes(24).toString('base64url');
      phoneTokens.push({ token, phone });
      sRows.push({ tokenHash: sha256(token), subjectType: 'phone', subjectId: phone, expiresAt: expires });
      const lphone = `17${String(i).padStart(9, '0')}`;
      const code = String(100000 + (i % 899999));
      loginCodes.push({ phone: lphone, code });
      cRows.push({ phone: lphone, purpose: 'visitor_login', codeHash: ctx.crypto.blindIndex(`sms:${lphone}:visitor_login:${code}`), expiresAt: expires });
    }
    await ctx.db.insert(sessions).values(sRows);
    await ctx.db.insert(smsCodes).values(cRows);
  }

  let hi = 0;
  const helloRps = await measure('baseline: Fastify hello-world', helloUrl, () => ({ method: 'POST', path: '/hello', body: `{"n":${hi++}}` }));

  let ri = 0;
  const regRps = await measure('visitor registration (V2)', sgUrl, () => {
    const p = phoneTokens[ri++ % N]!;
    const idNumber = withIdCheckDigit(`33030219900101${String(ri % 1000).padStart(3, "0")}`);
    return {
      method: 'POST',
      path: '/api/visitor/register',
      headers: { cookie: `sg_visitor=${p.token}` },
      body: JSON.stringify({ name: '测试访客', idType: 'prc_id', idNumber, company: '基准测试有限公司', position: '工程师', termsVersion: TERMS_VERSION }),
    };
  });

  let li = 0;
  const loginRps = await measure('SMS login (V1: verify code + session)', sgUrl, () => {
    const c = loginCodes[li++ % N]!;
    return { method: 'POST', path: '/api/auth/visitor/login', body: JSON.stringify({ phone: c.phone, code: c.code }) };
  });

  let si = 0;
  const sendRps = await measure('SMS code request (limits + enqueue)', sgUrl, () => ({
    method: 'POST',
    path: '/api/auth/sms-codes',
    body: JSON.stringify({ phone: `18${String(si++).padStart(9, '0')}`, purpose: 'visitor_login' }),
  }));

  console.log('\nRatios against the hello-world baseline (same process, same run):');
  console.log(`  visitor registration : ${(regRps / helloRps).toFixed(4)}  (1 : ${(helloRps / regRps).toFixed(1)})`);
  console.log(`  SMS login            : ${(loginRps / helloRps).toFixed(4)}  (1 : ${(helloRps / loginRps).toFixed(1)})`);
  console.log(`  SMS code request     : ${(sendRps / helloRps).toFixed(4)}  (1 : ${(helloRps / sendRps).toFixed(1)})`);

  const base = `hello-world ${helloRps.toFixed(0)} req/s (${url ? "PostgreSQL" : "PGlite"}, ${CONNECTIONS} connections, ${SECONDS} s, one run)`;
  writeSection(
    'http',
    'Visitor sign-up and sign-in against hello-world (context)',
    [
      { subject: 'visitor registration (V2)', baseline: base, values: [regRps / helloRps], unit: 'ratio', goal: '(context)' },
      { subject: 'SMS login (V1: verify code + session)', baseline: base, values: [loginRps / helloRps], unit: 'ratio', goal: '(context)' },
      { subject: 'SMS code request (limits + enqueue)', baseline: base, values: [sendRps / helloRps], unit: 'ratio', goal: '(context)' },
    ],
    `Embedded PGlite unless BENCH_DATABASE_URL is set; ${(regRps).toFixed(0)} / ${loginRps.toFixed(0)} / ${sendRps.toFixed(0)} req/s. No issue-13 goal: given so that a change in the sign-in path shows.`,
  );

  // autocannon stops on time with requests still in flight: let them finish before closing
  await new Promise((r) => setTimeout(r, 1000));
  await hello.close();
  await app.close();
  await database.close();
  if (drop) await drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
