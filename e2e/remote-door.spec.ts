/**
 * Journey (S3 远程开门, staff app 375×667; 设备管理 1440×900). The administrator opens the demo
 * door 行政中心1号楼 办公区门禁（模拟） in 设备管理 — 远程开门 on, 市机关事务管理局 and 前台接待 may
 * open it — and keeps its details open. The demo staff member 姜柠檬 (市机关事务管理局) taps the
 * 远程开门 tile: the door is listed under 行政中心1号楼; 开门 asks for confirmation, then shows 已开门
 * at once. The simulator's door opens in the administrator's drawer (门状态：已打开, 姜柠檬 in the
 * recent openings), 通行记录 has the remote pass and 审计日志 the attempt. A colleague of another
 * unit sees no door and gets 404 opening it. The staff page in English.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { ok } from './gate-helpers.js';
import { DEMO_PASSWORD, assertNoErrors, expectStatus, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';

const DOOR = '行政中心1号楼 办公区门禁（模拟）';
const DEMO_STAFF = { phone: '17348862736', name: '姜柠檬' };

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];

  // ———— the administrator: 设备管理, the demo door's settings and its details (kept open)
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const admin = await adminCtx.newPage();
  admin.on('pageerror', (e) => errors.push(`admin: ${e.message}`));
  const { page: phone, context: phoneCtx } = await phoneContext(browser, errors);
  try {
    await e2e.adminLogin(admin);
    await admin.goto(`${baseUrl}/admin/devices`);
    const table = tid(admin, 'devices-table');
    const row = table.locator('.el-table__row').filter({ hasText: DOOR });
    await row.getByText('可远程开门').waitFor();
    await row.getByRole('button', { name: '编辑' }).click();
    const dialog = tid(admin, 'device-dialog');
    await dialog.getByText('可开门单位').waitFor();
    assert.ok(await tid(admin, 'device-remote-open').evaluate((e) => e.classList.contains('is-checked')), '远程开门 is on');
    await tid(admin, 'device-open-units').getByText('市机关事务管理局').waitFor();
    await tid(admin, 'device-open-roles').getByText('前台接待').waitFor();
    await admin.waitForTimeout(400);
    await screenshot(admin, 'remote-door-admin-form');
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await row.getByRole('button', { name: '详情' }).click();
    const section = tid(admin, 'door-section');
    await section.getByText('市机关事务管理局').waitFor();
    await tid(admin, 'door-state').getByText('已关闭').waitFor();
    await tid(admin, 'door-openings').getByText('暂无远程开门记录').waitFor();

    // ———— 姜柠檬 opens it from the staff app
    await staffSignIn(e2e, phone, DEMO_STAFF.phone, DEMO_PASSWORD);
    const tile = tid(phone, 'menu-remoteDoor');
    await tile.getByText('远程开门').waitFor();
    await settle(phone);
    await screenshot(phone, 'remote-door-home');
    await tile.click();
    await phone.waitForURL(`${baseUrl}/staff/doors`);
    const doors = (await ok(await phone.request.get(`${baseUrl}/api/staff/doors`))).groups as Array<{ buildingName: string; doors: Array<{ id: string; name: string }> }>;
    assert.deepEqual(doors.map((g) => [g.buildingName, g.doors.map((d) => d.name)]), [['行政中心1号楼', [DOOR]]]);
    const doorId = doors[0]!.doors[0]!.id;
    const card = tid(phone, `door-${doorId}`);
    await phone.getByText('行政中心1号楼', { exact: false }).first().waitFor();
    await card.getByText(DOOR).waitFor();
    await settle(phone);
    await screenshot(phone, 'remote-door-list');

    await card.locator('[data-test=open-door]').click();
    const confirm = phone.locator('.van-dialog').filter({ hasText: '确认开门' });
    await confirm.getByText(`确定打开「${DOOR}」吗？`).waitFor();
    await phone.waitForTimeout(400);
    await screenshot(phone, 'remote-door-confirm');
    await confirm.getByRole('button', { name: '开门' }).click();
    await card.locator('[data-test=door-result]').getByText('已开门').waitFor();
    await settle(phone);
    await screenshot(phone, 'remote-door-opened');

    // ———— the simulator shows the door opened (the drawer watches it)
    await tid(admin, 'door-openings').getByText(DEMO_STAFF.name).waitFor({ timeout: 10_000 });
    await tid(admin, 'door-state').getByText('已打开').waitFor({ timeout: 10_000 });
    await admin.waitForTimeout(300);
    await screenshot(admin, 'remote-door-simulator');
    const state = await ok(await admin.request.get(`${baseUrl}/api/admin/devices/${doorId}/door`));
    assert.equal(state.openings[0].by, DEMO_STAFF.name);
    await tid(admin, 'device-drawer').locator('.el-drawer__close-btn').click();

    // ———— 通行记录 and 审计日志
    await admin.getByRole('tab', { name: '通行记录' }).click();
    const events = tid(admin, 'events-table');
    const pass = events.locator('.el-table__row').filter({ hasText: DEMO_STAFF.name }).first();
    await pass.getByText('远程开门').first().waitFor();
    await pass.getByText('员工远程开门').waitFor();
    const audit = (await ok(await admin.request.get(`${baseUrl}/api/admin/audit?action=access.door.open&pageSize=10`))) as { items: Array<{ action: string; targetId: string | null; detail: Record<string, unknown> }> };
    const entry = audit.items.find((a) => a.action === 'access.door.open' && a.targetId === doorId);
    assert.equal(entry?.detail.doorResult, 'opened', JSON.stringify(audit.items.slice(0, 3)));

    // ———— a colleague of another unit: no door, and 404 when trying it anyway
    const staffList = (await ok(await admin.request.get(`${baseUrl}/api/admin/staff?pageSize=100`))) as { items: Array<{ phone: string; unitName: string; hasPassword: boolean }> };
    const outsider = staffList.items.find((s) => s.unitName === '市发展和改革委员会' && s.hasPassword);
    assert.ok(outsider, 'a demo staff member of 市发展和改革委员会 with a password');
    const other = await browser.newContext();
    await ok(await other.request.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: outsider.phone, password: DEMO_PASSWORD } }));
    assert.deepEqual((await ok(await other.request.get(`${baseUrl}/api/staff/doors`))).groups, []);
    await expectStatus(await other.request.post(`${baseUrl}/api/staff/doors/${doorId}/open`, { data: {} }), 404, 'NOT_FOUND');
    await other.close();

    // ———— a door whose device does not answer: 设备离线 at once (a terminal at an address nobody listens on)
    const dead = await ok(
      await admin.request.post(`${baseUrl}/api/admin/devices`, {
        data: { name: '地下车库门禁', kind: 'door', adapter: 'hikvision_isapi', address: 'http://127.0.0.1:9', username: 'admin', password: 'Hik12345!', buildingIds: [], remoteOpen: true, openGrants: { unitIds: [], roles: [], staffIds: [] } },
      }),
    );
    const me = (await ok(await phone.request.get(`${baseUrl}/api/auth/me?scope=staff`))) as { id: string };
    await ok(await admin.request.patch(`${baseUrl}/api/admin/devices/${dead.id}`, { data: { openGrants: { unitIds: [], roles: [], staffIds: [me.id] } } }));
    await phone.reload();
    const deadCard = tid(phone, `door-${dead.id}`);
    await tid(phone, 'building-none').getByText('其他').waitFor();
    await deadCard.locator('[data-test=open-door]').click();
    await phone.locator('.van-dialog').getByRole('button', { name: '开门' }).click();
    await deadCard.locator('[data-test=door-result]').getByText('设备离线，未能开门').waitFor();
    await settle(phone);
    await screenshot(phone, 'remote-door-offline');
    await ok(await admin.request.delete(`${baseUrl}/api/admin/devices/${dead.id}`));

    // ———— English
    await phone.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await phone.reload();
    await card.getByRole('button', { name: 'Open' }).waitFor();
    await phone.getByText('Open a door').first().waitFor();
    await settle(phone);
    await screenshot(phone, 'remote-door-list-en');
    assertNoErrors(errors);
  } finally {
    await phoneCtx.close();
    await adminCtx.close();
  }
}
