/**
 * A newcomer's first start (issue 9, "the two commands"): `main.ts serve` on a fresh data directory
 * with nothing configured, as `npm start` runs it after the build. Its terminal shows a short
 * banner — the four URLs, the administrator login with the password generated now, the demo staff
 * login, the database, a link that opens the demo kiosk already paired — and readable log lines,
 * not JSON; it listens on 127.0.0.1. In Chromium the banner's kiosk link lands on the kiosk home of
 * 演示访客机 with the token gone from the address bar, and the printed password signs in to admin.
 * A second start shows no password. (Its own server process; the shared e2e server is not used.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { E2EContext } from './run.js';
import { assertNoErrors, settle } from './staff-visit-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
}

/** Starts the server like a newcomer: no NODE_ENV, no MASTER_KEY, no ADMIN_PASSWORD. Resolves with the terminal text once the banner is out. */
async function firstStart(dataDir: string, port: number): Promise<{ child: ChildProcess; out: () => string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), PORT: String(port), DATA_DIR: dataDir };
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts', 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const by = Date.now() + 60_000;
  while (!/SMS are not sent/.test(text)) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${text}`);
    if (Date.now() > by) throw new Error(`no banner within 60 s:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out: () => text };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function run(e2e: E2EContext) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-first-start-'));
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const errors: string[] = [];
  let child: ChildProcess | null = null;
  try {
    const first = await firstStart(dataDir, port);
    child = first.child;
    const terminal = first.out();
    // what the newcomer's terminal showed, for the closing note
    fs.writeFileSync(path.join(os.tmpdir(), 'sg-first-start-terminal.txt'), terminal);

    // ------------------------------------------------------------- the banner
    for (const url of [`${base}/`, `${base}/staff/`, `${base}/admin/`, `${base}/api/docs`]) assert.ok(terminal.includes(url), `banner shows ${url}`);
    const password = terminal.match(/admin \/ (\S+) {3}← generated now and shown only this once/)?.[1];
    assert.ok(password, `banner shows the generated administrator password:\n${terminal}`);
    assert.match(terminal, /demo staff 17348862736 \/ Safeguard@2026/);
    assert.match(terminal, /PGlite \(embedded\) in \S+\/pglite/);
    assert.match(terminal, new RegExp(`Listening on 127\\.0\\.0\\.1:${port} only`));
    const kioskLink = terminal.match(/(http:\/\/localhost:\d+\/kiosk\/pair#token=sgk_[\w-]+)/)?.[1];
    assert.ok(kioskLink, 'banner shows the demo kiosk link');
    // readable log lines, no JSON; the banner within the first screenful
    assert.match(terminal, /^\[\d\d:\d\d:\d\d\] INFO: demo data loaded/m);
    assert.ok(!/^\{"level"/m.test(terminal), 'no JSON log lines in development');
    const bannerEnd = terminal.split('\n').findIndex((l) => l.includes('SMS are not sent'));
    assert.ok(bannerEnd < 40, `banner ends on line ${bannerEnd} of the terminal`);
    // only this machine: not reachable on another address of it
    const other = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (other) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: other, port }, () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      assert.equal(reached, false, `not listening on ${other}`);
    }

    // ------------------------------------------------------------- the kiosk opens paired from the link
    for (const locale of ['zh-CN', 'en'] as const) {
      const kCtx = await e2e.browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale });
      await kCtx.addInitScript((l) => localStorage.setItem('sg_locale', l), locale);
      const k = await kCtx.newPage();
      k.on('pageerror', (err) => errors.push(String(err)));
      await k.goto(kioskLink);
      await k.waitForURL(`${base}/kiosk/`, { timeout: 15_000 });
      await k.locator('.device-name', { hasText: '演示访客机' }).waitFor();
      assert.ok(!k.url().includes('token'), 'the token left the address bar');
      await settle(k);
      await e2e.screenshot(k, `first-start-kiosk-paired-${locale}`);
      // paired for good: a reload stays on the home page
      await k.reload();
      await k.locator('.device-name', { hasText: '演示访客机' }).waitFor();
      await kCtx.close();
    }

    // ------------------------------------------------------------- the printed password signs in to admin
    const aCtx = await e2e.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const a = await aCtx.newPage();
    await a.goto(`${base}/admin/`);
    const login = await a.request.post(`${base}/api/auth/admin/login`, { data: { username: 'admin', password } });
    assert.equal(login.status(), 200, 'the banner password signs in');
    const devices = (await (await a.request.get(`${base}/api/admin/kiosk-devices`)).json()) as { items: Array<{ name: string; status: string }> };
    assert.deepEqual(devices.items.filter((d) => d.name === '演示访客机').map((d) => d.status), ['paired']);
    await aCtx.close();

    // ------------------------------------------------------------- the second start shows no password
    await stop(child);
    const second = await firstStart(dataDir, port);
    child = second.child;
    assert.ok(!second.out().includes(password), 'the password is shown only on the first start');
    assert.match(second.out(), /npm run create-admin -- admin <new password> --force/);
    assert.ok(second.out().includes(kioskLink), 'the same kiosk link on every start');
    assertNoErrors(errors);
  } finally {
    if (child) await stop(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
