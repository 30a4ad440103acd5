/**
 * Journey (issue 12, A9): the 首页 dashboard is live. The administrator (1440×900) keeps 首页 open —
 * 实时 shows the stream is connected — while, in a second tab, 设备管理 → 详情 → 模拟通行 (进) lets a
 * visitor through the 1号楼 simulator gate. Without a reload, 首页's 已到达 and 在场 each go up by
 * one, the hour's bar and the per-unit table (市机关事务管理局) follow. Screenshots in zh-CN and en.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { newPhone, prcId } from './visit-helpers.js';
import { GATE, confirmedVisitNow } from './gate-helpers.js';

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const VISITOR = { name: '蒋实时', phone: newPhone('158'), id: prcId(Date.now() % 977, 23) };
  await confirmedVisitNow(e2e, { phone: VISITOR.phone, register: { name: VISITOR.name, idNumber: VISITOR.id } }, '实时看板联调');

  const errors: string[] = [];
  const admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await admin.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const tid = (p: Page | Locator, id: string) => p.locator(`[data-test="${id}"]`);
  const num = async (key: string) => Number((await tid(page, `today-${key}`).locator('.today-value').innerText()).replace(/,/g, ''));
  try {
    await e2e.adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await tid(page, 'today').waitFor();
    await page.locator('[data-test="live-badge"][data-state="live"]').waitFor();
    assert.equal(await tid(page, 'live-badge').innerText(), '实时');
    await tid(page, 'chart-hours').locator('canvas').waitFor();
    await tid(page, 'chart-30days').locator('canvas').waitFor();
    const before = { arrived: await num('arrived'), onSite: await num('onSite'), expected: await num('expected') };
    assert.ok(before.expected >= 1, 'the confirmed visit is expected today');
    await page.waitForTimeout(400);
    await screenshot(page, 'admin-dashboard');
    // a marker that a reload would wipe
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    // ———— a second tab: 设备管理 → the 1号楼 gate → 模拟通行 (进) for the visitor
    const sim = await admin.newPage();
    sim.on('pageerror', (e) => errors.push(e.message));
    await sim.goto(`${baseUrl}/admin/devices`);
    await tid(sim, 'devices-table').locator('.el-table__row').filter({ hasText: GATE }).getByRole('button', { name: '详情' }).click();
    const drawer = tid(sim, 'device-drawer');
    const held = tid(sim, 'held-table');
    for (let i = 0; i < 40 && !(await held.getByText(VISITOR.name).count()); i++) {
      await sim.waitForTimeout(250);
      await drawer.getByRole('button', { name: '刷新' }).click();
    }
    await held.locator('.el-table__row').filter({ hasText: VISITOR.name }).locator('[data-test=simulate]').click();
    const dialog = sim.locator('.el-dialog').filter({ hasText: `模拟通行：${VISITOR.name}` });
    await dialog.getByText('身份证', { exact: true }).click();
    await dialog.locator('.el-radio-button').getByText('进', { exact: true }).click();
    await tid(sim, 'run-simulate').click();
    await sim.getByText('已放行，单据已标记为已到达').waitFor();
    await sim.close();

    // ———— 首页, never reloaded, follows
    await page.bringToFront();
    for (let i = 0; i < 50 && !((await num('arrived')) === before.arrived + 1 && (await num('onSite')) === before.onSite + 1); i++) await page.waitForTimeout(200);
    assert.deepEqual({ arrived: await num('arrived'), onSite: await num('onSite') }, { arrived: before.arrived + 1, onSite: before.onSite + 1 });
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, 'the page was not reloaded');
    const unitRow = tid(page, 'unit-table').locator('.el-table__row').filter({ hasText: '市机关事务管理局' });
    await unitRow.waitFor();
    assert.ok(Number((await unitRow.locator('td').nth(2).innerText()).trim()) >= 1, '市机关事务管理局: arrived today');
    await page.waitForTimeout(500);
    await screenshot(page, 'admin-dashboard-live');

    // ———— English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.reload();
    await page.locator('[data-test="live-badge"][data-state="live"]').waitFor();
    assert.equal(await tid(page, 'live-badge').innerText(), 'Live');
    await page.getByText('Arrivals today by hour').waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'admin-dashboard-en');
    assert.deepEqual(errors, []);
  } finally {
    await admin.close();
  }
}
