/**
 * Journey: the kiosk keeps working without the server (issue 10 "Offline") at 1280×800. A paired
 * kiosk keeps the host list and the code key; the server is stopped; a walk-in registers (host found
 * in the kept list, 触摸拍照 kept on the kiosk) → the banner "网络已断开…" and "已保存，网络恢复后自动
 * 提交" (not an error); 离线记录 shows it waiting; the server starts again → the entry is sent by
 * itself, photo first → the database holds exactly one order (with the photo) for that visitor, and
 * 离线记录 says 已提交 · 待审核. Then an answer lost on the way back (the server took the walk-in, the
 * kiosk never heard) → kept and sent again with the same key → still one order ("合并为一条").
 * In the same outage a visitor with a confirmed appointment shows his 访客预约码 to the bridge's
 * scanner: verified on the kiosk against the kept public key → "已签到（离线）" (an altered code is
 * refused in words); after the restart the order is 已到达, checked in once. Last, a server that takes
 * the walk-in's connection and never answers: after 15 s the kiosk keeps the entry and sends it later, once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { staff, visitOrders, visitors } from '../server/src/db/schema/index.js';
import type { E2EContext } from './run.js';
import { assertNoErrors, expectStatus, settle, tid } from './staff-visit-helpers.js';
import { prcId } from './visit-helpers.js';
import { confirmedVisitNow, ok } from './gate-helpers.js';

const HOST_PHONE = '17348862736'; // 姜柠檬 in the demo data
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
/** the peripheral bridge simulator (npm run kiosk-bridge-sim): its scanner "scans" what the journey posts */
async function startBridge() {
  const [wsPort, httpPort] = [await freePort(), await freePort()];
  const sim = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/kiosk-bridge-sim.ts', '--ws-port', String(wsPort), '--http-port', String(httpPort)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    sim.stdout!.on('data', (d) => String(d).includes('kiosk bridge simulator') && resolve());
    sim.on('exit', (c) => reject(new Error(`bridge simulator exited (${c})`)));
    setTimeout(() => reject(new Error('bridge simulator did not start')), 20_000);
  });
  return {
    url: `ws://127.0.0.1:${wsPort}`,
    scan: async (text: string) => {
      const r = await fetch(`http://127.0.0.1:${httpPort}/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      assert.equal(r.status, 200, await r.text());
    },
    stop: () => sim.pid && process.kill(-sim.pid, 'SIGTERM'),
  };
}

function photo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="1280"><rect width="960" height="1280" fill="#e4ebe3"/><ellipse cx="480" cy="520" rx="230" ry="300" fill="#d9a983"/><rect x="180" y="900" width="600" height="380" rx="160" fill="#5a3d7a"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}
async function fill(page: Page, id: string, value: string) {
  await tid(page, id).locator('input').fill(value);
}
async function shot(e2e: E2EContext, page: Page, name: string) {
  await settle(page);
  await e2e.screenshot(page, `kiosk-offline-${name}`);
}
async function ordersOf(e2e: E2EContext, phone: string) {
  return e2e.db.select().from(visitOrders).where(eq(visitOrders.visitorPhone, phone));
}
/** name, ID, phone, reason and the host (searched by name), as a visitor types them */
async function fillWalkIn(page: Page, v: { name: string; id: string; phone: string }) {
  await fill(page, 'wi-name', v.name);
  await fill(page, 'wi-id-number', v.id);
  await fill(page, 'wi-phone', v.phone);
  await fill(page, 'wi-reason', '递交项目申报材料');
  await fill(page, 'host-search', '柠檬');
  await tid(page, 'host-list').locator('button').filter({ hasText: '姜*檬' }).first().click();
  await tid(page, 'host-picked').waitFor();
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser } = e2e;
  const errors: string[] = [];
  const stamp = String(Date.now()).slice(-8);
  const visitor = { name: '沈离线', phone: `137${stamp}`, id: prcId(Number(stamp.slice(-3)) + 7, 14) };
  const second = { name: '陆重发', phone: `139${stamp}`, id: prcId(Number(stamp.slice(-3)) + 8, 15) };
  const booked = { name: '邵扫码', phone: `138${stamp}`, id: prcId(Number(stamp.slice(-3)) + 9, 16) };
  const qr = await confirmedVisitNow(e2e, { phone: booked.phone, register: { name: booked.name, idNumber: booked.id } }, '港区规划材料报送');
  const bridge = await startBridge();

  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const { token } = await expectStatus(await a.request.post(`${baseUrl}/api/admin/kiosk-devices`, { data: { name: '3号楼大厅访客机' } }), 201);
  const [hostRow] = await e2e.db.select({ id: staff.id, unitId: staff.unitId }).from(staff).where(eq(staff.phone, HOST_PHONE));
  const unitBefore = await expectStatus(await a.request.get(`${baseUrl}/api/admin/units/${hostRow!.unitId}`), 200);
  // the host reviews walk-ins: a sent entry is 待审核
  await expectStatus(await a.request.patch(`${baseUrl}/api/admin/units/${hostRow!.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: false } }), 200);

  const kCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, timezoneId: 'Asia/Shanghai' });
  const k = await kCtx.newPage();
  k.on('pageerror', (e) => errors.push(String(e)));
  let stopped = false;
  try {
    await expectStatus(await k.request.post(`${baseUrl}/api/kiosk/pair`, { data: { token } }), 200);
    // online first: the kiosk keeps the host list and the code key
    const kept = Promise.all([
      k.waitForResponse((r) => r.url().endsWith('/api/kiosk/hosts/offline') && r.ok()),
      k.waitForResponse((r) => r.url().endsWith('/api/codes/public-key') && r.ok()),
    ]);
    await k.goto(`${baseUrl}/kiosk/?bridge=${encodeURIComponent(bridge.url)}`);
    await kept;
    // every page's code is fetched at start (a page first opened offline still opens)
    await k.waitForLoadState('networkidle');
    await tid(k, 'walk-in').waitFor();
    assert.equal(await tid(k, 'offline-banner').count(), 0, 'no banner while the server answers');

    // his 访客预约码, as his phone shows it (valid 60 s)
    const code = (await ok(await qr.v.request.get(`${baseUrl}/api/visits/${qr.order.id}/code`))).token as string;

    // ---------------------------------------------------------------- the network is cut
    await e2e.server.stop();
    stopped = true;
    await tid(k, 'walk-in').click();
    await k.waitForURL(/\/kiosk\/walk-in$/);
    await fillWalkIn(k, visitor);
    const banner = tid(k, 'offline-banner');
    await banner.getByText('网络已断开，可继续登记，恢复后自动提交').waitFor();
    // 触摸拍照: the upload cannot be made, the shot is kept for later
    await tid(k, 'photo-take').click();
    await tid(k, 'consent-agree').click();
    await tid(k, 'photo-input').setInputFiles({ name: 'shot.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await tid(k, 'photo-preview').waitFor();
    await shot(e2e, k, 'form');
    await tid(k, 'wi-submit').click();
    await tid(k, 'offline-saved-title').getByText('已保存，网络恢复后自动提交，请到前台确认').waitFor();
    await tid(k, 'offline-count').getByText('待提交 1 条').waitFor();
    await shot(e2e, k, 'saved');

    // 预约访客 by QR: the code is checked on the kiosk; an altered one is refused in words
    await tid(k, 'result-home').click();
    await tid(k, 'appointment').click();
    await k.waitForURL(/\/kiosk\/appointment$/);
    const [h, p, sig] = code.split('.');
    await bridge.scan(`${h}.${p}.${sig!.startsWith('A') ? 'B' : 'A'}${sig!.slice(1)}`);
    await tid(k, 'lobby-error').getByText('预约码无效，请到前台咨询').waitFor();
    await shot(e2e, k, 'code-refused');
    await bridge.scan(code);
    await tid(k, 'offline-saved-title').getByText('已签到（离线），网络恢复后自动提交').waitFor();
    await tid(k, 'offline-count').getByText('待提交 2 条').waitFor();
    await shot(e2e, k, 'checked-in');

    await tid(k, 'offline-open').click();
    await k.waitForURL(/\/kiosk\/offline$/);
    const entry = k.locator('[data-test^="offline-entry-"]').filter({ hasText: visitor.name });
    await entry.locator('[data-test="offline-entry-state"]', { hasText: '待提交' }).waitFor();
    const checkInEntry = k.locator('[data-test^="offline-entry-"]').filter({ hasText: '扫码签到' });
    await checkInEntry.locator('[data-test="offline-entry-state"]', { hasText: '待提交' }).waitFor();
    await shot(e2e, k, 'records-waiting');
    assert.equal((await ordersOf(e2e, visitor.phone)).length, 0, 'nothing reached the server');

    // ---------------------------------------------------------------- the server is back
    await e2e.server.start();
    stopped = false;
    // the probe notices the server within seconds and sends the entry, photo first
    await k.locator(`[data-test^="offline-entry-"][data-state="done"]`).filter({ hasText: visitor.name }).waitFor({ timeout: 20_000 });
    await entry.locator('[data-test="offline-entry-outcome"]').getByText('待审核').waitFor();
    await banner.getByText('网络已恢复，离线记录已提交').waitFor();
    const orders = await ordersOf(e2e, visitor.phone);
    assert.equal(orders.length, 1, 'exactly one order for the walk-in');
    assert.equal(orders[0]!.kind, 'walk_in');
    assert.equal(orders[0]!.status, 'pending');
    const [lib] = await e2e.db.select().from(visitors).where(eq(visitors.phone, visitor.phone));
    assert.ok(lib?.photoKey, 'the photo taken offline was uploaded with the registration');
    // the QR check-in after it: 已到达, his name now known to the record
    await checkInEntry.locator('[data-test="offline-entry-outcome"]').getByText('已签到').waitFor({ timeout: 20_000 });
    await checkInEntry.getByText(booked.name).waitFor();
    const [arrived] = await e2e.db.select().from(visitOrders).where(eq(visitOrders.id, qr.order.id));
    assert.equal(arrived!.status, 'arrived', 'checked in by the offline QR');
    await shot(e2e, k, 'records-sent');

    // ---------------------------------------------------------------- an answer lost on the way back
    await tid(k, 'offline-back').click();
    await tid(k, 'walk-in').click();
    await fillWalkIn(k, second);
    // the server takes the walk-in, but the kiosk never hears the answer
    await k.route('**/api/kiosk/walk-ins', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    }, { times: 1 });
    await tid(k, 'wi-submit').click();
    await tid(k, 'offline-saved-title').waitFor();
    assert.equal((await ordersOf(e2e, second.phone)).length, 1, 'the server had created it');
    await tid(k, 'result-home').click();
    await tid(k, 'offline-open').click();
    const resent = k.locator('[data-test^="offline-entry-"]').filter({ hasText: second.name });
    await resent.locator('[data-test="offline-entry-state"]', { hasText: '已提交' }).waitFor({ timeout: 20_000 });
    await resent.getByText('重复提交已合并为一条').waitFor();
    assert.equal((await ordersOf(e2e, second.phone)).length, 1, 'sent again with the same key: still one order');
    await shot(e2e, k, 'records-replay');

    // ---------------------------------------------------------------- a server that never answers
    // (a hung proxy or database): after 15 s the kiosk gives up, keeps the entry and sends it later
    const third = { name: '卫无应', phone: `136${stamp}`, id: prcId(Number(stamp.slice(-3)) + 10, 17) };
    await tid(k, 'offline-back').click();
    await tid(k, 'walk-in').click();
    await fillWalkIn(k, third);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await k.route('**/api/kiosk/walk-ins', async (route) => {
      await released;
      await route.abort('timedout').catch(() => undefined); // the kiosk has long given up on it
    }, { times: 1 });
    await tid(k, 'wi-submit').click();
    await tid(k, 'offline-saved-title').waitFor({ timeout: 30_000 });
    assert.equal((await ordersOf(e2e, third.phone)).length, 0, 'nothing reached the server');
    release();
    await tid(k, 'result-home').click();
    await tid(k, 'offline-open').click();
    const late = k.locator('[data-test^="offline-entry-"]').filter({ hasText: third.name });
    await late.locator('[data-test="offline-entry-state"]', { hasText: '已提交' }).waitFor({ timeout: 30_000 });
    assert.equal((await ordersOf(e2e, third.phone)).length, 1, 'sent once when the server answered again');

    // English, on a 1920×1080 kiosk
    await k.setViewportSize({ width: 1920, height: 1080 });
    await k.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await k.reload();
    await k.getByRole('heading', { name: 'Offline entries' }).waitFor();
    await shot(e2e, k, 'records-en');
    assertNoErrors(errors);
  } finally {
    if (stopped) await e2e.server.start();
    bridge.stop();
    await qr.v.close();
    await a.request.patch(`${baseUrl}/api/admin/units/${hostRow!.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: unitBefore.allowDeskConfirm } });
    await kCtx.close();
    await adminCtx.close();
  }
}
