/**
 * Browser journeys in Debian Chromium (playwright-core, never a downloaded browser).
 * Starts the real server in-process on a fresh database (embedded PGlite in a temp dir, or a new
 * PostgreSQL database when E2E_DATABASE_URL is set), with the built web apps (npm run build first)
 * and demo data, then runs every e2e/*.spec.ts. Screenshots go to e2e/screenshots/.
 *
 *   npm run build && npm run e2e [-- <name filter>]
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { desc, eq } from 'drizzle-orm';
import { buildApp, webDist } from '../server/src/app.js';
import { loadConfig } from '../server/src/platform/config.js';
import { openDatabase } from '../server/src/platform/db.js';
import { ensureAdmin } from '../server/src/modules/identity/admin-bootstrap.js';
import { seedDemo } from '../server/src/db/seed-demo.js';
import { smsMessages } from '../server/src/db/schema/index.js';
import { createScratchDatabase } from '../server/src/db/scratch.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
export const ADMIN = { username: 'admin', password: 'e2e-admin-password' };

export interface E2EContext {
  baseUrl: string;
  browser: Browser;
  screenshot: (page: Page, name: string) => Promise<void>;
  lastSmsCode: (phone: string) => Promise<string>;
  /** the newest SMS text sent to a phone that matches `pattern` (waits for the queue to send it) */
  lastSms: (phone: string, pattern?: RegExp) => Promise<string>;
  adminLogin: (page: Page) => Promise<void>;
  /** the network cut: the HTTP server stops listening (open connections dropped) and starts again on the same port; the database and workers stay */
  server: { stop: () => Promise<void>; start: () => Promise<void> };
  /** the e2e's database (to count what a journey stored) */
  db: Awaited<ReturnType<typeof buildApp>>['ctx']['db'];
  /** the server's crypto: a journey that puts a record in place encrypts an ID number as the app does */
  crypto: Awaited<ReturnType<typeof buildApp>>['ctx']['crypto'];
  /** run the durable job queue now (notices are sent by it) */
  drain: () => Promise<void>;
  /**
   * Another server beside the shared one, with extra env (e.g. WECOM_* pointing at a stub): its own
   * database and demo data, so only the journey that asks for it pays its start; close it at the end.
   */
  startServer: (env: Record<string, string>) => Promise<E2EContext & { close: () => Promise<void> }>;
}

/** A server as the journeys see it: the built web apps, demo data, workers, its own database. */
interface E2EServer {
  app: Awaited<ReturnType<typeof buildApp>>['app'];
  ctx: Awaited<ReturnType<typeof buildApp>>['ctx'];
  port: number;
  baseUrl: string;
  close: () => Promise<void>;
}

async function startServer(extraEnv: Record<string, string> = {}): Promise<E2EServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-e2e-'));
  let dbUrl = process.env.E2E_DATABASE_URL;
  let dropDb: (() => Promise<void>) | null = null;
  if (dbUrl) {
    const scratch = await createScratchDatabase(dbUrl, 'sg_e2e');
    dbUrl = scratch.url;
    dropDb = scratch.drop;
  }
  // a free port chosen up front, so that links in SMS (PUBLIC_URL) point at this server
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'test',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      DATA_DIR: dataDir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      // every journey's browser signs in from 127.0.0.1: thirty journeys' SMS codes are one "IP"'s,
      // more than the 30 an hour a center's single visitor may ask for. The per-IP limit itself is
      // tested in identity.api.test.ts and rate-limit.api.test.ts; per-phone limits stay as shipped.
      SMS_PER_IP_PER_HOUR: '1000',
      ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
      ...extraEnv,
    } as never,
  );
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir });
  await database.migrate();
  const { app, ctx } = await buildApp({ config, database, serveWeb: true, startWorkers: true });
  await ensureAdmin(ctx);
  await seedDemo(ctx);
  await app.listen({ host: '127.0.0.1', port });
  return {
    app,
    ctx,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await database.close();
      if (dropDb) await dropDb();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function contextFor(server: E2EServer, browser: Browser): E2EContext {
  const { app, ctx, port, baseUrl } = server;
  return {
    baseUrl,
    browser,
    screenshot: async (page, name) => {
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    },
    lastSmsCode: async (phone) => {
      for (let i = 0; i < 50; i++) {
        await ctx.queue.drain();
        const [m] = await ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone)).orderBy(desc(smsMessages.createdAt)).limit(1);
        const code = m?.content.match(/\d{6}/)?.[0];
        if (code) return code;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no SMS code for ${phone}`);
    },
    lastSms: async (phone, pattern = /./) => {
      for (let i = 0; i < 50; i++) {
        await ctx.queue.drain();
        const rows = await ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone)).orderBy(desc(smsMessages.createdAt)).limit(20);
        const m = rows.find((r) => pattern.test(r.content));
        if (m) return m.content;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no SMS matching ${pattern} for ${phone}`);
    },
    adminLogin: async (page) => {
      await page.goto(`${baseUrl}/admin/`);
      const res = await page.request.post(`${baseUrl}/api/auth/admin/login`, { data: ADMIN });
      if (!res.ok()) throw new Error(`admin login failed: ${await res.text()}`);
    },
    server: {
      stop: () =>
        new Promise<void>((resolve, reject) => {
          app.server.close((err) => (err ? reject(err) : resolve()));
          app.server.closeAllConnections();
        }),
      start: () => new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', () => resolve())),
    },
    db: ctx.db,
    crypto: ctx.crypto,
    drain: async () => void (await ctx.queue.drain()),
    startServer: async (env) => {
      const other = await startServer(env);
      return { ...contextFor(other, browser), close: other.close };
    },
  };
}

async function main() {
  if (!fs.existsSync(path.join(webDist, 'index.html'))) throw new Error('web apps not built: run `npm run build` first');
  fs.mkdirSync(shots, { recursive: true });
  const filter = process.argv[2];
  const server = await startServer();

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // the apps follow the browser's language on a first visit: a journey is in Chinese unless it asks for another
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ locale: 'zh-CN', ...options });
  const e2e = contextFor(server, browser);

  const specs = fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.spec.ts') && (!filter || filter.split(',').some((part) => f.includes(part))))
    .sort();
  let failed = 0;
  for (const f of specs) {
    const started = Date.now();
    try {
      const mod = (await import(path.join(here, f))) as { run: (c: E2EContext) => Promise<void> };
      await mod.run(e2e);
      console.log(`  ✓ ${f} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.error(`  ✗ ${f}\n${err instanceof Error ? err.stack : err}`);
    }
  }
  await browser.close();
  await server.close();
  console.log(`${specs.length - failed}/${specs.length} journeys passed; screenshots in e2e/screenshots/`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
