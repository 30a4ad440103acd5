/**
 * Issue 8.2: the server survives a PostgreSQL outage and comes back by itself. A real server
 * process (`main.ts serve`, job workers on) reaches PostgreSQL through a TCP proxy; under light
 * write traffic the proxy is cut for 20 s (every open connection destroyed, new ones refused), then
 * restored. Always on the real PostgreSQL — TEST_DATABASE_URL, else 127.0.0.1:5432 — whatever
 * database the rest of the suite runs on: the failure being tested is pg's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createScratchDatabase } from '../db/scratch.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OUTAGE_MS = 20_000;
const RECOVERY_MS = 5_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy that can be cut (all sockets destroyed, new connections refused) and restored. */
class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }
}

interface Result {
  name: string;
  start: number;
  end: number;
  status: number | 'no answer';
  code?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
}

describe('a PostgreSQL outage of 20 s under traffic', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let proxy: CuttableProxy;
  let child: ChildProcess;
  let base: string;
  const logLines: Array<{ level?: number; msg?: string; time?: number }> = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-outage-'));

  beforeAll(async () => {
    const server = new URL(SERVER_URL);
    try {
      scratch = await createScratchDatabase(SERVER_URL, 'sg_outage');
    } catch (e) {
      const reason = (e as { code?: string }).code ?? (e as Error).message;
      throw new Error(`PostgreSQL on ${server.hostname}:${server.port || 5432} is required for the database-outage test (${reason}); start it or set TEST_DATABASE_URL`);
    }
    proxy = new CuttableProxy({ host: server.hostname, port: Number(server.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(scratch.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts', 'serve'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: base,
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        DATABASE_URL: viaProxy.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
        MASTER_KEY: randomBytes(32).toString('base64'),
        DEMO_DATA: 'false',
        WORKERS: 'true',
        ADMIN_USERNAME: 'outage-admin',
        ADMIN_PASSWORD: 'outage-password-1',
        REDIS_URL: '',
        TRUST_PROXY: '',
      },
    });
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        try {
          if (line.startsWith('{')) logLines.push(JSON.parse(line));
        } catch {
          // not a log line
        }
      }
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // started = /api/health answers (migrations ran, the admin exists)
    const startBy = Date.now() + 45_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before it started: ${stderr.slice(-2000)}`);
      if (Date.now() > startBy) throw new Error('server did not start within 45 s');
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(200);
    }
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await proxy?.cut();
    await scratch?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the process alive, answers 503 DB_UNAVAILABLE meanwhile, loses no acknowledged write and recovers within 5 s', async () => {
    const call = async (method: string, url: string, body?: unknown, cookie?: string) => {
      const res = await fetch(base + url, {
        method,
        headers: { origin: base, ...(body ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as any, cookies: res.headers.getSetCookie() };
    };
    const login = await call('POST', '/api/auth/admin/login', { username: 'outage-admin', password: 'outage-password-1' });
    expect(login.status).toBe(200);
    const cookie = login.cookies.map((c) => c.split(';')[0]).join('; ');

    // light traffic: an administrator adds a building every 200 ms
    const run = randomBytes(3).toString('hex');
    const results: Result[] = [];
    const pending: Array<Promise<void>> = [];
    let stop = false;
    const write = async (n: number) => {
      const r: Result = { name: `outage-${run}-${n}`, start: Date.now(), end: 0, status: 'no answer' };
      try {
        const res = await call('POST', '/api/admin/buildings', { name: r.name }, cookie);
        r.status = res.status;
        r.code = res.json?.error?.code;
      } catch {
        // no answer at all (refused, timed out): the process died or hung
      }
      r.end = Date.now();
      results.push(r);
    };
    const traffic = (async () => {
      for (let n = 0; !stop; n++) {
        pending.push(write(n));
        await sleep(200);
      }
    })();

    await sleep(2000);
    await proxy.cut();
    const cutAt = Date.now();
    await sleep(3000);
    const healthDown = await call('GET', '/api/health');
    expect(healthDown.status).toBe(503);
    expect(healthDown.json).toEqual({ status: 'degraded', db: 'down' });
    await sleep(cutAt + OUTAGE_MS - Date.now());
    await proxy.open();
    const restoredAt = Date.now();
    // traffic goes on until a write succeeds again, and one second beyond
    const deadline = restoredAt + 2 * RECOVERY_MS;
    while (Date.now() < deadline && !results.some((r) => r.start >= restoredAt && r.status === 200)) await sleep(100);
    await sleep(1000);
    stop = true;
    await traffic;
    await Promise.all(pending);

    // the process is alive and healthy
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    expect((await call('GET', '/api/health')).json).toEqual({ status: 'ok', db: 'postgres' });

    // every request got an answer: 200, or 503 DB_UNAVAILABLE — never a 500
    const answers = new Set(results.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.code}`)));
    expect([...answers].sort()).toEqual(['200', '503 DB_UNAVAILABLE']);
    const duringOutage = results.filter((r) => r.start >= cutAt && r.end <= restoredAt);
    expect(duringOutage.length).toBeGreaterThan(50);
    expect(duringOutage.every((r) => r.status === 503)).toBe(true);
    expect(results.filter((r) => r.end < cutAt).every((r) => r.status === 200)).toBe(true);

    // writes succeed again within 5 s of the restore, and from then on
    const firstOk = results.filter((r) => r.start >= restoredAt && r.status === 200).sort((a, b) => a.end - b.end)[0];
    expect(firstOk, 'no write succeeded after the restore').toBeDefined();
    expect(firstOk!.end - restoredAt).toBeLessThanOrEqual(RECOVERY_MS);
    expect(results.filter((r) => r.start > firstOk!.end).every((r) => r.status === 200)).toBe(true);

    // no acknowledged write was lost (read straight from PostgreSQL, not through the proxy)
    const direct = new pg.Client({ connectionString: scratch.url });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ name: string }>('select name from buildings where name like $1', [`outage-${run}-%`]);
      const stored = new Set(rows.map((r) => r.name));
      const acknowledged = results.filter((r) => r.status === 200).map((r) => r.name);
      expect(acknowledged.length).toBeGreaterThan(10);
      expect(acknowledged.filter((n) => !stored.has(n))).toEqual([]);

      // the job workers are back too: a code requested now is sent by them
      const phone = `139${String(Date.now()).slice(-8)}`;
      expect((await call('POST', '/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).status).toBe(200);
      const sentBy = Date.now() + RECOVERY_MS;
      let sent = 0;
      while (sent === 0 && Date.now() < sentBy) {
        await sleep(200);
        sent = (await direct.query("select 1 from sms_messages where phone = $1 and status = 'sent'", [phone])).rowCount ?? 0;
      }
      expect(sent).toBe(1);
    } finally {
      await direct.end();
    }

    // the outage is logged once each way (its end within 5 s of the restore), nothing as an error
    const backAt = () => logLines.find((l) => /^database available again/.test(l.msg ?? ''))?.time;
    while (!backAt() && Date.now() < restoredAt + RECOVERY_MS) await sleep(100);
    expect(backAt(), 'no "database available again" line').toBeDefined();
    expect(backAt()! - restoredAt).toBeLessThanOrEqual(RECOVERY_MS);
    const msgs = (re: RegExp) => logLines.filter((l) => re.test(l.msg ?? ''));
    expect(msgs(/^database unavailable/)).toHaveLength(1);
    expect(msgs(/^database available again/)).toHaveLength(1);
    expect(logLines.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)).toEqual([]);
    expect(logLines.filter((l) => (l.level ?? 0) >= 40 && (l.time ?? 0) >= cutAt).length).toBeLessThanOrEqual(3);
  }, 90_000);
});
