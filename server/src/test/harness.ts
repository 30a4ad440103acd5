/**
 * Test harness: each test file gets its own fresh database — in-memory PGlite by default, or a
 * new PostgreSQL database when TEST_DATABASE_URL is set (CI runs the suite both ways).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createScratchDatabase } from '../db/scratch.js';
import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildOptions } from '../app.js';
import { loadConfig } from '../platform/config.js';
import { openDatabase, type Database } from '../platform/db.js';
import { Clock } from '../platform/clock.js';
import type { AppContext } from '../platform/context.js';
import { smsMessages } from '../db/schema/index.js';
import { requireService } from './services.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  close(): Promise<void>;
}

/**
 * The migrated PGlite data directory every in-memory test database starts from: made once per
 * test run by server/src/test/template-database.ts (vitest globalSetup) and named by
 * SG_PGLITE_TEMPLATE; read once per test process. Loading it takes a fraction of creating a
 * cluster and running every migration, which was most of each test file's setup.
 */
let template: Promise<Blob | undefined> | undefined;
export function pgliteTemplate(): Promise<Blob | undefined> {
  const file = process.env.SG_PGLITE_TEMPLATE;
  if (!file || !fs.existsSync(file)) return Promise.resolve(undefined);
  template ??= fs.promises.readFile(file).then((b) => new Blob([b]));
  return template;
}

async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ memory: true, template: await pgliteTemplate() });
    await database.migrate(); // a no-op on the template (already migrated); the whole set without one
    return { database, drop: async () => {} };
  }
  const scratch = await createScratchDatabase(url, 'sg_test', process.env.SG_PG_TEMPLATE).catch(async (e: unknown) => {
    // PostgreSQL not there: one line naming it, not a connection error per test file
    await requireService('postgres', url, 'the tests on PostgreSQL (TEST_DATABASE_URL)');
    throw e;
  });
  const database = await openDatabase({ url: scratch.url, poolMax: 10 });
  await database.migrate(); // a no-op on the run's template database (SG_PG_TEMPLATE)
  return { database, drop: scratch.drop };
}

export async function createTestApp(opts: Partial<BuildOptions> & { env?: Record<string, string> } = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-test-'));
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      DEMO_DATA: 'false',
      WORKERS: 'false',
      ...(opts.env ?? {}),
    } as never,
  );
  const { database, drop } = await freshDatabase();
  const { app, ctx } = await buildApp({ config, database, clock: opts.clock ?? new Clock(config.TZ_CENTER), serveWeb: false, startWorkers: false, ...opts });
  await app.ready();
  return {
    app,
    ctx,
    close: async () => {
      await app.close();
      await database.close();
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A cookie jar over app.inject, so a test can act as one signed-in user. */
export class Client {
  cookies = new Map<string, string>();
  constructor(
    readonly t: TestApp,
    // each client its own address, so per-IP limits don't couple unrelated tests
    private readonly ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  ) {}
  async req(method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.t.app.inject({
      method,
      url,
      payload: payload as InjectOptions['payload'],
      remoteAddress: this.ip,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      // expiry is judged by the app's clock (tests fix it), not the wall clock of the day they run
      if (c.value === '' || (c.expires && c.expires.getTime() <= this.t.ctx.clock.now().getTime())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  get = (url: string) => this.req('GET', url);
  post = (url: string, body?: unknown) => this.req('POST', url, body ?? {});
  put = (url: string, body?: unknown) => this.req('PUT', url, body ?? {});
  patch = (url: string, body?: unknown) => this.req('PATCH', url, body ?? {});
  delete = (url: string) => this.req('DELETE', url);
}

/** The newest login code the outbox holds for a phone (drains the queue first). */
export async function lastCode(t: TestApp, phone: string): Promise<string> {
  await t.ctx.queue.drain();
  const [m] = await t.ctx.db
    .select()
    .from(smsMessages)
    .where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, 'login_code')))
    .orderBy(desc(smsMessages.createdAt))
    .limit(1);
  const code = m?.content.match(/\d{6}/)?.[0];
  if (!code) throw new Error(`no code in the outbox for ${phone}`);
  return code;
}

export async function signInVisitor(t: TestApp, phone: string, ip?: string): Promise<Client> {
  const c = new Client(t, ip);
  const s = await c.post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
  if (s.statusCode !== 200) throw new Error(`sms: ${s.body}`);
  const r = await c.post('/api/auth/visitor/login', { phone, code: await lastCode(t, phone) });
  if (r.statusCode !== 200) throw new Error(`login: ${r.body}`);
  return c;
}

export async function signInStaff(t: TestApp, phone: string): Promise<Client> {
  const c = new Client(t);
  await c.post('/api/auth/sms-codes', { phone, purpose: 'staff_login' });
  const r = await c.post('/api/auth/staff/login', { phone, code: await lastCode(t, phone) });
  if (r.statusCode !== 200) throw new Error(`staff login: ${r.body}`);
  return c;
}

/**
 * One second past the start of the next `windowSeconds` window of the rate limiter (fixed windows
 * aligned to the epoch, platform/rate-limit.ts), in ms: a clock set there lets a test make its N
 * requests and see the N+1st refused without straddling a window boundary, however slow the machine.
 */
export function nextRateWindow(windowSeconds: number): number {
  const w = windowSeconds * 1000;
  return Math.ceil(Date.now() / w) * w + 1000;
}

/**
 * Pins the clock of each app to `nextRateWindow(windowSeconds)`. Call the returned function (in
 * `finally`) to let the clocks run again.
 */
export function pinInsideRateWindow(apps: TestApp | TestApp[], windowSeconds: number): () => void {
  const list = Array.isArray(apps) ? apps : [apps];
  const at = new Date(nextRateWindow(windowSeconds));
  for (const t of list) t.ctx.clock.set(at);
  return () => {
    for (const t of list) t.ctx.clock.set(null);
  };
}
