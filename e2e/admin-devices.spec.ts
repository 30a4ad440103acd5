/**
 * Journey (A7 设备管理, X4, 1440×900). A demo visitor (赵明远) books a visit starting now with a demo
 * host of 市机关事务管理局 (行政中心1号楼), the host approves it; the workers push the credentials to
 * the demo simulator gate of 行政中心1号楼. The administrator sees the devices table, adds a
 * device (dialog), opens the 1号楼 gate's detail — it holds 赵明远 (ID card + QR, no photo) — and
 * runs 模拟通行: the order becomes 已到达. 下发队列 and 通行记录 show the issuance and the pass. The
 * page in English. The added device is deleted again.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { GATE, confirmedVisitNow, ok } from './gate-helpers.js';

const VISITOR = { name: '赵明远', phone: '13800000003' };

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;

  // ———— a confirmed order whose window is open now
  const { v, order } = await confirmedVisitNow(e2e, VISITOR, '设备调试');

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = async (name: string) => {
    await page.waitForTimeout(400);
    await screenshot(page, name);
  };
  const tid = (id: string) => page.locator(`[data-test="${id}"]`);
  try {
    await e2e.adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await page.locator('.el-menu').getByText('设备管理', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/devices`);
    const table = tid('devices-table');
    await table.getByText(GATE).waitFor();
    assert.equal(await page.locator('[data-test=coming-soon]').count(), 0, 'the page is no longer 即将推出');
    await table.getByText('行政中心2号楼入口闸机（模拟）').waitFor();
    await shot('admin-devices');

    // ———— 添加设备 (dialog), saved, then deleted
    await tid('new-device').click();
    const dialog = tid('device-dialog');
    await dialog.locator('input[name=device-name]').fill('北门道闸');
    await dialog.getByText('道闸', { exact: true }).click();
    // a barrier takes plates through the MQTT terminal protocol (or the simulator): ISAPI is offered but not choosable
    await tid('barrier-adapter-hint').waitFor();
    await tid('device-adapter').click();
    const isapi = page.locator('.el-select-dropdown__item:visible').filter({ hasText: '海康威视 ISAPI' });
    assert.match(await isapi.innerText(), /道闸暂不支持/);
    assert.match((await isapi.getAttribute('class')) ?? '', /is-disabled/);
    await page.locator('.el-select-dropdown__item:visible').getByText('MQTT 终端').click();
    await dialog.locator('input[name=device-address]').fill('mqtt://127.0.0.1:1883/barrier-north');
    await dialog.locator('input[name=device-username]').fill('admin');
    await dialog.locator('input[type=password]').fill('Hik12345!');
    await tid('device-buildings').click();
    await page.locator('.el-select-dropdown__item:visible').getByText('行政中心2号楼').click();
    await dialog.locator('.el-dialog__title').click(); // close the dropdown
    await shot('admin-devices-form');
    await tid('save-device').click();
    await dialog.waitFor({ state: 'hidden' });
    await table.getByText('北门道闸').waitFor();
    const devices = (await ok(await page.request.get(`${baseUrl}/api/admin/devices`))).items as Array<{ id: string; name: string; kind: string; adapter: string; hasPassword: boolean; buildingNames: string[] }>;
    const added = devices.find((d) => d.name === '北门道闸');
    assert.deepEqual([added?.kind, added?.adapter, added?.hasPassword, added?.buildingNames], ['barrier', 'mqtt', true, ['行政中心2号楼']]);
    assert.ok(!JSON.stringify(devices).includes('Hik12345!'), 'the password is never returned');

    // ———— the 1号楼 gate holds the visitor (pushed by the workers)
    const row = table.locator('.el-table__row').filter({ hasText: GATE });
    await row.getByRole('button', { name: '详情' }).click();
    const drawer = tid('device-drawer');
    const held = tid('held-table');
    for (let i = 0; i < 40 && !(await held.getByText(VISITOR.name).count()); i++) {
      await page.waitForTimeout(250);
      await drawer.getByRole('button', { name: '刷新' }).click();
    }
    await held.getByText(VISITOR.name).waitFor();
    await held.getByText('身份证').waitFor();
    await held.getByText('二维码').waitFor();
    assert.equal(await held.getByText('人脸').count(), 0, 'no photo, no face');
    await shot('admin-devices-detail');

    // ———— 模拟通行 → 已到达
    await tid('simulate').first().click();
    await page.locator('.el-dialog').filter({ hasText: '模拟通行：' }).getByText('身份证', { exact: true }).click();
    await shot('admin-devices-simulate');
    await tid('run-simulate').click();
    await page.getByText('已放行，单据已标记为已到达').waitFor();
    assert.equal((await ok(await v.request.get(`${baseUrl}/api/visits/${order.id}`))).status, 'arrived');
    await drawer.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });

    // ———— 下发队列 and 通行记录
    await page.getByRole('tab', { name: '下发队列' }).click();
    const queue = tid('queue-table');
    await queue.getByText(VISITOR.name).first().waitFor();
    await queue.getByText('已下发').first().waitFor();
    await shot('admin-devices-queue');
    await page.getByRole('tab', { name: '通行记录' }).click();
    const events = tid('events-table');
    await events.getByText(VISITOR.name).first().waitFor();
    await events.getByText('通过').first().waitFor();
    await shot('admin-devices-events');

    // ———— English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.reload();
    await table.getByText('Turnstile').first().waitFor();
    await table.getByText('Simulator').first().waitFor();
    await shot('admin-devices-en');
    await page.evaluate(() => localStorage.removeItem('sg_locale'));
    await page.reload();

    // ———— the added device goes again
    await table.locator('.el-table__row').filter({ hasText: '北门道闸' }).getByRole('button', { name: '删除' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    await table.getByText('北门道闸').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await v.close();
  }
}
