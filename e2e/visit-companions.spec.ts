/**
 * Journey (a), issue #4: a visitor books (访客预约, V3) with two companions (V4) — one already in
 * the visitor library (demo visitor 13800000001), one new. The new one gets the SMS link, opens it,
 * registers and submits; the host approves in the staff app (访客邀约审核); the main order and both
 * companions become 已确认 in 我的预约 (V7). Also: 无此受访人, the window check, a double tap
 * making one order, the link's used / invalid / expired messages. At 375×667 in Chromium.
 * Then 访客预约码 (V8): the code page, a kiosk verifies its token, it refreshes (visit-code-steps.ts).
 * Screenshots: e2e/screenshots/visitor-visit-*.png.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { appointmentCodeStep } from './visit-code-steps.js';
import { byTest, fill, fromSubmittedToDetail, HOST, hostPhone, hostReview, newPhone, orderIdOf, orderJson, phone, prcId, register, settle, smsLinkToken, viewShot, visitorSignIn, type VisitCtx } from './visit-helpers.js';

const BOOKER = '13800000002'; // demo visitor 林晓燕
const KNOWN = { phone: '13800000001', name: '陈小春' }; // demo visitor, already registered

async function pickTime(page: Page, field: string, hour: string) {
  await byTest(page, field).click();
  const pop = page.locator('.van-popup:visible .van-picker-group');
  await pop.waitFor();
  await pop.getByRole('button', { name: '下一步' }).click();
  // the time tab: scroll the hour column to `hour`
  const hours = pop.locator('.van-picker-column').nth(3);
  await hours.locator('.van-picker-column__item', { hasText: new RegExp(`^${hour}$`) }).click();
  await page.waitForTimeout(400);
  await pop.getByRole('button', { name: '确定' }).click();
  await pop.waitFor({ state: 'hidden' });
}

export async function run(ctx: VisitCtx) {
  const errors: string[] = [];
  const newcomer = { phone: newPhone('177'), name: '周新同', id: prcId(Date.now() % 997) };
  const reason = `项目对接 ${Date.now() % 100000}`;
  const { context, page } = await phone(ctx, errors);
  const host = await hostPhone(ctx, errors);
  const other = await phone(ctx, errors);
  try {
    // the booker signs in; 访客预约 is on the home page now (no longer 即将推出)
    await page.goto(`${ctx.baseUrl}/appointment`);
    await visitorSignIn(ctx, page, BOOKER);
    await page.waitForURL(/\/appointment$/);
    await byTest(page, 'photo-hint').getByText('上传照片后可快速通行，未上传照片需携带身份证。').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-appointment');

    // an unknown host phone: 无此受访人 (looked up as soon as 11 digits are typed)
    await fill(page, 'host-phone', '13912345678');
    await byTest(page, 'host-phone').getByText('无此受访人').waitFor(); // under the phone typed, not elsewhere
    assert.equal(await page.getByText('无此受访人').count(), 1);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-host-not-found');

    // the real host: masked name, and 查看办理须知 shows that host's unit's text
    await fill(page, 'host-phone', HOST.phone);
    await page.waitForFunction(() => (document.querySelector('[data-test="host-name"] input') as HTMLInputElement | null)?.value === '姜*檬');
    await byTest(page, 'instructions-link').click();
    await byTest(page, 'unit-instructions').getByText('市机关事务管理局').waitFor();
    assert.equal(await byTest(page, 'unit-instructions').count(), 1);
    await settle(page);
    await viewShot(page, 'visitor-visit-instructions');
    await page.locator('.van-popup__close-icon:visible').click();

    // the window: an end before the start is refused on the page
    await fill(page, 'reason', reason);
    await fill(page, 'remark', '带项目资料');
    const startHour = await byTest(page, 'start-at').locator('input').inputValue();
    await byTest(page, 'end-at').click();
    await page.locator('.van-popup:visible .van-picker-group').waitFor();
    await settle(page);
    await viewShot(page, 'visitor-visit-datetime');
    await page.locator('.van-popup:visible').getByRole('button', { name: '取消' }).click();
    const h = Number(startHour.slice(11, 13));
    if (h >= 1 && h <= 21) {
      // (near midnight the default one-hour window is kept)
      await pickTime(page, 'end-at', String(h - 1).padStart(2, '0'));
      await byTest(page, 'submit').click();
      await page.getByText('结束时间须晚于开始时间').waitFor();
      await pickTime(page, 'end-at', String(Math.min(h + 2, 23)).padStart(2, '0'));
    }
    await fill(page, 'plate', '浙c12345');

    // two companions: one known, one new; a third row added and removed again
    for (const [i, p] of [KNOWN.phone, newcomer.phone, '13700000000'].entries()) {
      await byTest(page, 'add-companion').click();
      await fill(page, `companion-phone-${i}`, p);
    }
    await byTest(page, 'companion-remove-2').click();
    assert.equal(await byTest(page, 'companion-phone-2').count(), 0);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-appointment-filled');

    // a double tap makes one order
    const created: number[] = [];
    page.on('response', (r) => r.url().endsWith('/api/visits/appointments') && created.push(r.status()));
    await byTest(page, 'submit').dblclick();
    await page.waitForURL(/\/visits\/[0-9a-f-]{36}\/submitted$/);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-submitted');
    const mainId = await fromSubmittedToDetail(page);
    await byTest(page, 'detail-status').getByText('待确认').waitFor();
    const mine = await (await page.request.get(`${ctx.baseUrl}/api/visits/mine?scope=recent&status=all&page=1&pageSize=50`)).json();
    assert.equal(mine.items.filter((o: { reason: string }) => o.reason === reason).length, 1, `one order for ${created.join(',')}`);

    // detail: the known companion follows the main (待确认), the new one waits for the link (已发起)
    const main = await orderJson(ctx, page, mainId);
    assert.equal(main.companions.length, 2);
    const known = main.companions.find((c) => c.name === KNOWN.name)!;
    const fresh = main.companions.find((c) => c.name === null)!;
    assert.equal(known.status, 'pending');
    assert.equal(fresh.status, 'initiated');
    await byTest(page, 'trail-label').getByText('访客：提交').waitFor();
    // one tap, one entry: the create and the submit that followed it are one 提交
    assert.deepEqual(await byTest(page, 'trail-label').allInnerTexts(), ['访客：提交']);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-detail');

    // the newcomer's SMS link: open it in their own phone → 注册 → back to the link → 提交
    const token = await smsLinkToken(ctx, newcomer.phone);
    await other.page.goto(`${ctx.baseUrl}/l/${token}`);
    await byTest(other.page, 'link-summary').waitFor();
    await byTest(other.page, 'link-host').getByText(HOST.masked).waitFor();
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link');
    await byTest(other.page, 'link-register').click();
    await register(other.page, newcomer.name, newcomer.id);
    await other.page.waitForURL(/\/l\//);
    await byTest(other.page, 'link-visitor').getByText(newcomer.name).waitFor();
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link-registered');
    await byTest(other.page, 'link-submit').click();
    await other.page.waitForURL(/\/visits\/[0-9a-f-]{36}$/);
    assert.equal(orderIdOf(other.page), fresh.id);
    await byTest(other.page, 'detail-status').getByText('待确认').waitFor(); // it takes the main's state

    // the link works once
    await other.page.goto(`${ctx.baseUrl}/l/${token}`);
    await byTest(other.page, 'link-problem').getByText('链接已使用').waitFor();
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link-used');
    await other.page.goto(`${ctx.baseUrl}/l/not-a-token`);
    await byTest(other.page, 'link-problem').getByText('链接无效').waitFor();
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link-invalid');

    // the host approves the main order in the staff app (subs from companion are not reviewed)
    await hostReview(ctx, host.page, mainId, 'approve', 'visitor-visit-host-review');

    // all three 已确认: the main in 我的预约, both companions in its detail, the newcomer's own list
    await page.goto(`${ctx.baseUrl}/visits?scope=recent&status=confirmed`);
    const card = byTest(page, `order-${mainId}`);
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'confirmed');
    await card.getByText(`${KNOWN.name}，${newcomer.name}`).waitFor();
    await card.getByText('浙C12345').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-list');
    assert.equal(await card.locator('[data-test="card-code"]').count(), 1); // the QR icon of a confirmed order
    await card.click();
    await page.waitForURL(new RegExp(`/visits/${mainId}$`));
    await byTest(page, 'detail-status').getByText('已确认').waitFor();
    assert.deepEqual(await byTest(page, 'companion-status').allInnerTexts(), ['已确认', '已确认']);
    await byTest(page, 'trail-label').getByText('邀约人：审核通过').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-detail-confirmed');

    // 访客预约码 (V8): the page from the detail's button, verified by a kiosk, refreshed; the SMS link; not in the staff app
    await appointmentCodeStep(ctx, context, host.page, { id: mainId, visitorName: '林晓燕' }, errors);

    await other.page.goto(`${ctx.baseUrl}/visits`);
    const theirs = byTest(other.page, `order-${fresh.id}`);
    await theirs.waitFor();
    assert.equal(await theirs.getAttribute('data-status'), 'confirmed');
    // a companion's order is a sub: no 帮同伴填写 / 批量转发同伴填写 on it
    assert.equal(await theirs.locator('[data-test="card-help-fill"], [data-test="card-forward"]').count(), 0);

    // an expired link says so (the server's LINK_EXPIRED, stubbed here: its expiry is tested in the API suite)
    await other.page.route('**/api/links/expired-token', (r) =>
      r.fulfill({ status: 410, contentType: 'application/json', body: JSON.stringify({ error: { code: 'LINK_EXPIRED', message: { 'zh-CN': '链接已过期', en: 'The link has expired' } } }) }),
    );
    await other.page.goto(`${ctx.baseUrl}/l/expired-token`);
    await byTest(other.page, 'link-problem').getByText('请联系邀请人重新发送链接。').waitFor();
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link-expired');

    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await host.context.close();
    await other.context.close();
  }
}
