/**
 * Journey: a 单位管理员 can't see another unit (A10, issue 12) at 1440×900. The system administrator
 * opens 系统 → 管理员 and creates a unit administrator for 市发展和改革委员会. That administrator signs
 * in: the header names the unit; 设备管理, 在场访客 and the 系统 menu are absent; 会议室 lists only the
 * unit's own room and a new room is the unit's; 通知模板 shows the unit's wording (the center's until
 * the unit words an event itself, then 单位模板, and 恢复中心模板 goes back); 人员管理
 * lists only the unit's staff with the unit filter fixed; 记录查询 lists only the unit's orders (the
 * other unit's visitor is not there, 通行记录/操作日志 tabs are gone); another unit's staff record by
 * the API answers 404 and a system page's address leads back to 首页. Then 账号安全: two-step
 * verification on (the code computed here with otpauth from the key on screen), the recovery codes
 * shown once; signing in again asks for the code after the password. Also in English. Last, a
 * server with ADMIN_REQUIRE_2FA: the administrator is sent to 账号安全 (every other admin API answers
 * 403 TWO_FACTOR_REQUIRED) until the second factor is set up.
 */
import assert from 'node:assert/strict';
import { and, eq, isNull } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { meetingRooms, staff, units, visitOrders, visitors } from '../server/src/db/schema/index.js';

const HOUR = 3600_000;
const USERNAME = 'fgw-admin';
const PASSWORD = 'Fgw@2026-unit';
const UNIT = '市发展和改革委员会';
const OTHER = '市机关事务管理局';

export async function run(ctx: E2EContext) {
  const { baseUrl, browser, screenshot, adminLogin, db } = ctx;
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(400); // let dialogs finish their transitions
    await screenshot(page, name);
  };
  const [mine] = await db.select().from(units).where(eq(units.name, UNIT));
  const [other] = await db.select().from(units).where(eq(units.name, OTHER));
  assert.ok(mine && other, 'the demo units');
  const [myHost] = await db.select().from(staff).where(and(eq(staff.unitId, mine.id), isNull(staff.deletedAt))).limit(1);
  const [otherHost] = await db.select().from(staff).where(and(eq(staff.unitId, other.id), isNull(staff.deletedAt))).limit(1);
  assert.ok(myHost && otherHost, 'staff in both units');
  // one visitor's order with each unit
  const start = new Date(Date.now() + 2 * HOUR);
  const [mineV] = await db.insert(visitors).values({ name: '发改访客甲', phone: '15700007001' }).returning();
  const [otherV] = await db.insert(visitors).values({ name: '机关访客乙', phone: '15700007002' }).returning();
  for (const [v, h] of [[mineV!, myHost], [otherV!, otherHost]] as const) {
    await db.insert(visitOrders).values({ kind: 'appointment', status: 'confirmed', visitorId: v.id, visitorPhone: v.phone, hostId: h.id, unitId: h.unitId, reason: '单位管理员测试', startAt: start, endAt: new Date(start.getTime() + 2 * HOUR) });
  }

  // ------------------------------------------------------------ the system admin creates the unit admin
  const sysCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const sys = await sysCtx.newPage();
  try {
    await adminLogin(sys);
    await sys.goto(`${baseUrl}/admin/system/admins`);
    await sys.locator('[data-test=admins-table]').waitFor();
    await sys.locator('[data-test=new-admin]').click();
    const dlg = sys.locator('.el-dialog').filter({ hasText: '新增管理员' });
    await dlg.locator('input[name=admin-username]').fill(USERNAME);
    await dlg.locator('input[name=admin-name]').fill('发改委管理员');
    await dlg.getByText('单位管理员', { exact: true }).click();
    await dlg.locator('[data-test=admin-unit]').click();
    await sys.locator('.el-select-dropdown__item', { hasText: UNIT }).click();
    await dlg.locator('input[name=admin-password]').fill(PASSWORD);
    await shot(sys, 'admin-admins-create');
    await dlg.locator('[data-test=admin-save]').click();
    const row = sys.locator('[data-test=admins-table] tr.el-table__row', { hasText: USERNAME });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`单位管理员[\\s\\S]*${UNIT}`));
    await shot(sys, 'admin-admins');
  } finally {
    await sysCtx.close();
  }

  // ------------------------------------------------------------ the unit admin signs in
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  try {
    await signIn(page, baseUrl);
    await page.locator('[data-test=unit-admin-tag]').waitFor();
    assert.match(await page.locator('[data-test=unit-admin-tag]').innerText(), new RegExp(UNIT));
    const menu = page.locator('.aside');
    for (const absent of ['设备管理', '在场访客', '系统', '楼宇']) assert.equal(await menu.getByText(absent, { exact: true }).count(), 0, `${absent} is not in a unit admin's menu`);
    for (const present of ['人员管理', '记录查询', '审批流程', '访客库', '会议室', '通知模板']) assert.equal(await menu.getByText(present, { exact: true }).count(), 1, `${present} is in the menu`);
    await shot(page, 'unit-admin-home');

    // 单位与部门: only their unit, no 新增单位; its name is the center's (read-only)
    await menu.getByText('单位与部门', { exact: true }).click();
    const tree = page.locator('.el-tree');
    await tree.getByText(UNIT).first().waitFor();
    assert.ok(!(await tree.innerText()).includes(OTHER), 'no other unit in 单位与部门');
    assert.equal(await page.locator('[data-test=unit-add]').count(), 0);
    await shot(page, 'unit-admin-units');

    // 会议室: only the unit's own room (not the center's shared rooms); a new room is the unit's
    await menu.getByText('会议室', { exact: true }).click();
    const rooms = page.locator('[data-test=rooms-table]');
    await rooms.locator('[data-test="room-发改委小会议室"]').waitFor();
    const roomsText = await rooms.innerText();
    for (const shared of ['第一会议室', '大会议室', '培训室']) assert.ok(!roomsText.includes(shared), `${shared} (shared) is not in the unit admin's rooms`);
    await page.locator('[data-test=rooms-add]').click();
    const roomDlg = page.locator('[data-test=room-dialog]');
    await roomDlg.locator('input[data-test=room-name], [data-test=room-name] input').first().fill('发改委洽谈室');
    assert.ok(await roomDlg.locator('[data-test=room-unit] .is-disabled, [data-test=room-unit].is-disabled').count(), 'the room\'s unit is fixed');
    assert.match(await roomDlg.locator('[data-test=room-unit]').innerText(), new RegExp(UNIT));
    await shot(page, 'unit-admin-room-new');
    await roomDlg.locator('[data-test=room-save]').click();
    await rooms.locator('[data-test="room-发改委洽谈室"]').waitFor();
    const [newRoom] = await db.select().from(meetingRooms).where(eq(meetingRooms.name, '发改委洽谈室'));
    assert.equal(newRoom?.unitId, mine.id, 'the new room is the unit\'s');
    await shot(page, 'unit-admin-rooms');

    // 通知模板: the unit's wording — the center's until the unit words 预约待审核 itself; then back
    await menu.getByText('通知模板', { exact: true }).click();
    await page.locator('[data-test=unit-scope-hint]').waitFor();
    await page.locator('[data-test=templates-scope]', { hasText: UNIT }).waitFor();
    await page.locator('[data-test=source-order_submitted]', { hasText: '中心模板' }).waitFor();
    await page.click('[data-test=edit-order_submitted]');
    const tplDlg = page.locator('[data-test=template-dialog]');
    await tplDlg.locator('textarea').fill('【{centerName}】发改委：{visitorName}预约{startAt}来访，请审核。');
    await page.click('[data-test=save-template]');
    await tplDlg.waitFor({ state: 'hidden' });
    await page.locator('[data-test=source-order_submitted]', { hasText: '单位模板' }).waitFor();
    await shot(page, 'unit-admin-templates');
    const own = await page.request.get(`${baseUrl}/api/admin/units/${mine.id}/notification-templates`);
    assert.equal((await own.json()).find((x: { event: string }) => x.event === 'order_submitted').content, '【{centerName}】发改委：{visitorName}预约{startAt}来访，请审核。');
    const center = await page.request.get(`${baseUrl}/api/admin/notification-templates`);
    assert.equal(center.status(), 403, 'the center\'s templates are the system admin\'s');
    await page.click('[data-test=reset-order_submitted]');
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await page.locator('[data-test=source-order_submitted]', { hasText: '中心模板' }).waitFor();

    // 人员管理: only the unit's staff, the unit filter fixed
    await menu.getByText('人员管理', { exact: true }).click();
    const staffRows = page.locator('[data-test=staff-table] .el-table__body-wrapper tr.el-table__row');
    await staffRows.first().waitFor();
    const staffText = await page.locator('[data-test=staff-table]').innerText();
    assert.ok(!staffText.includes(OTHER), 'no other unit in 人员管理');
    assert.ok(staffText.includes(UNIT));
    assert.ok(await page.locator('[data-test=staff-filter-unit] .is-disabled, [data-test=staff-filter-unit].is-disabled').count(), 'the unit filter is fixed');
    await shot(page, 'unit-admin-staff');

    // 记录查询: only the unit's orders; no 通行记录 / 操作日志 tabs
    await menu.getByText('记录查询', { exact: true }).click();
    const records = page.locator('[data-test=records-table]');
    await records.locator('tr.el-table__row', { hasText: '发改访客甲' }).waitFor();
    const recordsText = await records.innerText();
    assert.ok(!recordsText.includes('机关访客乙'), "the other unit's visitor is not in 记录查询");
    assert.equal(await page.locator('[data-test=records-tabs] .el-tabs__item').count(), 1);
    await shot(page, 'unit-admin-records');

    // another unit's staff record through the API: 404; a system page's address: back to 首页
    const res = await page.request.get(`${baseUrl}/api/admin/staff/${otherHost.id}`);
    assert.equal(res.status(), 404);
    assert.equal((await res.json()).error.code, 'NOT_FOUND');
    const devices = await page.request.get(`${baseUrl}/api/admin/devices`);
    assert.equal(devices.status(), 403);
    await page.goto(`${baseUrl}/admin/devices`);
    await page.waitForURL(`${baseUrl}/admin/`);

    // ------------------------------------------------------------ 账号安全: two-step verification on
    await page.locator('[data-test=account]').click();
    await page.locator('[data-test=two-factor-start]').click();
    await page.locator('[data-test=two-factor-qr]').waitFor();
    const secret = (await page.locator('[data-test=two-factor-secret]').innerText()).trim();
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await page.locator('input[data-test=two-factor-code]').fill(totp.generate());
    await shot(page, 'unit-admin-2fa-setup');
    await page.locator('[data-test=two-factor-confirm]').click();
    const codes = page.locator('.el-dialog').filter({ hasText: '恢复码' });
    await codes.locator('li').nth(9).waitFor();
    assert.equal(await codes.locator('li').count(), 10);
    await shot(page, 'unit-admin-2fa-recovery-codes');
    await codes.locator('[data-test=recovery-codes-done]').click();
    await page.locator('[data-test=two-factor-status]', { hasText: '已开启' }).waitFor();

    // sign out; the password now leads to the second step, where the next step's code signs in
    await page.request.post(`${baseUrl}/api/auth/logout?scope=admin`);
    await page.goto(`${baseUrl}/admin/login`);
    await page.locator('input[name=username]').fill(USERNAME);
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.locator('[data-test=two-step]').waitFor();
    await shot(page, 'unit-admin-2fa-login');
    // the set-up used this 30 s step's code (each is accepted once): the app shows the next one soon; the server accepts ±1 step
    await page.locator('input[data-test=two-step-code]').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.locator('[data-test=two-step-submit]').click();
    await page.locator('[data-test=unit-admin-tag]').waitFor();

    // English
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('.aside').getByText('Staff', { exact: true }).first().click();
    await page.locator('[data-test=staff-table]').waitFor();
    await page.locator('[data-test=account]', { hasText: 'Account security' }).waitFor();
    await shot(page, 'unit-admin-staff-en');
  } finally {
    await context.close();
  }

  // ------------------------------------------------------------ ADMIN_REQUIRE_2FA: set-up before anything else
  const strict = await ctx.startServer({ ADMIN_REQUIRE_2FA: 'true' });
  const sc = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  try {
    const p = await sc.newPage();
    await strict.adminLogin(p);
    await p.goto(`${strict.baseUrl}/admin/records`);
    await p.locator('[data-test=account-required]').waitFor();
    assert.ok(p.url().endsWith('/admin/account'), 'sent to 账号安全');
    const blocked = await p.request.get(`${strict.baseUrl}/api/admin/units`);
    assert.equal(blocked.status(), 403);
    assert.equal((await blocked.json()).error.code, 'TWO_FACTOR_REQUIRED');
    await shot(p, 'admin-2fa-required');
    await p.locator('[data-test=two-factor-start]').click();
    const key = (await p.locator('[data-test=two-factor-secret]').innerText()).trim();
    await p.locator('input[data-test=two-factor-code]').fill(new TOTP({ secret: Secret.fromBase32(key), digits: 6, period: 30, algorithm: 'SHA1' }).generate());
    await p.locator('[data-test=two-factor-confirm]').click();
    await p.locator('.el-dialog').filter({ hasText: '恢复码' }).locator('[data-test=recovery-codes-done]').click();
    await p.locator('.aside').getByText('记录查询', { exact: true }).click();
    await p.locator('[data-test=records-table]').waitFor();
  } finally {
    await sc.close();
    await strict.close();
  }
}

async function signIn(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/admin/login`);
  await page.locator('input[name=username]').fill(USERNAME);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('button[type=submit]').click();
  await page.waitForURL(`${baseUrl}/admin/`);
}
