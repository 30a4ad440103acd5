/**
 * Journey (d), issue #4: a two-node approval chain (X3). The administrator sets the chain of
 * 市发展和改革委员会 for 拜访 orders (two people, one CC) in the admin 审批流程 page; a visitor books;
 * the host approves in the staff app (审批中心 badge → 访客邀约审核 → 待处理); the first node
 * approves; the second node rejects with a comment → the order is 已取消 (审核不通过), the trail
 * shows every step, the chain shows approved / rejected; the CC recipient finds it under 抄送我.
 * The chain is removed at the end so that later journeys see the unit as before.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { assertNoErrors, expectStatus, orderJson, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';
import { TERMS_VERSION } from '../contracts/consent.js';

// demo staff of 市发展和改革委员会 (seed-demo: the unit's 1st and 2nd have the demo password)
const HOST = '13900001010';
const NODE1 = '13900001011';
const NODE2 = '13900001012'; // no demo password: the administrator sets one
const NODE2_PASSWORD = 'Node2@Chain2026';
const CC = '13900001013'; // signs in with an SMS code
const UNIT = '市发展和改革委员会';
// a new visitor of its own (a demo visitor's SMS code would collide with other journeys' 60 s limit)
const VISITOR = { phone: `176${String(Date.now()).slice(-8)}`, name: '钱新访', id: withIdCheckDigit(`33030219900115${String(Date.now() % 1000).padStart(3, "0")}`) };

async function staffByPhone(e2e: E2EContext, admin: Page, phone: string) {
  const { items } = await expectStatus(await admin.request.get(`${e2e.baseUrl}/api/admin/staff?q=${phone}`), 200);
  const row = (items as Array<{ id: string; name: string; phone: string; unitId: string }>).find((x) => x.phone === phone);
  assert.ok(row, `staff ${phone}`);
  return row;
}

/** 审批中心 (badge) → 访客邀约审核 → 待处理 → the order → 审核通过 / 审核不通过 (+ comment) → back to the list. */
async function review(e2e: E2EContext, page: Page, orderId: string, decision: 'approve' | 'reject', comment: string, shot?: string) {
  await page.goto(`${e2e.baseUrl}/staff/`);
  // the home badge sums every kind (a node may also review the unit's plates or personnel, which
  // other journeys leave pending); the order itself is counted under 访客邀约审核
  await tid(page, 'menu-approvals').locator('.van-badge').waitFor();
  await tid(page, 'menu-approvals').click();
  await tid(page, 'visits-pending-badge').getByText('1').waitFor();
  await tid(page, 'approval-visits').click();
  const card = tid(page, `order-${orderId}`);
  await card.waitFor();
  await card.click();
  await page.waitForURL(new RegExp(`/staff/visits/${orderId}/review$`));
  await tid(page, 'review-comment').locator('textarea').fill(comment);
  if (shot) {
    await settle(page);
    await e2e.screenshot(page, shot);
  }
  await tid(page, decision).click();
  await page.locator('.van-dialog__confirm').click();
  await page.waitForURL(/\/staff\/approvals\/visits/);
  await tid(page, `order-${orderId}`).waitFor({ state: 'detached' });
  await tid(page, 'empty').waitFor();
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const host = await staffByPhone(e2e, a, HOST);
  const node1 = await staffByPhone(e2e, a, NODE1);
  const node2 = await staffByPhone(e2e, a, NODE2);
  const cc = await staffByPhone(e2e, a, CC);
  await expectStatus(await a.request.patch(`${baseUrl}/api/admin/staff/${node2.id}`, { data: { password: NODE2_PASSWORD } }), 200);

  // ———— the administrator sets the unit's 拜访 chain in 审批流程: node 1, node 2, CC
  await a.goto(`${baseUrl}/admin/approvals`);
  await a.locator('[data-test=chain-units]').getByText(UNIT).click();
  await a.click('[data-test=chain-tab-appointment]');
  const ed = a.locator('[data-test=chain-appointment]');
  await ed.waitFor();
  for (const n of [node1, node2]) {
    await ed.locator('[data-test=chain-person-pick]').click();
    await a.keyboard.type(n.phone);
    await a.locator('.el-select-dropdown__item:visible', { hasText: n.name }).first().click();
    await ed.locator('[data-test=chain-add-person]').click();
    await ed.locator('[data-test=chain-node]').getByText(n.name).waitFor();
    await a.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' }); // the picker's list has closed
  }
  await ed.locator('[data-test=chain-cc]').click();
  await a.keyboard.type(cc.phone);
  await a.locator('.el-select-dropdown__item:visible', { hasText: cc.name }).last().click();
  await a.keyboard.press('Escape');
  await ed.locator('[data-test=chain-save]').click();
  await a.getByText('已保存').first().waitFor();
  await screenshot(a, 'staff-visit-chain-admin');
  const chains = (await expectStatus(await a.request.get(`${baseUrl}/api/admin/approval-chains`), 200)) as Array<{ id: string; unitId: string; kind: string; nodes: Array<{ staffId?: string }>; ccStaffIds: string[] }>;
  const chain = chains.find((c) => c.unitId === host.unitId && c.kind === 'appointment');
  assert.ok(chain, 'the chain was saved');
  assert.deepEqual(chain.nodes.map((n) => n.staffId), [node1.id, node2.id]);
  assert.deepEqual(chain.ccStaffIds, [cc.id]);
  try {
    // ———— a new visitor registers and books with the host (API; the visitor pages have their own journeys)
    const { context: visitorCtx, page: v } = await phoneContext(browser, errors);
    await v.goto(`${baseUrl}/`);
    await expectStatus(await v.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: VISITOR.phone, purpose: 'visitor_login' } }), 200);
    await expectStatus(await v.request.post(`${baseUrl}/api/auth/visitor/login`, { data: { phone: VISITOR.phone, code: await e2e.lastSmsCode(VISITOR.phone) } }), 200);
    await expectStatus(await v.request.post(`${baseUrl}/api/visitor/register`, { data: { name: VISITOR.name, idType: 'prc_id', idNumber: VISITOR.id, termsVersion: TERMS_VERSION } }), 200);
    const start = new Date(Date.now() + 2 * 3600_000);
    const booked = await expectStatus(
      await v.request.post(`${baseUrl}/api/visits/appointments`, {
        data: { hostPhone: HOST, reason: '规划项目申报咨询', remark: '携带申报材料', startAt: start.toISOString(), endAt: new Date(start.getTime() + 3600_000).toISOString(), plate: '浙C8A123', companionPhones: [], idempotencyKey: `chain-${Date.now()}` },
      }),
      201,
    );
    const orderId = booked.id as string;
    assert.equal(booked.status, 'pending');

    // ———— the host approves in the staff app
    const { context: hostCtx, page: h } = await phoneContext(browser, errors);
    await staffSignIn(e2e, h, HOST);
    await tid(h, 'menu-approvals').locator('.van-badge').waitFor();
    await settle(h);
    await screenshot(h, 'staff-visit-home-badge');
    await tid(h, 'menu-approvals').click();
    await tid(h, 'approval-kinds').waitFor();
    await settle(h);
    await screenshot(h, 'staff-visit-approvals');
    await tid(h, 'approval-visits').click();
    await tid(h, `order-${orderId}`).waitFor();
    await settle(h);
    await screenshot(h, 'staff-visit-approvals-pending');
    await review(e2e, h, orderId, 'approve', '同意，请按时来访', 'staff-visit-review');
    let o = await orderJson(e2e, h, orderId);
    assert.equal(o.status, 'pending', 'still pending: the chain comes next');
    assert.deepEqual(o.chain.map((n) => [n.name, n.status]), [[node1.name, 'waiting'], [node2.name, 'waiting']]);
    // 已处理 lists it for the host
    await h.goto(`${baseUrl}/staff/approvals/visits?tab=done`);
    await tid(h, `order-${orderId}`).waitFor();

    // ———— node 1 approves
    const { context: n1Ctx, page: n1 } = await phoneContext(browser, errors);
    await staffSignIn(e2e, n1, NODE1);
    await review(e2e, n1, orderId, 'approve', '材料齐全');

    // ———— node 2 rejects
    const { context: n2Ctx, page: n2 } = await phoneContext(browser, errors);
    await staffSignIn(e2e, n2, NODE2, NODE2_PASSWORD);
    await review(e2e, n2, orderId, 'reject', '当日会议室已满，请改期', 'staff-visit-review-node2');

    o = await orderJson(e2e, h, orderId);
    assert.equal(o.status, 'cancelled');
    assert.equal(o.cancelReason, 'rejected');
    assert.deepEqual(o.chain.map((n) => n.status), ['approved', 'rejected']);
    assert.deepEqual(
      o.trail.map((t) => [t.actorRole, t.action, t.toStatus]),
      [
        ['visitor', 'submit', 'pending'],
        ['host', 'approve', 'pending'],
        ['chain_node', 'approve', 'pending'],
        ['chain_node', 'reject', 'cancelled'],
      ],
    );
    assert.equal(o.trail.at(-1)!.comment, '当日会议室已满，请改期');

    // the host sees 已取消（审核不通过）with every step in the trail
    await h.goto(`${baseUrl}/staff/invitations?scope=recent&status=cancelled`);
    const card = tid(h, `order-${orderId}`);
    await card.getByText('已取消（审核不通过）').waitFor();
    await card.click();
    await h.waitForURL(new RegExp(`/staff/visits/${orderId}$`));
    await tid(h, 'detail-status').getByText('已取消（审核不通过）').waitFor();
    const trail = await tid(h, 'trail').innerText();
    assert.ok(!trail.includes('访客：发起'), `booking and submitting is one entry:\n${trail}`);
    for (const label of ['访客：提交', '邀约人：审核通过', '审批人：审核通过', '审批人：审核不通过', '当日会议室已满，请改期', '同意，请按时来访']) assert.ok(trail.includes(label), `trail shows ${label}:\n${trail}`);
    const chainText = await tid(h, 'chain').innerText();
    assert.match(chainText, new RegExp(`1\\. ${node1.name}\\s+审核通过`));
    assert.match(chainText, new RegExp(`2\\. ${node2.name}\\s+审核不通过`));
    assert.equal(await tid(h, 'review-panel').count(), 0);
    assert.equal(await tid(h, 'cancel-order').count(), 0, 'a cancelled order cannot be cancelled');
    await settle(h);
    await screenshot(h, 'staff-visit-chain-rejected');

    // ———— the CC recipient (SMS-code sign-in) finds it under 抄送我, read-only
    const { context: ccCtx, page: c } = await phoneContext(browser, errors);
    await staffSignIn(e2e, c, CC, null);
    await c.goto(`${baseUrl}/staff/approvals/visits`);
    await c.locator('.tab-cc').click();
    await c.waitForURL(/tab=cc/);
    await tid(c, `order-${orderId}`).waitFor();
    await settle(c);
    await screenshot(c, 'staff-visit-approvals-cc');
    await tid(c, `order-${orderId}`).click();
    await c.waitForURL(new RegExp(`/staff/visits/${orderId}$`));
    await tid(c, 'detail-status').getByText('已取消（审核不通过）').waitFor();
    assert.equal(await tid(c, 'review-panel').count(), 0);
    assert.equal(await tid(c, 'cancel-order').count(), 0);

    // CC is read-only: reviewing answers 404 like any order one may not review
    await expectStatus(await c.request.post(`${baseUrl}/api/visits/${orderId}/review`, { data: { decision: 'approve' } }), 404, 'NOT_FOUND');

    assertNoErrors(errors);
    await Promise.all([visitorCtx.close(), hostCtx.close(), n1Ctx.close(), n2Ctx.close(), ccCtx.close()]);
  } finally {
    await a.request.delete(`${baseUrl}/api/admin/approval-chains/${chain.id}`);
    await adminCtx.close();
  }
}
