/**
 * Journey (issue 11 — S8 车辆审核 and the parking barrier; admin 1440×900, staff and visitor 375×667).
 * The administrator makes a staff member of 市机关事务管理局 its 车辆审核人 (审批流程 → 车辆审核, a
 * colleague copied) and adds a simulator barrier serving 行政中心1号楼. Two new visitors book visits
 * starting now with a demo host of that unit, each with a plate — a new-energy 粤B D12345 and a
 * fuel 浙C 12345 — and the host approves both. The reviewer signs in to the staff app: 审批中心 shows
 * the 车辆审核 badge, 待审核 both cards; 审核通过 the first, 审核不通过 the second with a comment.
 * The first order reads 已通过 on the visitor's and the staff's order detail; the barrier holds its
 * plate (device drawer), and 模拟通行 with it lets the vehicle in: the order shows 入场时间. The
 * second reads 未通过 with the comment; the barrier does not hold it and refuses it at the gate.
 * The barrier and the reviewers go again at the end.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { GATE_HOST, ok } from './gate-helpers.js';
import { assertNoErrors, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';
import { TERMS_VERSION } from '../contracts/consent.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';

const UNIT = '市机关事务管理局';
const BARRIER = '地下车库入口道闸（模拟）';
/** demo staff of 市机关事务管理局 without a password: the reviewer signs in by SMS code */
const REVIEWER_PHONE = '13900001003';
const CC_PHONE = '13900001004';
const REJECT_COMMENT = '地下车库车位已满，请乘坐公共交通';

interface Order {
  id: string;
  status: string;
  vehicle: { plate: string | null; status: string; comment: string | null; inAt: string | null };
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const admin = await adminCtx.newPage();
  admin.on('pageerror', (e) => errors.push(`admin: ${e.message}`));
  const adminShot = async (name: string) => {
    await admin.waitForTimeout(400);
    await screenshot(admin, name);
  };
  const { page: staffPhone, context: staffCtx } = await phoneContext(browser, errors);
  const { page: v1, context: v1Ctx } = await phoneContext(browser, errors);
  const { page: v2, context: v2Ctx } = await phoneContext(browser, errors);
  let unitId = '';
  let barrierId = '';
  /** the unit's vehicle reviewers before the journey (the demo's), put back at the end */
  let before: { reviewerIds: string[]; ccIds: string[] } | null = null;
  try {
    await e2e.adminLogin(admin);
    const units = (await ok(await admin.request.get(`${baseUrl}/api/admin/units`))).items as Array<{ id: string; name: string }>;
    unitId = units.find((u) => u.name === UNIT)!.id;
    const initial = ((await ok(await admin.request.get(`${baseUrl}/api/admin/unit-reviewers`))).items as Array<{ unitId: string; kind: string; reviewers: Array<{ id: string }>; cc: Array<{ id: string }> }>).find((r) => r.unitId === unitId && r.kind === 'vehicle');
    before = { reviewerIds: initial?.reviewers.map((p) => p.id) ?? [], ccIds: initial?.cc.map((p) => p.id) ?? [] };
    const people = (await ok(await admin.request.get(`${baseUrl}/api/admin/staff?unitId=${unitId}&pageSize=20`))).items as Array<{ id: string; name: string; phone: string }>;
    const reviewer = people.find((p) => p.phone === REVIEWER_PHONE)!;
    const copied = people.find((p) => p.phone === CC_PHONE)!;
    assert.ok(reviewer && copied, 'demo staff of the unit');

    // ———— 审批流程 → 车辆审核: the unit's vehicle reviewer and a colleague copied
    await admin.goto(`${baseUrl}/admin/`);
    await admin.locator('.el-menu').getByText('审批流程', { exact: true }).click();
    await admin.waitForURL(`${baseUrl}/admin/approvals`);
    await tid(admin, 'chain-units').getByText(UNIT).click();
    await tid(admin, 'reviewers-tab-vehicle').click();
    const editor = tid(admin, 'reviewers-vehicle');
    await editor.waitFor();
    // the demo made JGSW002 the unit's vehicle reviewer: the administrator replaces them
    const tags = tid(admin, 'reviewers-pick').locator('.el-tag__close');
    await tags.first().waitFor();
    while (await tags.count()) await tags.first().click();
    await editor.getByText('尚未设置车辆审核人', { exact: false }).waitFor();
    await adminShot('vehicle-reviewers-empty');
    await tid(admin, 'reviewers-pick').click();
    await admin.keyboard.type(reviewer.phone);
    await admin.locator('.el-select-dropdown__item:visible', { hasText: reviewer.name }).first().click();
    await admin.keyboard.press('Escape');
    await tid(admin, 'reviewers-cc').click();
    await admin.keyboard.type(copied.phone);
    await admin.locator('.el-select-dropdown__item:visible', { hasText: copied.name }).first().click();
    await admin.keyboard.press('Escape');
    await tid(admin, 'reviewers-save').click();
    await admin.getByText('已保存').first().waitFor();
    await admin.getByRole('tab', { name: /车辆审核/ }).getByText('已设置 1 人').waitFor();
    await admin.locator('.el-message').last().waitFor({ state: 'detached' });
    assert.equal(await editor.getByText('有未保存的修改').count(), 0, 'saved: nothing left unsaved');
    await adminShot('vehicle-reviewers-saved');
    const set = (await ok(await admin.request.get(`${baseUrl}/api/admin/unit-reviewers`))).items as Array<{ unitId: string; kind: string; reviewers: Array<{ name: string }>; cc: Array<{ name: string }> }>;
    const mine = set.find((r) => r.unitId === unitId && r.kind === 'vehicle');
    assert.deepEqual([mine?.reviewers.map((p) => p.name), mine?.cc.map((p) => p.name)], [[reviewer.name], [copied.name]]);

    // ———— 设备管理: a simulator barrier serving 行政中心1号楼
    await admin.locator('.el-menu').getByText('设备管理', { exact: true }).click();
    await admin.waitForURL(`${baseUrl}/admin/devices`);
    const table = tid(admin, 'devices-table');
    await table.locator('.el-table__row').first().waitFor();
    await tid(admin, 'new-device').click();
    const dialog = tid(admin, 'device-dialog');
    await dialog.locator('input[name=device-name]').fill(BARRIER);
    await dialog.getByText('道闸', { exact: true }).click();
    await tid(admin, 'barrier-adapter-hint').waitFor();
    await tid(admin, 'device-adapter').getByText('模拟设备').waitFor(); // the simulator, as offered
    await tid(admin, 'device-buildings').click();
    await admin.locator('.el-select-dropdown__item:visible').getByText('行政中心1号楼').click();
    await dialog.locator('.el-dialog__title').click(); // close the dropdown
    await adminShot('vehicle-barrier-form');
    await tid(admin, 'save-device').click();
    await dialog.waitFor({ state: 'hidden' });
    const barrierRow = table.locator('.el-table__row').filter({ hasText: BARRIER });
    await barrierRow.waitFor();
    const devices = (await ok(await admin.request.get(`${baseUrl}/api/admin/devices`))).items as Array<{ id: string; name: string; kind: string; adapter: string; buildingNames: string[] }>;
    const barrier = devices.find((d) => d.name === BARRIER)!;
    barrierId = barrier.id;
    assert.deepEqual([barrier.kind, barrier.adapter, barrier.buildingNames], ['barrier', 'simulator', ['行政中心1号楼']]);

    // ———— two visitors book a visit starting now, each with a plate; the host approves both
    const approvedOrder = await bookWithPlate(e2e, v1, { name: '周新能', seq: 1 }, '粤B D12345', '送审材料');
    const rejectedOrder = await bookWithPlate(e2e, v2, { name: '吴燃油', seq: 2 }, '浙C 12345', '设备检修');
    assert.deepEqual([approvedOrder.vehicle.plate, approvedOrder.vehicle.status], ['粤BD12345', 'pending']);
    assert.deepEqual([rejectedOrder.vehicle.plate, rejectedOrder.vehicle.status], ['浙C12345', 'pending']);
    const host = await browser.newContext();
    await ok(await host.request.post(`${baseUrl}/api/auth/staff/login`, { data: GATE_HOST }));
    for (const o of [approvedOrder, rejectedOrder]) {
      const r = (await ok(await host.request.post(`${baseUrl}/api/visits/${o.id}/review`, { data: { decision: 'approve' } }))) as Order;
      assert.deepEqual([r.status, r.vehicle.status], ['confirmed', 'pending'], 'the visit is approved; the vehicle still waits for its own review');
    }
    await host.close();

    // the visitor sees 待确认 while it waits
    await v1.goto(`${baseUrl}/visits/${approvedOrder.id}`);
    await tid(v1, 'vehicle-status').getByText('待确认').waitFor();
    await settle(v1);
    await screenshot(v1, 'vehicle-visitor-pending');

    // ———— the reviewer: 审批中心 → 车辆审核 (badge 2), 待审核 cards
    await staffSignIn(e2e, staffPhone, REVIEWER_PHONE, null);
    await tid(staffPhone, 'menu-approvals').click();
    await staffPhone.waitForURL(`${baseUrl}/staff/approvals`);
    const badge = tid(staffPhone, 'vehicles-pending-badge');
    await badge.getByText('2').waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-approvals-center');
    await tid(staffPhone, 'approval-vehicles').click();
    await staffPhone.waitForURL(/\/staff\/approvals\/vehicles/);
    const list = tid(staffPhone, 'vehicle-list');
    const card = (plate: string) => list.locator('.order-card').filter({ hasText: plate });
    await card('粤BD12345').getByText('待确认').waitFor();
    await card('浙C12345').getByText('待确认').waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-approvals-pending');

    // 审核通过 the new-energy plate (confirmed)
    await card('粤BD12345').locator('[data-test=vehicle-approve]').click();
    const confirm = staffPhone.locator('.van-dialog').filter({ hasText: '粤BD12345' });
    await confirm.getByText('下发至停车场道闸', { exact: false }).waitFor();
    await staffPhone.waitForTimeout(400);
    await screenshot(staffPhone, 'vehicle-approve-confirm');
    await confirm.getByRole('button', { name: '审核通过' }).click();
    await card('粤BD12345').waitFor({ state: 'detached' });

    // 审核不通过 the other: the comment is required
    await card('浙C12345').locator('[data-test=vehicle-reject]').click();
    const rejectDialog = tid(staffPhone, 'vehicle-reject-dialog');
    await rejectDialog.getByText('审核不通过：浙C12345').waitFor();
    await rejectDialog.getByRole('button', { name: '审核不通过' }).click();
    await rejectDialog.getByText('请填写审核意见').waitFor();
    await tid(staffPhone, 'vehicle-comment').locator('textarea').fill(REJECT_COMMENT);
    await staffPhone.waitForTimeout(300);
    await screenshot(staffPhone, 'vehicle-reject-dialog');
    await rejectDialog.getByRole('button', { name: '审核不通过' }).click();
    await rejectDialog.waitFor({ state: 'hidden' });
    await card('浙C12345').waitFor({ state: 'detached' });
    await list.getByText('暂无待审核的车辆').waitFor();
    await assertNoBadge(staffPhone);

    // 已审核 lists both with their state
    await staffPhone.locator('.tab-done').click();
    await card('粤BD12345').getByText('已通过').waitFor();
    await card('浙C12345').getByText('未通过').waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-approvals-done');

    // ———— the order details: 已通过 (visitor and staff)
    await card('粤BD12345').click();
    await staffPhone.waitForURL(`${baseUrl}/staff/visits/${approvedOrder.id}`);
    await tid(staffPhone, 'vehicle-status').getByText('已通过').waitFor();
    await tid(staffPhone, 'vehicle-bar').getByText('车辆通行状态：已通过').waitFor();
    // the trail's vehicle step names the plate, not as an 审核意见
    await tid(staffPhone, 'trail-comment').getByText('粤BD12345', { exact: true }).waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-staff-detail-approved');
    await v1.reload();
    await tid(v1, 'vehicle-status').getByText('已通过').waitFor();
    assert.equal(await tid(v1, 'vehicle-in').count(), 0, 'not in yet');
    await settle(v1);
    await screenshot(v1, 'vehicle-visitor-approved');

    // ———— the barrier holds the approved plate only (pushed by the workers)
    await admin.reload();
    await barrierRow.getByRole('button', { name: '详情' }).click();
    const drawer = tid(admin, 'device-drawer');
    const held = tid(admin, 'held-table');
    for (let i = 0; i < 60 && !(await held.getByText('粤BD12345').count()); i++) {
      await admin.waitForTimeout(250);
      await drawer.getByRole('button', { name: '刷新' }).first().click();
    }
    await held.getByText('粤BD12345').waitFor();
    await held.getByText('周新能').waitFor();
    assert.equal(await held.getByText('浙C12345').count(), 0, 'a rejected plate is not on the barrier');
    assert.equal(await held.locator('.el-table__row').count(), 1, 'the barrier holds the one approved plate');
    await adminShot('vehicle-barrier-held');

    // ———— 模拟通行 with the plate: the vehicle comes in
    await held.locator('[data-test=simulate]').first().click();
    const sim = admin.locator('.el-dialog').filter({ hasText: '模拟通行：' });
    assert.equal(await sim.locator('input[data-test=simulate-plate], [data-test=simulate-plate] input').inputValue(), '粤BD12345');
    await sim.getByText('车牌', { exact: true }).waitFor();
    await adminShot('vehicle-barrier-simulate');
    await tid(admin, 'run-simulate').click();
    await admin.locator('.el-message').getByText('已放行').first().waitFor();
    await sim.waitFor({ state: 'hidden' });

    // the rejected plate at the barrier's camera: refused
    await held.locator('[data-test=simulate]').first().click();
    await sim.locator('input[data-test=simulate-plate], [data-test=simulate-plate] input').fill('浙C12345');
    await tid(admin, 'run-simulate').click();
    await admin.locator('.el-message').getByText('未放行（车辆审核未通过）').first().waitFor();
    await sim.waitFor({ state: 'hidden' });
    await drawer.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });

    // 通行记录: both passes with their plates
    await admin.getByRole('tab', { name: '通行记录' }).click();
    const events = tid(admin, 'events-table');
    await events.locator('.el-table__row').filter({ hasText: '粤BD12345' }).filter({ hasText: '通过' }).first().waitFor();
    await events.locator('.el-table__row').filter({ hasText: '浙C12345' }).getByText('车辆审核未通过').first().waitFor();
    await admin.locator('.el-message').last().waitFor({ state: 'detached' });
    await adminShot('vehicle-barrier-events');

    // ———— the order shows the vehicle's entry time
    const inOrder = (await ok(await v1.request.get(`${baseUrl}/api/visits/${approvedOrder.id}`))) as Order;
    assert.ok(inOrder.vehicle.inAt, 'the entry is recorded on the order');
    await v1.reload();
    await tid(v1, 'vehicle-in').getByText('入场时间').waitFor();
    await tid(v1, 'vehicle').scrollIntoViewIfNeeded();
    await settle(v1);
    await screenshot(v1, 'vehicle-visitor-in');
    await staffPhone.reload();
    await tid(staffPhone, 'vehicle-in').waitFor();
    await staffPhone.getByText('道闸：车辆入场', { exact: false }).first().waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-staff-detail-in');

    // ———— the rejected one: 未通过 with the comment, never on the barrier
    await v2.goto(`${baseUrl}/visits/${rejectedOrder.id}`);
    await tid(v2, 'vehicle-status').getByText('未通过').waitFor();
    await tid(v2, 'vehicle-comment').getByText(REJECT_COMMENT).waitFor();
    await settle(v2);
    await screenshot(v2, 'vehicle-visitor-rejected');
    await staffPhone.goto(`${baseUrl}/staff/visits/${rejectedOrder.id}`);
    await tid(staffPhone, 'vehicle-comment').getByText(REJECT_COMMENT).waitFor();
    await settle(staffPhone);
    await screenshot(staffPhone, 'vehicle-staff-detail-rejected');
    const rejected = (await ok(await v2.request.get(`${baseUrl}/api/visits/${rejectedOrder.id}`))) as Order;
    assert.deepEqual([rejected.vehicle.status, rejected.vehicle.comment, rejected.vehicle.inAt], ['rejected', REJECT_COMMENT, null]);
    const holdings = (await ok(await admin.request.get(`${baseUrl}/api/admin/devices/${barrierId}/held`))).items as Array<{ plate: string | null }>;
    assert.deepEqual(holdings.map((h) => h.plate), ['粤BD12345']);
    assertNoErrors(errors);
  } finally {
    // the demo stays as it was for the journeys after this one
    if (barrierId) await admin.request.delete(`${baseUrl}/api/admin/devices/${barrierId}`).catch(() => undefined);
    if (unitId && before) await admin.request.put(`${baseUrl}/api/admin/unit-reviewers`, { data: { unitId, kind: 'vehicle', ...before } }).catch(() => undefined);
    await Promise.all([staffCtx.close(), v1Ctx.close(), v2Ctx.close()]);
    await adminCtx.close();
  }
}

async function assertNoBadge(page: Page) {
  await page.waitForFunction(() => !document.querySelector('.tab-pending .van-badge'), undefined, { timeout: 5000 });
}

/** A new visitor (registered by SMS code in the page's own context) books GATE_HOST from now for two hours with a plate. */
async function bookWithPlate(e2e: E2EContext, page: Page, who: { name: string; seq: number }, plate: string, reason: string): Promise<Order> {
  const { baseUrl } = e2e;
  const phone = `1370${String(Date.now()).slice(-6)}${who.seq}`;
  const idNumber = withIdCheckDigit(`44030519900${who.seq}15${((Date.now() + who.seq) % 900) + 100}`);
  await ok(await page.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone, purpose: 'visitor_login' } }));
  await ok(await page.request.post(`${baseUrl}/api/auth/visitor/login`, { data: { phone, code: await e2e.lastSmsCode(phone) } }));
  await ok(await page.request.post(`${baseUrl}/api/visitor/register`, { data: { name: who.name, idNumber, idType: 'prc_id', termsVersion: TERMS_VERSION } }));
  const start = new Date();
  return (await ok(
    await page.request.post(`${baseUrl}/api/visits/appointments`, {
      data: { hostPhone: GATE_HOST.phone, reason, plate, startAt: start.toISOString(), endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), companionPhones: [], idempotencyKey: `e2e-plate-${who.seq}-${Date.now()}` },
    }),
  )) as Order;
}
