/**
 * Journey (c), issue #4: a host invites a visitor with 不需要审核 and 限制同行人员数量 2 in the staff app
 * (375×667, the phone set to London time: the pickers work in the center's time). Two companion
 * phones go out; a third row can't be added (the button is gone); the API refuses a third sub of
 * every origin (host 添加同行人员, visitor 帮同伴填写 and 批量转发同伴填写) with
 * COMPANION_LIMIT_REACHED, and an invitation asking for more phones than its limit is refused with
 * nothing stored. The visitor and a companion submit from their SMS links: no review → 已确认, and
 * 我的邀约 shows it under 已确认.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { assertNoErrors, expectStatus, linkToken, orderJson, phoneContext, pickTime, settle, staffSignIn, tid } from './staff-visit-helpers.js';

const HOST = '17348862736'; // 姜柠檬
const VISITOR = { phone: '13800000001', name: '陈小春' }; // demo visitor (registered)
const COMPANIONS = ['13800000002', '13912340001']; // 林晓燕 (registered) and someone new
const THIRD = '13912340002';

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext();
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const { context: staffCtx, page: s } = await phoneContext(browser, errors, 'Europe/London');
  await staffSignIn(e2e, s, HOST);

  // ———— 访客邀约 (S1)
  await tid(s, 'menu-invite').click();
  await s.waitForURL(/\/staff\/invite$/);
  await tid(s, 'name').locator('input').fill(VISITOR.name);
  const id = withIdCheckDigit('33030219880115231');
  const badId = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
  await tid(s, 'id-number').locator('input').fill(badId);
  await tid(s, 'visitor-phone').locator('input').focus(); // leaving the field runs the checksum
  await tid(s, 'id-number').getByText('身份证号码校验失败').waitFor();
  await tid(s, 'id-number').locator('input').fill(id);
  await tid(s, 'visitor-phone').locator('input').fill(VISITOR.phone);
  await tid(s, 'id-number').getByText('身份证号码校验失败').waitFor({ state: 'detached' });
  await tid(s, 'reason').locator('input').fill('项目验收会商');
  await pickTime(s, 'startAt');
  await pickTime(s, 'endAt');
  assert.match(await tid(s, 'startAt').locator('input').inputValue(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await tid(s, 'review-off').click();

  // 同行人员: limit 2 → two rows, then the add button is gone
  await tid(s, 'add-companions').click();
  await tid(s, 'limit').locator('.van-stepper__plus').click();
  assert.equal(await tid(s, 'limit').locator('input').inputValue(), '2');
  await tid(s, 'add-companion').click();
  await tid(s, 'add-companion').click();
  await tid(s, 'add-companion').waitFor({ state: 'detached' });
  assert.equal(await tid(s, 'companion-phone').count(), 2, 'no third companion row');
  // the limit can't go below the rows there are
  assert.ok(await tid(s, 'limit').locator('.van-stepper__minus').evaluate((b) => b.classList.contains('van-stepper__minus--disabled')));
  await tid(s, 'companion-phone').nth(0).locator('input').fill(COMPANIONS[0]!);
  await tid(s, 'companion-phone').nth(1).locator('input').fill(COMPANIONS[1]!);
  await settle(s);
  await screenshot(s, 'staff-visit-invite');

  await tid(s, 'send').click();
  await s.waitForURL(/\/staff\/invite\/sent\//);
  const orderId = s.url().split('/').pop()!;
  await tid(s, 'sent-body').getByText('短信链接已发送至访客 138****0001 及 2 位同行人员').waitFor();
  await settle(s);
  await screenshot(s, 'staff-visit-sent');

  await tid(s, 'view-order').click();
  await s.waitForURL(new RegExp(`/staff/visits/${orderId}$`));
  await tid(s, 'detail-limit').getByText('2').waitFor();
  await s.getByText('同行人员（2/2）').waitFor();
  assert.equal(await tid(s, 'detail-companion').count(), 2);
  assert.equal(await tid(s, 'detail-add-companion').count(), 0, 'the host add button is gone at the limit');
  await settle(s);
  await screenshot(s, 'staff-visit-detail-limit');

  // ———— the API refuses a third sub, whoever asks
  await expectStatus(await s.request.post(`${baseUrl}/api/visits/${orderId}/companions`, { data: { phones: [THIRD] } }), 409, 'COMPANION_LIMIT_REACHED');
  const hostedBefore = (await expectStatus(await s.request.get(`${baseUrl}/api/visits/hosted?scope=recent&status=all&page=1&pageSize=1`), 200)).total as number;
  const start = new Date(Date.now() + 3600_000);
  const tooMany = {
    visitorPhone: '13912340009',
    reason: '超出限制',
    startAt: start.toISOString(),
    endAt: new Date(start.getTime() + 3600_000).toISOString(),
    reviewRequired: false,
    companionLimit: 2,
    companionPhones: ['13912340011', '13912340012', '13912340013'],
  };
  await expectStatus(await s.request.post(`${baseUrl}/api/visits/invitations`, { data: tooMany }), 409, 'COMPANION_LIMIT_REACHED');
  const hostedAfter = (await expectStatus(await s.request.get(`${baseUrl}/api/visits/hosted?scope=recent&status=all&page=1&pageSize=1`), 200)).total as number;
  assert.equal(hostedAfter, hostedBefore, 'a refused invitation stores nothing');

  // ———— the visitor opens the SMS link and submits: 不需要审核 → 已确认 at once
  const { context: visitorCtx, page: v } = await phoneContext(browser, errors);
  await v.goto(`${baseUrl}/`);
  const token = await linkToken(e2e, a, VISITOR.phone);
  assert.deepEqual(await expectStatus(await v.request.post(`${baseUrl}/api/links/${token}/session`), 200), { registered: true });
  const submitted = await expectStatus(await v.request.post(`${baseUrl}/api/links/${token}/submit`, { data: {} }), 200);
  assert.equal(submitted.status, 'confirmed');
  assert.equal(submitted.actions.helpFill, false, 'no 帮同伴填写 at the limit');
  assert.equal(submitted.actions.forward, false, 'no 批量转发同伴填写 at the limit');
  // … and the visitor can't add a third either
  const helpFill = { name: '王五', phone: THIRD, idType: 'prc_id', idNumber: withIdCheckDigit('33030219900101123') };
  await expectStatus(await v.request.post(`${baseUrl}/api/visits/${orderId}/help-fill`, { data: helpFill }), 409, 'COMPANION_LIMIT_REACHED');
  await expectStatus(await v.request.post(`${baseUrl}/api/visits/${orderId}/forward-link`), 409, 'COMPANION_LIMIT_REACHED');
  await expectStatus(await v.request.post(`${baseUrl}/api/visits/${orderId}/companions`, { data: { phones: [THIRD] } }), 409, 'COMPANION_LIMIT_REACHED');

  // the registered companion submits from their own link and follows the main: 已确认
  const { context: companionCtx, page: c } = await phoneContext(browser, errors);
  await c.goto(`${baseUrl}/`);
  const cToken = await linkToken(e2e, a, COMPANIONS[0]!);
  await expectStatus(await c.request.post(`${baseUrl}/api/links/${cToken}/session`), 200);
  assert.equal((await expectStatus(await c.request.post(`${baseUrl}/api/links/${cToken}/submit`, { data: {} }), 200)).status, 'confirmed');

  const order = await orderJson(e2e, s, orderId);
  assert.equal(order.status, 'confirmed');
  assert.deepEqual(order.companions.map((x) => x.status).sort(), ['confirmed', 'initiated']);
  assert.equal(order.companions.length, 2, 'still two subs');

  // ———— 我的邀约 (S2): 已确认 shows the order with its companions
  await s.goto(`${baseUrl}/staff/`);
  await tid(s, 'menu-myInvitations').click();
  await s.waitForURL(/\/staff\/invitations/);
  await tid(s, 'status-confirmed').click();
  const card = tid(s, `order-${orderId}`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'confirmed');
  const cardText = await card.innerText();
  assert.match(cardText, /同行人员：.*林晓燕/, cardText);
  assert.match(cardText, /同行人员：.*139\*{4}0001/, cardText);
  await settle(s);
  await screenshot(s, 'staff-visit-my-invitations');
  await card.click();
  await s.waitForURL(new RegExp(`/staff/visits/${orderId}$`));
  await tid(s, 'detail-status').getByText('已确认').waitFor();
  await tid(s, 'trail').getByText('访客：提交').waitFor();
  assert.equal(await tid(s, 'review-panel').count(), 0, 'nothing to review: 不需要审核');
  await settle(s);
  await screenshot(s, 'staff-visit-detail-confirmed');

  // the same pages in English (the language switch stores the choice)
  await s.evaluate(() => localStorage.setItem('sg_locale', 'en'));
  await s.reload();
  await tid(s, 'detail-status').getByText('Confirmed').waitFor();
  await s.getByText('Companions (2/2)').waitFor();
  await settle(s);
  await screenshot(s, 'staff-visit-detail-en');
  await s.goto(`${baseUrl}/staff/invite`);
  await s.getByText('Invite a visitor').first().waitFor();
  await tid(s, 'add-companions').click();
  await tid(s, 'add-companion').click();
  await settle(s);
  await screenshot(s, 'staff-visit-invite-en');

  assertNoErrors(errors);
  await Promise.all([adminCtx.close(), staffCtx.close(), visitorCtx.close(), companionCtx.close()]);
}
