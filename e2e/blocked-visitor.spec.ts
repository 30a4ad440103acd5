/**
 * Journey (issue 8: a blocked visitor at the gate, 1440×900). A new visitor books a visit starting
 * now with a demo host of 市机关事务管理局 (行政中心1号楼); the host approves it and the workers push
 * the credentials to the 1号楼 simulator gate. The administrator sees the person on the gate
 * (设备管理 → 详情 → 设备上的凭证) and opens 模拟通行 for them — they are walking up to the gate.
 * Meanwhile, in a second tab, the administrator blocks them in 访客库: the dialog says what blocking
 * does, and afterwards that their open order was cancelled. Within seconds the gate no longer holds
 * them; the 模拟通行 is refused (已列入黑名单), the order never becomes 已到达. The menu badge of
 * 安全告警 shows the alert, the page lists it (黑名单人员, the gate, 已列入黑名单) and the
 * administrator handles it with a comment. A gate that lets the blocked person through anyway
 * (a device's own verdict, with its clock two hours off) is recorded as 异常放行 in 通行记录, in red,
 * with the device's time. Screenshots of 安全告警 (zh-CN, en) and 通行记录 with the anomaly.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { newPhone, prcId } from './visit-helpers.js';
import { GATE, confirmedVisitNow, ok } from './gate-helpers.js';

/** how long the gate may keep a blocked person's credentials */
const GONE_WITHIN_MS = 10_000;

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const VISITOR = { name: '孙立行', phone: newPhone('158'), id: prcId(Date.now() % 991, 25) };

  // ———— a new visitor's confirmed order whose window is open now (start: now, within the minute's grace)
  const { v, me, order } = await confirmedVisitNow(e2e, { phone: VISITOR.phone, register: { name: VISITOR.name, idNumber: VISITOR.id } }, '项目对接');

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  const watch = (p: Page) => p.on('pageerror', (e) => errors.push(e.message));
  watch(page);
  const shot = async (p: Page, name: string) => {
    await p.waitForTimeout(400);
    await screenshot(p, name);
  };
  const tid = (p: Page, id: string) => p.locator(`[data-test="${id}"]`);
  let lib: Page | null = null;
  try {
    await e2e.adminLogin(page);
    const gate = ((await ok(await page.request.get(`${baseUrl}/api/admin/devices`))).items as Array<{ id: string; name: string }>).find((d) => d.name === GATE);
    assert.ok(gate, 'the demo gate of 1号楼');
    const openAlertsBefore = (await ok(await page.request.get(`${baseUrl}/api/admin/alerts/counts`))).open as number;

    // ———— 设备管理: the gate holds the person (pushed by the workers); 模拟通行 opened for them
    await page.goto(`${baseUrl}/admin/`);
    await page.locator('.el-menu').getByText('设备管理', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/devices`);
    await tid(page, 'devices-table').locator('.el-table__row').filter({ hasText: GATE }).getByRole('button', { name: '详情' }).click();
    const drawer = tid(page, 'device-drawer');
    const held = tid(page, 'held-table');
    for (let i = 0; i < 40 && !(await held.getByText(VISITOR.name).count()); i++) {
      await page.waitForTimeout(250);
      await drawer.getByRole('button', { name: '刷新' }).click();
    }
    const heldRow = held.locator('.el-table__row').filter({ hasText: VISITOR.name });
    await heldRow.waitFor();
    await heldRow.getByText('身份证').waitFor();
    await heldRow.locator('[data-test=simulate]').click();
    const simDialog = page.locator('.el-dialog').filter({ hasText: `模拟通行：${VISITOR.name}` });
    await simDialog.getByText('身份证', { exact: true }).click();

    // ———— 访客库 (second tab): 加入黑名单 says what it does, then how many orders were cancelled
    lib = await context.newPage();
    watch(lib);
    await lib.goto(`${baseUrl}/admin/visitors`);
    await lib.locator('input[data-test=visitor-search]').fill(VISITOR.phone);
    await lib.locator('input[data-test=visitor-search]').press('Enter');
    const libTable = tid(lib, 'visitor-table');
    await lib.waitForFunction(() => document.querySelectorAll('[data-test=visitor-table] .el-table__body-wrapper tbody tr').length === 1);
    await libTable.getByText(VISITOR.name).waitFor();
    await tid(lib, `block-${VISITOR.phone}`).click();
    const box = lib.locator('.el-message-box');
    await box.getByText('将立即从所有通行设备撤销其凭证，并取消其未完成的预约（受访人会收到通知）。移出黑名单不会恢复已取消的预约。').waitFor();
    await box.locator('input').fill('冒用他人证件');
    await shot(lib, 'admin-visitor-block-dialog');
    await box.getByRole('button', { name: '加入黑名单' }).click();
    const blockedAt = Date.now();
    await lib.getByText('已加入黑名单，已取消其 1 个未完成的预约').waitFor();
    await tid(lib, `blocked-${VISITOR.phone}`).waitFor();
    const cancelled = await ok(await v.request.get(`${baseUrl}/api/visits/${order.id}`));
    assert.deepEqual([cancelled.status, cancelled.cancelReason], ['cancelled', 'blocked']);
    // the visit history in the drawer says why
    await tid(lib, `detail-${VISITOR.phone}`).click();
    await lib.locator('.el-drawer').getByText('已列入黑名单').first().waitFor();
    await lib.keyboard.press('Escape');

    // ———— the gate no longer holds them, within seconds
    let goneAfter = -1;
    while (Date.now() - blockedAt <= GONE_WITHIN_MS) {
      const h = (await ok(await lib.request.get(`${baseUrl}/api/admin/devices/${gate.id}/held`))).items as Array<{ personId: string; name: string }>;
      if (!h.some((x) => x.name === VISITOR.name)) {
        goneAfter = Date.now() - blockedAt;
        break;
      }
      await lib.waitForTimeout(200);
    }
    assert.ok(goneAfter >= 0, `the gate still holds ${VISITOR.name} ${GONE_WITHIN_MS} ms after blocking`);
    console.log(`    blocked visitor gone from the gate after ${goneAfter} ms`);

    // ———— at the gate: 模拟通行 with the ID card is refused, and the order is not 已到达
    await page.bringToFront();
    await tid(page, 'run-simulate').click();
    await page.getByText('未放行（已列入黑名单）').waitFor();
    assert.equal((await ok(await v.request.get(`${baseUrl}/api/visits/${order.id}`))).status, 'cancelled');
    await drawer.getByRole('button', { name: '刷新' }).click();
    await held.getByText(VISITOR.name).waitFor({ state: 'detached' });

    // ———— a gate that lets them through anyway (its own verdict, its clock 2 h behind): 异常放行
    const token = (await ok(await page.request.get(`${baseUrl}/api/admin/devices/${gate.id}/token`))).token as string;
    const personId = String(order.id).replace(/-/g, '').toLowerCase();
    const anomaly = await ok(
      await page.request.post(`${baseUrl}/api/access/events`, {
        headers: { authorization: `Bearer ${token}` },
        data: { method: 'id_card', direction: 'in', result: 'granted', personId, at: new Date(Date.now() - 2 * 3600_000).toISOString() },
      }),
    );
    assert.deepEqual([anomaly.result, anomaly.arrived, anomaly.note], ['anomaly', false, 'VISITOR_BLOCKED']);
    await drawer.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });
    await page.getByRole('tab', { name: '通行记录' }).click();
    const events = tid(page, 'events-table');
    const anomalyRow = events.locator('.el-table__row').filter({ hasText: '异常放行' }).first();
    await anomalyRow.waitFor();
    await anomalyRow.getByText(VISITOR.name).waitFor();
    await anomalyRow.getByText('已列入黑名单').waitFor();
    await anomalyRow.locator('[data-test=clock-skew]').getByText('设备时间').waitFor();
    assert.match(await anomalyRow.locator('.el-tag--danger').first().innerText(), /异常放行/);
    const deniedRow = events.locator('.el-table__row').filter({ hasText: VISITOR.name }).filter({ hasText: '拒绝' }).first();
    await deniedRow.getByText('已列入黑名单').waitFor();
    await shot(page, 'admin-pass-events-anomaly');

    // ———— 安全告警: the menu badge (polled), the alert row, 处理 with a comment
    const badge = tid(page, 'alerts-badge');
    await badge.waitFor({ timeout: 20_000 });
    assert.ok(Number(await badge.innerText()) >= 1, 'the badge counts the open alert');
    const openNow = (await ok(await page.request.get(`${baseUrl}/api/admin/alerts/counts`))).open as number;
    assert.ok(openNow >= openAlertsBefore + 1, 'blocking then refusing at the gate raised an alert');
    await page.locator('.el-menu').getByText('安全告警', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/alerts`);
    const alerts = tid(page, 'alerts-table');
    const alertRow = alerts.locator('.el-table__row').filter({ hasText: VISITOR.name }).first();
    await alertRow.waitFor();
    await alertRow.getByText('黑名单人员').waitFor();
    await alertRow.getByText(GATE).waitFor();
    await alertRow.getByText('已列入黑名单').waitFor();
    await alertRow.getByText('待处理').waitFor();
    await shot(page, 'admin-alerts');

    await alertRow.locator('[data-test=handle-alert]').click();
    const handle = tid(page, 'handle-dialog');
    await handle.getByText(`黑名单人员：${VISITOR.name}（${GATE}）`).waitFor();
    await handle.locator('textarea').fill('已通知安保到场核实，访客已劝离');
    await tid(page, 'confirm-handle').click();
    await page.getByText('已处理 1 条告警').waitFor();
    await alerts.getByText(VISITOR.name).waitFor({ state: 'detached' }); // 待处理 no longer lists it
    assert.equal((await ok(await page.request.get(`${baseUrl}/api/admin/alerts/counts`))).open, openNow - 1);
    if (openNow - 1 === 0) await badge.waitFor({ state: 'detached' });
    else assert.equal(await badge.innerText(), String(openNow - 1));
    await tid(page, 'alert-state').getByText('已处理').click();
    const handledRow = alerts.locator('.el-table__row').filter({ hasText: VISITOR.name }).first();
    await handledRow.getByText('已通知安保到场核实，访客已劝离').waitFor();
    await handledRow.getByText(/于 .* 处理/).waitFor();
    await shot(page, 'admin-alerts-handled');

    // the person links to their record in 访客库
    await handledRow.getByRole('link', { name: VISITOR.name }).click();
    await page.waitForURL(/\/admin\/visitors\?visitor=/);
    await page.locator('.el-drawer').getByText(VISITOR.phone).first().waitFor();
    assert.ok(page.url().endsWith(me!.id), 'the link opens the visitor');

    // ———— English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.goto(`${baseUrl}/admin/alerts`);
    await tid(page, 'alert-state').getByText('All', { exact: true }).click();
    const enRow = alerts.locator('.el-table__row').filter({ hasText: VISITOR.name }).first();
    await enRow.getByText('Blocklisted person').waitFor();
    await enRow.getByText('On the blocklist').waitFor();
    await enRow.getByText('Handled', { exact: true }).waitFor();
    await shot(page, 'admin-alerts-en');
    await page.goto(`${baseUrl}/admin/devices`);
    await page.getByRole('tab', { name: 'Pass records' }).click();
    const enAnomaly = events.locator('.el-table__row').filter({ hasText: 'Anomaly' }).first();
    await enAnomaly.getByText('On the blocklist').waitFor();
    await enAnomaly.getByText('Device time').waitFor();
    await shot(page, 'admin-pass-events-anomaly-en');
    await page.evaluate(() => localStorage.removeItem('sg_locale'));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await v.close();
  }
}
