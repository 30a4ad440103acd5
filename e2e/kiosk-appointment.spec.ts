/**
 * K2 预约访客 and 签离 at a 1280×800 lobby kiosk with the bridge simulator, on the real server
 * (issue 10). Visits with a demo host of 市机关事务管理局, confirmed and open from now:
 * - 黄波 checks in by QR: the simulator's scanner "scans" his 访客预约码 (GET /api/visits/:id/code);
 *   the order shows as the manual's screen; 签到 → 已签到, where to go; 打印凭条 → the simulator
 *   printed his slip, whose QR the gates accept for the order.
 * - 叶莹 by ID card: the simulator "inserts" her card; a 38.0 ℃ reading stops 签到 (nothing sent),
 *   36.6 ℃ lets her in.
 * - 林海 with companion 陈夏: found by the phone typed; both shown, 全选 → 签到（2 人）; both 已到达.
 * - 韩冬, blocklisted in admin: refused in words (zh-CN, then en), and 安全告警 shows the kiosk's alert.
 * - 签离: 黄波 holds his slip to the tablet camera (a second Chromium whose fake camera shows the
 *   printed QR, decoded in the page by zxing-wasm) → 已签离 with the time; his order detail shows
 *   离开时间 · 访客机签离; 叶莹 checks out with her ID card; a second try says she already has.
 * Screenshots e2e/screenshots/kiosk-appointment-*.png (1280×800 zh-CN; en and 1920×1080 too).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { TERMS_VERSION } from '../contracts/consent.js';
import { maskIdNumber, maskPhone } from '../contracts/identity.js';
import { assertNoErrors, expectStatus, settle, tid } from './staff-visit-helpers.js';
import { newPhone, phone as phoneCtx, prcId } from './visit-helpers.js';
import { GATE_HOST, confirmedVisitNow, ok } from './gate-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KIOSK = '1号楼大厅访客机';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
async function shot(e2e: E2EContext, page: Page, name: string) {
  await settle(page);
  await e2e.screenshot(page, `kiosk-appointment-${name}`);
}

/** A visitor signed in by SMS code and registered (name + ID); returns their signed-in context. */
async function registered(e2e: E2EContext, who: { phone: string; name: string; id: string }): Promise<BrowserContext> {
  const { baseUrl, browser } = e2e;
  const c = await browser.newContext();
  await ok(await c.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: who.phone, purpose: 'visitor_login' } }));
  await ok(await c.request.post(`${baseUrl}/api/auth/visitor/login`, { data: { phone: who.phone, code: await e2e.lastSmsCode(who.phone) } }));
  await ok(await c.request.post(`${baseUrl}/api/visitor/register`, { data: { name: who.name, idNumber: who.id, idType: 'prc_id', termsVersion: TERMS_VERSION } }));
  return c;
}

/** A main visitor books from now with a companion already in the visitor library; the host approves both. */
async function groupVisitNow(e2e: E2EContext, main: { phone: string; name: string; id: string }, companion: { phone: string; name: string; id: string }) {
  const { baseUrl, browser } = e2e;
  await (await registered(e2e, companion)).close();
  const v = await registered(e2e, main);
  const start = new Date();
  const order = (await ok(
    await v.request.post(`${baseUrl}/api/visits/appointments`, {
      data: { hostPhone: GATE_HOST.phone, reason: '项目评审会', startAt: start.toISOString(), endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), companionPhones: [companion.phone], idempotencyKey: `e2e-group-${Date.now()}` },
    }),
  )) as { id: string };
  const s = await browser.newContext();
  await ok(await s.request.post(`${baseUrl}/api/auth/staff/login`, { data: GATE_HOST }));
  assert.equal((await ok(await s.request.post(`${baseUrl}/api/visits/${order.id}/review`, { data: { decision: 'approve' } }))).status, 'confirmed');
  await s.close();
  const detail = (await ok(await v.request.get(`${baseUrl}/api/visits/${order.id}`))) as { companions: Array<{ id: string; status: string }> };
  assert.deepEqual(detail.companions.map((c) => c.status), ['confirmed'], 'the companion is confirmed with the main order');
  return { v, order, companionId: detail.companions[0]!.id };
}

/** A Y4M clip (what Chromium's fake camera plays) of a QR code on white, as a slip held to the camera. */
async function qrClip(text: string, file: string) {
  const [w, h] = [640, 480];
  const code = await QRCode.toBuffer(text, { width: 360, margin: 2 });
  const gray = await sharp({ create: { width: w, height: h, channels: 3, background: '#ffffff' } })
    .composite([{ input: code, left: (w - 360) / 2, top: (h - 360) / 2 }])
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) y[i] = gray.data[i * gray.info.channels]!;
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser } = e2e;
  const errors: string[] = [];
  const seq = Date.now() % 900;
  const QR = { name: '黄波', phone: newPhone('150'), id: prcId(seq, 11) };
  const CARD = { name: '叶莹', phone: newPhone('151'), id: prcId(seq + 1, 12) };
  const MAIN = { name: '林海', phone: newPhone('152'), id: prcId(seq + 2, 13) };
  const COMP = { name: '陈夏', phone: newPhone('153'), id: prcId(seq + 3, 14) };
  const BLOCKED = { name: '韩冬', phone: newPhone('154'), id: prcId(seq + 4, 15) };

  // ------------------------------------------------------------- the visits, through the real API
  const qr = await confirmedVisitNow(e2e, { phone: QR.phone, register: { name: QR.name, idNumber: QR.id } }, '港区规划材料报送');
  const card = await confirmedVisitNow(e2e, { phone: CARD.phone, register: { name: CARD.name, idNumber: CARD.id } }, '递交项目申报材料');
  const group = await groupVisitNow(e2e, MAIN, COMP);
  const blocked = await confirmedVisitNow(e2e, { phone: BLOCKED.phone, register: { name: BLOCKED.name, idNumber: BLOCKED.id } }, '咨询');

  // ------------------------------------------------------------- the bridge simulator
  const [wsPort, httpPort] = [await freePort(), await freePort()];
  const sim = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/kiosk-bridge-sim.ts', '--ws-port', String(wsPort), '--http-port', String(httpPort)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    sim.stdout!.on('data', (d) => String(d).includes('kiosk bridge simulator') && resolve());
    sim.on('exit', (c) => reject(new Error(`bridge simulator exited (${c})`)));
    setTimeout(() => reject(new Error('bridge simulator did not start')), 20_000);
  });
  const control = `http://127.0.0.1:${httpPort}`;
  const post = async (p: string, data: unknown) => {
    const r = await fetch(`${control}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
    assert.equal(r.status, 200, `${p}: ${await r.text()}`);
  };
  const printed = async () => ((await (await fetch(`${control}/printed`)).json()) as { items: Array<{ slip: { title: string; lines: Array<{ label: string; value: string }>; qr: string } }> }).items;

  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const a = await adminCtx.newPage();
  a.on('pageerror', (e) => errors.push(String(e)));
  await e2e.adminLogin(a);
  const { token } = await expectStatus(await a.request.post(`${baseUrl}/api/admin/kiosk-devices`, { data: { name: KIOSK, location: '行政中心1号楼一楼大厅' } }), 201);

  const kCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const k = await kCtx.newPage();
  k.on('pageerror', (e) => errors.push(String(e)));
  const bridgeUrl = `ws://127.0.0.1:${wsPort}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-kiosk-cam-'));
  const others: Array<{ close: () => Promise<void> }> = [];
  const checkInRequests: string[] = [];
  k.on('request', (r) => r.url().endsWith('/api/kiosk/lobby/check-in') && checkInRequests.push(r.postData() ?? ''));
  try {
    await expectStatus(await k.request.post(`${baseUrl}/api/kiosk/pair`, { data: { token } }), 200);
    await k.goto(`${baseUrl}/kiosk/?bridge=${encodeURIComponent(bridgeUrl)}`);
    await tid(k, 'bridge-status').getByText('外设已连接').waitFor();
    await tid(k, 'appointment').getByText('预约访客', { exact: true }).waitFor();
    await tid(k, 'check-out').getByText('访客签离', { exact: true }).waitFor();
    await shot(e2e, k, 'home');

    // ———— 黄波: his 访客预约码 on the bridge's scanner
    await tid(k, 'appointment').click();
    await k.waitForURL(/\/kiosk\/appointment$/);
    assert.match(await k.title(), /预约访客/, 'the page title');
    await tid(k, 'lobby-find').getByText('扫码器已就绪').waitFor();
    await shot(e2e, k, 'find');
    const code = (await ok(await qr.v.request.get(`${baseUrl}/api/visits/${qr.order.id}/code`))).token as string;
    await post('/scan', { text: code });
    const order = tid(k, 'lobby-order');
    await order.waitFor();
    assert.equal(await order.getAttribute('data-order'), qr.order.id);
    await tid(k, 'lo-name').getByText(QR.name).waitFor();
    assert.equal(await tid(k, 'lo-idNumber').locator('dd').innerText(), maskIdNumber(QR.id), 'the ID masked');
    assert.equal(await tid(k, 'lo-phone').locator('dd').innerText(), maskPhone(QR.phone));
    await tid(k, 'lo-reason').getByText('港区规划材料报送').waitFor();
    await tid(k, 'lo-hostDept').getByText('市机关事务管理局').waitFor();
    assert.match(await tid(k, 'lo-startAt').locator('dd').innerText(), /^\d\d-\d\d \d\d:\d\d$/);
    assert.equal(await tid(k, 'lobby-people').count(), 0, 'no companions: no list');
    await shot(e2e, k, 'order');
    await tid(k, 'lobby-check-in').click();
    const outcome = tid(k, 'lobby-outcome');
    await outcome.getByText('已签到').waitFor();
    assert.equal(await outcome.getAttribute('data-tone'), 'ok');
    await tid(k, 'outcome-names').getByText(QR.name).waitFor();
    await outcome.getByText('已通知受访人您已到达').waitFor();
    const arrived = await ok(await qr.v.request.get(`${baseUrl}/api/visits/${qr.order.id}`));
    assert.equal(arrived.status, 'arrived');
    assert.deepEqual([arrived.presence?.arrivedVia, arrived.presence?.arrivedWhere], ['kiosk', KIOSK]);
    // 打印凭条 (the simulator has a printer): his slip, with the gates' code for the order
    await tid(k, 'lobby-print').click();
    await k.getByText('访客凭条已打印，请取走').waitFor();
    await tid(k, 'lobby-print').getByText('凭条已打印').waitFor();
    await shot(e2e, k, 'checked-in');
    const slips = await printed();
    assert.equal(slips.length, 1);
    const slip = slips[0]!.slip;
    const line = (label: string) => slip.lines.find((l) => l.label === label)?.value;
    assert.equal(slip.title, '访客凭条');
    assert.equal(line('访客'), QR.name);
    assert.ok(line('受访人'), 'the host');
    assert.match(line('时段') ?? '', /\d\d:\d\d–\d\d:\d\d$/);
    // the QR is a signed code for his order (the gates check it offline against the public key)
    const verified = await expectStatus(await k.request.post(`${baseUrl}/api/codes/verify`, { data: { token: slip.qr } }), 200);
    assert.deepEqual([verified.valid, verified.order.id, verified.order.status], [true, qr.order.id, 'arrived'], 'the slip of a visitor on site is valid, as at the gates');
    const simPage = await kCtx.newPage();
    await simPage.goto(`${control}/`);
    await simPage.getByText(`访客：${QR.name}`).waitFor();
    await shot(e2e, simPage, 'simulator');
    await simPage.close();
    await tid(k, 'outcome-home').click();

    // ———— 叶莹: her ID card on the reader; a fever stops 签到, a normal reading lets her in
    await tid(k, 'appointment').click();
    await tid(k, 'lobby-find').getByText('读卡器已就绪').waitFor();
    await post('/insert-card', { card: { name: CARD.name, idNumber: CARD.id } });
    await tid(k, 'lo-name').getByText(CARD.name).waitFor();
    assert.equal(await order.getAttribute('data-order'), card.order.id);
    await post('/measure', { celsius: 38.0 });
    await tid(k, 'lobby-temperature-tag').getByText('异常').waitFor();
    await k.getByText('体温异常（38.0 ℃，达到 37.3 ℃），不能自助签到，请到前台人工处理').waitFor();
    const before = checkInRequests.length;
    await tid(k, 'lobby-check-in').click();
    await k.waitForTimeout(500);
    assert.equal(checkInRequests.length, before, 'an 异常 temperature stops 签到');
    await shot(e2e, k, 'fever');
    await post('/measure', { celsius: 36.6 });
    await tid(k, 'lobby-temperature-tag').getByText('正常').waitFor();
    await tid(k, 'lobby-check-in').click();
    await tid(k, 'outcome-names').getByText(CARD.name).waitFor();
    assert.equal(JSON.parse(checkInRequests.at(-1)!).temperature, 36.6, 'the reading goes with the check-in');
    assert.equal((await ok(await card.v.request.get(`${baseUrl}/api/visits/${card.order.id}`))).status, 'arrived');
    await tid(k, 'outcome-home').click();

    // ———— 林海 and 陈夏: found by the phone typed, shown together, checked in together
    // (first at 1920×1080, to see the wide kiosk)
    const wide = await browser.newContext({ viewport: { width: 1920, height: 1080 }, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    others.push(wide);
    await wide.addCookies(await kCtx.cookies());
    const w = await wide.newPage();
    w.on('pageerror', (e) => errors.push(String(e)));
    await w.goto(`${baseUrl}/kiosk/appointment`);
    await tid(w, 'lobby-phone').locator('input').fill(MAIN.phone);
    await tid(w, 'lobby-find-phone').click();
    await tid(w, 'lobby-people').waitFor();
    await shot(e2e, w, 'group-1920');
    await wide.close();

    await tid(k, 'appointment').click();
    await tid(k, 'lobby-phone').locator('input').fill(MAIN.phone);
    await tid(k, 'lobby-find-phone').click();
    const people = tid(k, 'lobby-people');
    await people.getByText('同行人员（共 2 人）：勾选要签到的人员').waitFor();
    await tid(k, `person-${group.order.id}`).getByText('主访客').waitFor();
    await tid(k, `person-${group.companionId}`).getByText(COMP.name).waitFor();
    assert.equal(await tid(k, `person-${group.order.id}`).getAttribute('aria-pressed'), 'true', 'the one found is ticked');
    assert.equal(await tid(k, `person-${group.companionId}`).getAttribute('aria-pressed'), 'false');
    await tid(k, 'lobby-select-all').click();
    await tid(k, 'lobby-check-in').getByText('签到（2 人）').waitFor();
    await shot(e2e, k, 'group');
    await tid(k, 'lobby-check-in').click();
    await tid(k, 'outcome-names').getByText(`${MAIN.name}、${COMP.name}`).waitFor();
    await shot(e2e, k, 'group-checked-in');
    const g = await ok(await group.v.request.get(`${baseUrl}/api/visits/${group.order.id}`));
    assert.deepEqual([g.status, g.companions[0].status], ['arrived', 'arrived']);
    await tid(k, 'outcome-home').click();

    // ———— 韩冬, blocklisted: refused in words, and the desk alerted
    const [lib] = (await ok(await a.request.get(`${baseUrl}/api/admin/visitors?q=${BLOCKED.phone}`))).items as Array<{ id: string }>;
    await ok(await a.request.patch(`${baseUrl}/api/admin/visitors/${lib!.id}/block`, { data: { blocked: true, reason: '冒用他人证件' } }));
    await tid(k, 'appointment').click();
    await tid(k, 'lobby-phone').locator('input').fill(BLOCKED.phone);
    await tid(k, 'lobby-find-phone').click();
    await tid(k, 'outcome-title').getByText('无法办理，请到前台咨询').waitFor();
    assert.equal(await outcome.getAttribute('data-tone'), 'refused');
    await outcome.getByText('无法签到').waitFor();
    await shot(e2e, k, 'blocked');
    assert.equal((await ok(await blocked.v.request.get(`${baseUrl}/api/visits/${blocked.order.id}`))).status, 'cancelled');
    await a.goto(`${baseUrl}/admin/alerts`);
    const alertRow = tid(a, 'alerts-table').locator('.el-table__row').filter({ hasText: BLOCKED.name }).first();
    await alertRow.waitFor();
    await alertRow.getByText('黑名单人员').waitFor();
    await alertRow.getByText(KIOSK).waitFor();
    await alertRow.getByText('待处理').waitFor();
    await settle(a);
    await e2e.screenshot(a, 'kiosk-appointment-admin-alert');
    // the same in English
    await tid(k, 'outcome-again').click();
    await k.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await k.reload();
    await k.getByRole('heading', { name: 'Appointment visitor' }).waitFor();
    await shot(e2e, k, 'find-en');
    await tid(k, 'lobby-phone').locator('input').fill(BLOCKED.phone);
    await tid(k, 'lobby-find-phone').click();
    await tid(k, 'outcome-title').getByText('We cannot check you in here. Please go to the front desk.').waitFor();
    await shot(e2e, k, 'blocked-en');
    await k.evaluate(() => localStorage.setItem('sg_locale', 'zh-CN'));
    await k.goto(`${baseUrl}/kiosk/`);

    // ———— 签离: 黄波 holds his printed slip to the tablet's camera (Chromium's fake camera plays it)
    const clip = path.join(tmp, 'slip.y4m');
    await qrClip(slip.qr, clip);
    const camBrowser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
    });
    others.push(camBrowser);
    const camCtx = await camBrowser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    await camCtx.addCookies(await kCtx.cookies());
    const c = await camCtx.newPage();
    c.on('pageerror', (e) => errors.push(String(e)));
    const fromCdn: string[] = [];
    c.on('request', (r) => !r.url().startsWith(baseUrl) && !r.url().startsWith('data:') && !r.url().startsWith('blob:') && fromCdn.push(r.url()));
    await c.goto(`${baseUrl}/kiosk/`);
    await tid(c, 'check-out').click();
    await c.waitForURL(/\/kiosk\/check-out$/);
    await c.getByRole('heading', { name: '访客签离' }).waitFor();
    await shot(e2e, c, 'check-out');
    await tid(c, 'lobby-camera').click();
    const left = tid(c, 'lobby-outcome');
    await left.getByText('已签离，感谢您的来访').waitFor({ timeout: 20_000 });
    await tid(c, 'outcome-names').getByText(QR.name).waitFor();
    assert.match(await tid(c, 'outcome-left-at').innerText(), /^签离时间：\d\d:\d\d$/);
    await shot(e2e, c, 'checked-out');
    assert.deepEqual(fromCdn, [], 'the QR decoder loads nothing from outside the server');
    await camBrowser.close();

    // his order records the leave: 离开时间 · 访客机签离 on his phone's order detail
    const out = await ok(await qr.v.request.get(`${baseUrl}/api/visits/${qr.order.id}`));
    assert.deepEqual([out.presence.leftVia, out.presence.leftWhere], ['kiosk', KIOSK]);
    const visitor = await phoneCtx(e2e, errors);
    others.push(visitor.context);
    await visitor.context.addCookies(await qr.v.cookies());
    await visitor.page.goto(`${baseUrl}/visits/${qr.order.id}`);
    const presence = tid(visitor.page, 'presence');
    await tid(visitor.page, 'presence-arrived').getByText(`访客机签到 · ${KIOSK}`).waitFor();
    await tid(visitor.page, 'presence-left').getByText(`访客机签离 · ${KIOSK}`).waitFor();
    await presence.scrollIntoViewIfNeeded();
    await settle(visitor.page);
    await visitor.page.screenshot({ path: path.join(root, 'e2e/screenshots/kiosk-appointment-visitor-left.png') });

    // 叶莹 checks out with her ID card at the 1280×800 kiosk; once more → already checked out
    await tid(k, 'check-out').click();
    await tid(k, 'lobby-find').getByText('读卡器已就绪').waitFor();
    await post('/insert-card', { card: { name: CARD.name, idNumber: CARD.id } });
    await tid(k, 'outcome-names').getByText(CARD.name).waitFor();
    await tid(k, 'lobby-outcome').getByText('已签离').first().waitFor();
    assert.ok((await ok(await card.v.request.get(`${baseUrl}/api/visits/${card.order.id}`))).presence.leftAt);
    await tid(k, 'outcome-home').click();
    await tid(k, 'check-out').click();
    await tid(k, 'lobby-id-number').locator('input').fill(CARD.id);
    await tid(k, 'lobby-find-id').click();
    await tid(k, 'outcome-title').getByText('您已签离').waitFor();
    await shot(e2e, k, 'already-left');
    assertNoErrors(errors);
  } finally {
    for (const o of others) await o.close().catch(() => undefined);
    await kCtx.close();
    await adminCtx.close();
    for (const c of [qr.v, card.v, group.v, blocked.v]) await c.close();
    if (sim.pid) process.kill(-sim.pid, 'SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
