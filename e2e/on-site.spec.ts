/**
 * Journey (issue 10: arrival, leave and 在场访客). A new visitor books a visit starting now with a
 * demo host of 市机关事务管理局 (行政中心1号楼); the host approves it and the workers push the
 * credentials to the 1号楼 simulator gate. The administrator (1440×900) lets the visitor in with
 * 设备管理 → 详情 → 模拟通行 (进): 在场访客 lists them, arrived through the gate, 在场. On the
 * visitor's phone (375×667) the order detail's 到访记录 shows 到达时间, 闸机通行 · the gate, and 在场;
 * the host sees the same in the staff app. Then 模拟通行 with direction 出: the order records the leave
 * (闸机出口 · the gate), the visitor and the host see 离开时间, and 在场访客 no longer lists them
 * (its empty state says so in words when nobody else is on site); 访客库 shows the arrival in the
 * visit history. Screenshots in zh-CN and en.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { maskPhone } from '../contracts/identity.js';
import { newPhone, phone, prcId, viewShot } from './visit-helpers.js';
import { GATE, GATE_HOST, confirmedVisitNow, ok } from './gate-helpers.js';

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const VISITOR = { name: '周在场', phone: newPhone('159'), id: prcId(Date.now() % 983, 27) };
  const { v, me, order } = await confirmedVisitNow(e2e, { phone: VISITOR.phone, register: { name: VISITOR.name, idNumber: VISITOR.id } }, '现场踏勘');

  const errors: string[] = [];
  const admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await admin.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  // the visitor's phone, signed in with the session of the booking
  const visitor = await phone(e2e, errors);
  await visitor.context.addCookies(await v.cookies());
  // the host's phone (staff app)
  const host = await phone(e2e, errors);
  await ok(await host.context.request.post(`${baseUrl}/api/auth/staff/login`, { data: GATE_HOST }));
  const tid = (p: Page | Locator, id: string) => p.locator(`[data-test="${id}"]`);
  const shot = async (p: Page, name: string) => {
    await p.waitForTimeout(400);
    await screenshot(p, name);
  };
  try {
    await e2e.adminLogin(page);

    // ———— 设备管理: the gate holds the visitor (pushed by the workers); 模拟通行 (进) lets them in
    await page.goto(`${baseUrl}/admin/devices`);
    await tid(page, 'devices-table').locator('.el-table__row').filter({ hasText: GATE }).getByRole('button', { name: '详情' }).click();
    const drawer = tid(page, 'device-drawer');
    const held = tid(page, 'held-table');
    for (let i = 0; i < 40 && !(await held.getByText(VISITOR.name).count()); i++) {
      await page.waitForTimeout(250);
      await drawer.getByRole('button', { name: '刷新' }).click();
    }
    const heldRow = held.locator('.el-table__row').filter({ hasText: VISITOR.name });
    const simulate = async (direction: '进' | '出') => {
      await heldRow.locator('[data-test=simulate]').click();
      const dialog = page.locator('.el-dialog').filter({ hasText: `模拟通行：${VISITOR.name}` });
      await dialog.getByText('身份证', { exact: true }).click();
      await dialog.locator('.el-radio-button').getByText(direction, { exact: true }).click();
      await tid(page, 'run-simulate').click();
      await dialog.waitFor({ state: 'hidden' });
    };
    await simulate('进');
    await page.getByText('已放行，单据已标记为已到达').waitFor();
    await page.keyboard.press('Escape');

    // ———— 在场访客 (menu entry next to 安全告警): the visitor, arrived through the gate, 在场
    await page.locator('.el-menu').getByText('在场访客', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/on-site`);
    const table = tid(page, 'on-site-table');
    const row = table.locator('.el-table__row').filter({ hasText: VISITOR.name });
    await row.waitFor();
    for (const text of [maskPhone(VISITOR.phone), '市机关事务管理局']) await row.getByText(text).first().waitFor();
    assert.equal(await tid(row, 'on-site-arrived-how').innerText(), `闸机通行 · ${GATE}`);
    assert.match(await tid(row, 'on-site-arrived').innerText(), /^\d{2}:\d{2}$/, 'arrived today: the time of day');
    assert.equal(await tid(row, 'on-site-status').innerText(), '在场');
    assert.match(await tid(page, 'on-site-summary').innerText(), /在场 \d+ 人/);
    await tid(page, 'on-site-updated').getByText(/^更新于 /).waitFor();
    await page.locator('[data-test="live-badge"][data-state="live"]').waitFor();
    await tid(table, 'on-site-building').filter({ hasText: '行政中心1号楼' }).first().waitFor();
    await shot(page, 'admin-on-site');
    // 打印: the browser's print dialog opens; what it prints is the roll call with the time it was printed
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void (window as unknown as { printed: number }).printed++;
    });
    await tid(page, 'on-site-print').click();
    await page.waitForFunction(() => (window as unknown as { printed: number }).printed === 1);
    await page.emulateMedia({ media: 'print' });
    const sheet = tid(page, 'on-site-print-sheet');
    await sheet.getByText('在场人员清单（疏散核对）').waitFor();
    await sheet.getByText(/打印时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/).waitFor();
    await sheet.locator('tbody tr').filter({ hasText: VISITOR.name }).getByText(`闸机通行 · ${GATE}`).waitFor();
    // the sheet carries the visitor's phone in full (to call them in an evacuation); the screen never does
    assert.equal(await sheet.locator('tbody tr').filter({ hasText: VISITOR.name }).locator('[data-test="print-phone"]').textContent(), VISITOR.phone);
    await shot(page, 'admin-on-site-print');
    await page.emulateMedia({ media: 'screen' });
    await sheet.waitFor({ state: 'hidden' });
    assert.ok(await table.isVisible());
    assert.ok(!(await table.textContent())?.includes(VISITOR.phone), 'the on-screen list masks phones');

    // ———— the visitor's order detail: 到访记录 — 到达时间 (time, 闸机通行 · the gate) and 在场
    await visitor.page.goto(`${baseUrl}/visits/${order.id}`);
    const presence = tid(visitor.page, 'presence');
    await presence.getByText('到访记录').waitFor();
    const arrived = tid(presence, 'presence-arrived');
    await arrived.getByText('到达时间').waitFor();
    await arrived.getByText(`闸机通行 · ${GATE}`).waitFor();
    await arrived.getByText(/^\d{2}:\d{2}$/).waitFor();
    await tid(presence, 'presence-left').getByText('在场', { exact: true }).waitFor();
    assert.equal(await tid(presence, 'presence-overstay').count(), 0, 'inside the window: not overstaying');
    await presence.scrollIntoViewIfNeeded();
    await viewShot(visitor.page, 'visitor-order-presence-on-site');

    // the host: the same in the staff app
    await host.page.goto(`${baseUrl}/staff/visits/${order.id}`);
    const hostPresence = tid(host.page, 'presence');
    await tid(hostPresence, 'presence-arrived').getByText(`闸机通行 · ${GATE}`).waitFor();
    await tid(hostPresence, 'presence-left').getByText('在场', { exact: true }).waitFor();

    // ———— 模拟通行 with direction 出: the leave is recorded
    await page.goto(`${baseUrl}/admin/devices`);
    await tid(page, 'devices-table').locator('.el-table__row').filter({ hasText: GATE }).getByRole('button', { name: '详情' }).click();
    await heldRow.waitFor(); // an exit gate's pass keeps the credential (decision 0012)
    await simulate('出');
    await page.locator('.el-message--success').getByText(/^已放行/).waitFor();
    const left = await ok(await v.request.get(`${baseUrl}/api/visits/${order.id}`));
    assert.equal(left.status, 'arrived');
    assert.deepEqual([left.presence.leftVia, left.presence.leftWhere], ['gate', GATE]);

    // 在场访客: gone (the page hears it live; 刷新 does the same)
    await page.goto(`${baseUrl}/admin/on-site`);
    await tid(page, 'on-site-summary').waitFor();
    await table.locator('.el-table__row').filter({ hasText: VISITOR.name }).waitFor({ state: 'detached' });
    const onSite = await ok(await page.request.get(`${baseUrl}/api/admin/on-site`));
    assert.ok(!onSite.items.some((r: { orderId: string }) => r.orderId === order.id));
    if (onSite.total === 0) {
      await tid(page, 'on-site-empty').getByText('目前没有在场访客').waitFor();
      assert.ok(await tid(page, 'on-site-print').isDisabled(), 'nothing to print');
      await shot(page, 'admin-on-site-empty');
    }

    // the visitor: 离开时间 with 闸机出口 · the gate
    await visitor.page.reload();
    const leftRow = tid(presence, 'presence-left');
    await leftRow.getByText(`闸机出口 · ${GATE}`).waitFor();
    await leftRow.getByText(/^\d{2}:\d{2}$/).waitFor();
    assert.equal(await leftRow.getAttribute('data-left'), 'yes');
    await presence.scrollIntoViewIfNeeded();
    await viewShot(visitor.page, 'visitor-order-presence-left');
    await host.page.reload();
    await tid(hostPresence, 'presence-left').getByText(`闸机出口 · ${GATE}`).waitFor();
    await hostPresence.scrollIntoViewIfNeeded();
    await viewShot(host.page, 'staff-order-presence-left');

    // 访客库: the visit history shows the arrival (and, where the server sends it, how and the leave)
    await page.goto(`${baseUrl}/admin/visitors?visitor=${me!.id}`);
    const history = tid(page, 'visitor-history').locator('.el-table__row').first();
    await tid(history, 'presence-arrived').getByText(/到达\s*\d{2}:\d{2}/).waitFor();
    await page.keyboard.press('Escape');

    // ———— English: the visitor's detail and 在场访客
    await visitor.page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await visitor.page.reload();
    await tid(presence, 'presence-arrived').getByText(`At a gate · ${GATE}`).waitFor();
    await tid(presence, 'presence-left').getByText(`Through an exit gate · ${GATE}`).waitFor();
    await presence.getByText('Arrival and leave').waitFor();
    await presence.scrollIntoViewIfNeeded();
    await viewShot(visitor.page, 'visitor-order-presence-en');
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.goto(`${baseUrl}/admin/on-site`);
    await page.locator('.el-menu').getByText('On site now', { exact: true }).waitFor();
    await tid(page, 'on-site-summary').getByText(/\d+ on site/).waitFor();
    await shot(page, 'admin-on-site-en');
    await page.evaluate(() => localStorage.removeItem('sg_locale'));
    assert.deepEqual(errors, []);
  } finally {
    await admin.close();
    await visitor.context.close();
    await host.context.close();
    await v.close();
  }
}
