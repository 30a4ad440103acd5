/**
 * X6 at a 1280×800 lobby kiosk with the bridge simulator (scripts/kiosk-bridge-sim.ts, on free
 * ports): the header shows 外设已连接; an ID card "inserted" through the simulator's control API
 * fills 姓名 and 证件号码; a 38.2 ℃ reading is 异常 and stops confirmation; 36.5 ℃ is 正常; the
 * walk-in, confirmed at the desk, prints a slip whose QR is the gates' code for the order's window.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { assertNoErrors, expectStatus, settle, tid } from './staff-visit-helpers.js';
import { prcId } from './visit-helpers.js';

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
async function shot(e2e: E2EContext, page: Page, name: string) {
  await settle(page);
  await e2e.screenshot(page, `kiosk-bridge-${name}`);
}
const value = (page: Page, id: string) => tid(page, id).locator('input').inputValue();

export async function run(e2e: E2EContext) {
  const { baseUrl, browser } = e2e;
  const errors: string[] = [];
  const stamp = String(Date.now()).slice(-8);
  const card = { name: '欧阳明', idNumber: prcId(Number(stamp.slice(-3)) + 7, 14) };
  const phone = `137${stamp}`;

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

  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const { token } = await expectStatus(await a.request.post(`${baseUrl}/api/admin/kiosk-devices`, { data: { name: '3号楼大厅访客机', location: '行政中心3号楼一楼大厅' } }), 201);
  const [hostRow] = (await expectStatus(await a.request.get(`${baseUrl}/api/admin/staff?q=${HOST_PHONE}`), 200)).items as Array<{ id: string; unitId: string }>;
  assert.ok(hostRow, 'demo host 姜柠檬');
  const unitBefore = await expectStatus(await a.request.get(`${baseUrl}/api/admin/units/${hostRow.unitId}`), 200);
  await expectStatus(await a.request.patch(`${baseUrl}/api/admin/units/${hostRow.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: true } }), 200);

  const kCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'zh-CN' });
  const k = await kCtx.newPage();
  k.on('pageerror', (e) => errors.push(String(e)));
  try {
    await expectStatus(await k.request.post(`${baseUrl}/api/kiosk/pair`, { data: { token } }), 200);
    // the bridge URL is a per-kiosk setting: ?bridge= once, kept in the browser
    await k.goto(`${baseUrl}/kiosk/?bridge=${encodeURIComponent(`ws://127.0.0.1:${wsPort}`)}`);
    const status = tid(k, 'bridge-status');
    await status.getByText('外设已连接').waitFor();
    await status.getByText('身份证 · 扫码 · 测温 · 打印').waitFor();
    await shot(e2e, k, 'home');

    await tid(k, 'walk-in').click();
    await k.waitForURL(/\/kiosk\/walk-in$/);
    await tid(k, 'bridge-status').getByText('外设已连接').waitFor();

    // a card on the reader fills 姓名, 居民身份证 and its number — nothing else
    await post('/insert-card', { card });
    await k.getByText('已读取身份证').waitFor();
    assert.equal(await value(k, 'wi-name'), card.name);
    assert.equal(await value(k, 'wi-id-number'), card.idNumber);
    assert.equal(await value(k, 'wi-id-type'), '居民身份证');
    assert.equal(await value(k, 'wi-company'), '', 'the address is not taken from the card');
    assert.equal(await tid(k, 'photo-preview').count(), 0, 'the chip photo is not used: 触摸拍照 keeps its consent');

    await tid(k, 'wi-phone').locator('input').fill(phone);
    await tid(k, 'wi-reason').locator('input').fill('递交项目申报材料');
    await tid(k, 'host-search').locator('input').fill('柠檬');
    await tid(k, 'host-list').locator('button').filter({ hasText: '姜*檬' }).first().click();
    await tid(k, 'host-picked').waitFor();

    // 38.2 ℃: 异常, and 提交 sends nothing
    await post('/measure', { celsius: 38.2 });
    await tid(k, 'wi-temperature-tag').getByText('异常').waitFor();
    assert.equal(await value(k, 'wi-temperature'), '38.2');
    await k.getByText('体温异常（38.2 ℃，达到 37.3 ℃），不能自助登记，请到前台人工处理').waitFor();
    let sent = 0;
    const count = (r: { url(): string; method(): string }) => r.url().endsWith('/api/kiosk/walk-ins') && r.method() === 'POST' && sent++;
    k.on('request', count);
    await tid(k, 'wi-submit').click();
    await k.getByText('体温异常（38.2 ℃').waitFor();
    await k.waitForTimeout(500);
    assert.equal(sent, 0, 'an 异常 temperature stops confirmation');
    await shot(e2e, k, 'fever');

    // 36.5 ℃: 正常, and the walk-in goes through — confirmed at the desk, so the slip prints
    await post('/measure', { celsius: 36.5 });
    await tid(k, 'wi-temperature-tag').getByText('正常').waitFor();
    assert.equal(await k.getByText('体温异常').count(), 0);
    await shot(e2e, k, 'filled');
    const answer = k.waitForResponse((r) => r.url().endsWith('/api/kiosk/walk-ins') && r.request().method() === 'POST');
    await tid(k, 'wi-submit').click();
    const { order } = (await (await answer).json()) as { order: { id: string; status: string } };
    assert.equal(order.status, 'confirmed');
    await tid(k, 'walkin-result').getByText('请通行').waitFor();
    await k.getByText('访客凭条已打印，请取走').waitFor();
    await shot(e2e, k, 'printed');

    const printed = (await (await fetch(`${control}/printed`)).json()) as { items: Array<{ slip: { title: string; lines: Array<{ label: string; value: string }>; qr: string }; text: string }> };
    assert.equal(printed.items.length, 1);
    const slip = printed.items[0]!.slip;
    assert.equal(slip.title, '访客凭条');
    const line = (label: string) => slip.lines.find((l) => l.label === label)?.value;
    assert.equal(line('访客'), card.name);
    assert.equal(line('受访人'), '姜*檬', 'the host masked, as the kiosk shows');
    assert.ok(line('地点'), 'the place');
    assert.match(line('时段') ?? '', /\d\d:\d\d–\d\d:\d\d$/);
    // the QR is the gates' code for this order (verified by the server as a kiosk would)
    const verified = await expectStatus(await k.request.post(`${baseUrl}/api/codes/verify`, { data: { token: slip.qr } }), 200);
    assert.equal(verified.valid, true);
    assert.equal(verified.order.id, order.id);

    // the simulator's control page shows the slip as printed
    const simPage = await kCtx.newPage();
    await simPage.goto(`${control}/`);
    await simPage.getByText(`访客：${card.name}`).waitFor();
    await shot(e2e, simPage, 'simulator');
    await simPage.close();

    // a center that asks for the 健康码 (KIOSK_HEALTH_CODE=true, given by /api/kiosk/me; the API test
    // covers the server flag, here the answer is switched on for this page): the field shows, and
    // anything but 绿码 stops confirmation
    assert.equal(await tid(k, 'wi-health-code').count(), 0, 'no 健康码 field by default');
    await k.route('**/api/kiosk/me', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), healthCode: true } });
    });
    await k.goto(`${baseUrl}/kiosk/walk-in`);
    await tid(k, 'bridge-status').getByText('外设已连接').waitFor();
    const hc = tid(k, 'wi-health-code');
    await hc.getByText('健康码').waitFor();
    await post('/insert-card', { card });
    await k.getByText('已读取身份证').waitFor();
    await tid(k, 'wi-phone').locator('input').fill(phone);
    await tid(k, 'wi-reason').locator('input').fill('递交项目申报材料');
    await tid(k, 'host-search').locator('input').fill('柠檬');
    await tid(k, 'host-list').locator('button').filter({ hasText: '姜*檬' }).first().click();
    await tid(k, 'wi-submit').click();
    await hc.getByText('请填写健康码').waitFor();
    await hc.getByText('黄码').click();
    await tid(k, 'wi-submit').click();
    await hc.getByText('健康码非绿码，不能自助登记，请到前台人工处理').waitFor();
    assert.equal(sent, 1, 'nothing sent without a 绿码');
    await shot(e2e, k, 'health-code');
    await k.unroute('**/api/kiosk/me');
    assertNoErrors(errors);
  } finally {
    await a.request.patch(`${baseUrl}/api/admin/units/${hostRow.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: unitBefore.allowDeskConfirm } });
    await kCtx.close();
    await adminCtx.close();
    if (sim.pid) process.kill(-sim.pid, 'SIGTERM');
  }
}
