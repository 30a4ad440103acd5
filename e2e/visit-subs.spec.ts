/**
 * Journey (b), issue #4: a new visitor (登录 → 注册 → back on 访客预约) books; on the main order they use 帮同伴填写 (V9: a new companion,
 * registered from the details typed) and 批量转发同伴填写 (V10: a link another new companion opens,
 * signs in, registers and submits). The host reviews each sub separately (one approved, one
 * rejected) and neither follows the main; subs offer no 帮同伴填写 / 批量转发同伴填写; 转发邀请人
 * on the forwarded sub's card; 取消预约 (V11) cancels the main and leaves the independent sub.
 * Also the invitee's side of an invitation with review off and a companion limit of 1.
 * At 375×667 in Chromium. Screenshots: e2e/screenshots/visitor-visit-*.png.
 */
import assert from 'node:assert/strict';
import { byTest, fill, fromSubmittedToDetail, HOST, hostPhone, hostReview, newPhone, orderIdOf, orderJson, phone, prcId, register, settle, smsLinkToken, viewShot, visitorSignIn, type VisitCtx } from './visit-helpers.js';


export async function run(ctx: VisitCtx) {
  const errors: string[] = [];
  const seq = Date.now() % 997;
  const booker = { phone: newPhone('176'), name: '钱预约', id: prcId(seq, 24) };
  const helped = { phone: newPhone('178'), name: '吴帮填', id: prcId(seq, 22) };
  const forwarded = { phone: newPhone('179'), name: '郑转发', id: prcId(seq, 23) };
  const reason = `材料报送 ${Date.now() % 100000}`;
  const { context, page } = await phone(ctx, errors);
  const host = await hostPhone(ctx, errors);
  const other = await phone(ctx, errors);
  try {
    // a new visitor opens 访客预约: 登录 → 注册 → back on 访客预约, and books without companions
    await page.goto(`${ctx.baseUrl}/appointment`);
    await visitorSignIn(ctx, page, booker.phone);
    await register(page, booker.name, booker.id);
    await page.waitForURL(/\/appointment$/);
    await fill(page, 'host-phone', HOST.phone);
    await page.waitForFunction(() => (document.querySelector('[data-test="host-name"] input') as HTMLInputElement | null)?.value === '姜*檬');
    await fill(page, 'reason', reason);
    await byTest(page, 'submit').click();
    const mainId = await fromSubmittedToDetail(page);
    await byTest(page, 'detail-status').getByText('待确认').waitFor();

    // V9 帮同伴填写: the companion's details; a new person is registered from them
    await byTest(page, 'help-fill').click();
    await page.waitForURL(/\/help-fill$/);
    await byTest(page, 'hf-order').getByText(reason).waitFor();
    await fill(page, 'hf-name', helped.name);
    await fill(page, 'hf-id-number', helped.id.slice(0, 17) + (helped.id[17] === '1' ? '2' : '1')); // wrong check digit first
    await fill(page, 'hf-phone', helped.phone);
    await fill(page, 'hf-company', '温州设计院');
    await fill(page, 'hf-position', '设计师');
    await byTest(page, 'hf-submit').click();
    await page.getByText('身份证号码校验失败').waitFor();
    await fill(page, 'hf-id-number', helped.id);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-help-fill');
    await byTest(page, 'hf-submit').click();
    await page.waitForURL(new RegExp(`/visits/${mainId}$`));
    await byTest(page, 'detail-companions').getByText(helped.name).waitFor();

    // V10 批量转发同伴填写: a link with 复制链接 and a QR code
    await byTest(page, 'forward').click();
    await byTest(page, 'forward-qr').waitFor();
    const url = await byTest(page, 'forward-url').innerText();
    const token = url.match(/\/l\/([\w.-]+)/)![1]!;
    await settle(page);
    await viewShot(page, 'visitor-visit-forward');
    await byTest(page, 'forward-copy').click();
    await page.getByText(/链接已复制|复制失败/).waitFor();
    await page.locator('.van-popup__close-icon:visible').click();

    // the forwarded companion: link → 登录 → (new) 注册 → back to the link → 提交
    await other.page.goto(`${ctx.baseUrl}/l/${token}`);
    await byTest(other.page, 'link-summary').getByText('钱*约 邀请您一同来访').waitFor();
    await byTest(other.page, 'link-login').click();
    await visitorSignIn(ctx, other.page, forwarded.phone);
    await register(other.page, forwarded.name, forwarded.id);
    await other.page.waitForURL(/\/l\//);
    await fill(other.page, 'link-plate', '浙cd12345');
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-link-forward');
    await byTest(other.page, 'link-submit').click();
    await other.page.waitForURL(/\/visits\/[0-9a-f-]{36}$/);
    const forwardId = orderIdOf(other.page);
    await byTest(other.page, 'detail-status').getByText('待确认').waitFor();

    // both subs wait for the host, each on its own
    const main = await orderJson(ctx, page, mainId);
    const helpSub = main.companions.find((c) => c.origin === 'help_fill')!;
    const fwdSub = main.companions.find((c) => c.origin === 'forward_fill')!;
    assert.equal(fwdSub.id, forwardId);
    assert.deepEqual([helpSub.status, fwdSub.status, main.status], ['pending', 'pending', 'pending']);
    const fwd = await orderJson(ctx, other.page, forwardId);
    assert.equal(fwd.forwardedBy, booker.name);
    assert.ok(!fwd.actions.helpFill && !fwd.actions.forward && !fwd.actions.addCompanions, 'a sub cannot have subs');
    assert.equal(await other.page.locator('[data-test="help-fill"], [data-test="forward"], [data-test="add-companions"]').count(), 0);

    // the host: help_fill approved, forward_fill rejected; the main is not touched
    await hostReview(ctx, host.page, helpSub.id, 'approve');
    await hostReview(ctx, host.page, forwardId, 'reject');
    await page.reload();
    await byTest(page, 'detail-status').getByText('待确认').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-test="companion-status"]').length === 2);
    await byTest(page, 'detail-companion').filter({ hasText: helped.name }).getByText('已确认').waitFor();
    await byTest(page, 'detail-companion').filter({ hasText: forwarded.name }).getByText('已取消').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-detail-subs');

    // the help_fill sub's own detail (its creator may see it): no subs of a sub
    await byTest(page, 'detail-companion').filter({ hasText: helped.name }).click();
    await page.waitForURL(new RegExp(`/visits/${helpSub.id}$`));
    await byTest(page, 'detail-visitor').getByText(helped.name).waitFor();
    await byTest(page, 'trail-label').getByText('邀约人：审核通过').waitFor();
    assert.equal(await page.locator('[data-test="help-fill"], [data-test="forward"], [data-test="add-companions"]').count(), 0);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-sub-detail');
    await page.goBack();
    await page.waitForURL(new RegExp(`/visits/${mainId}$`));
    await byTest(page, 'detail-companions').waitFor();

    // the forwarded companion's 我的预约: 转发邀请人, 已取消 (审核不通过) in its detail
    await other.page.goto(`${ctx.baseUrl}/visits`);
    const card = byTest(other.page, `order-${forwardId}`);
    await card.waitFor();
    await card.locator('[data-test="forwarded-by"]').getByText(booker.name).waitFor();
    assert.equal(await card.getAttribute('data-status'), 'cancelled');
    await settle(other.page);
    await ctx.screenshot(other.page, 'visitor-visit-list-forwarded');
    await card.click();
    await byTest(other.page, 'cancel-reason').getByText('审核不通过').waitFor();
    await byTest(other.page, 'trail-label').getByText('邀约人：审核不通过').waitFor();

    // 添加同行人员 on the main (the popup), closed again
    await byTest(page, 'add-companions').click();
    await byTest(page, 'companion-phone-0').waitFor();
    await settle(page);
    await viewShot(page, 'visitor-visit-add-companions');
    await page.locator('.van-popup__close-icon:visible').click();

    // V11 取消预约: confirm → the main is 已取消 (访客取消); the help_fill sub keeps its own state
    await byTest(page, 'cancel').click();
    await page.locator('.van-dialog').waitFor();
    await settle(page);
    await viewShot(page, 'visitor-visit-cancel');
    await page.locator('.van-dialog__confirm').click();
    await byTest(page, 'detail-status').getByText('已取消').waitFor();
    await byTest(page, 'cancel-reason').getByText('访客取消').waitFor();
    assert.equal(await byTest(page, 'cancel').count(), 0);
    assert.equal(await byTest(page, 'help-fill').count(), 0);
    assert.equal((await orderJson(ctx, page, helpSub.id)).status, 'confirmed');

    // 我的预约 filters: 已取消 shows it, 待确认 does not; 查看历史记录 is empty for today's orders
    await page.goto(`${ctx.baseUrl}/visits`);
    await byTest(page, 'filter-cancelled').click();
    await byTest(page, `order-${mainId}`).waitFor();
    await byTest(page, 'filter-pending').click();
    await page.waitForFunction(() => !!document.querySelector('.van-list__finished-text, [data-test="empty"]'));
    assert.equal(await byTest(page, `order-${mainId}`).count(), 0);
    await page.getByRole('tab', { name: '查看历史记录' }).click();
    await page.waitForURL(/scope=history/);
    await byTest(page, 'filter-all').click();
    await page.waitForFunction(() => !!document.querySelector('.van-list__finished-text, [data-test="empty"]'));
    assert.equal(await byTest(page, `order-${mainId}`).count(), 0);
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-history');

    // an invitation (不需要审核, 限制同行人员数量 1, made by the host through the API — the staff pages have
    // their own journeys): the invitee opens the SMS link, registers, submits → 已确认 at once; 帮同伴填写
    // adds the one companion allowed (it follows the main: 已确认) and the add buttons are gone
    const invitee = { phone: newPhone('175'), name: '孙受邀', id: prcId(seq, 25) };
    const start = new Date(Date.now() + 3 * 3600_000);
    const inv = await host.page.request.post(`${ctx.baseUrl}/api/visits/invitations`, {
      data: { visitorPhone: invitee.phone, reason: '座谈交流', startAt: start.toISOString(), endAt: new Date(start.getTime() + 3600_000).toISOString(), reviewRequired: false, companionLimit: 1, companionPhones: [] },
    });
    assert.equal(inv.status(), 201, await inv.text());
    const guest = await phone(ctx, errors);
    try {
      const g = guest.page;
      await g.goto(`${ctx.baseUrl}/l/${await smsLinkToken(ctx, invitee.phone)}`);
      await byTest(g, 'link-summary').getByText('访客邀约').waitFor();
      await byTest(g, 'link-summary').getByText('姜*檬 邀请您来访').waitFor();
      await settle(g);
      await ctx.screenshot(g, 'visitor-visit-link-invitation');
      await byTest(g, 'link-register').click();
      await register(g, invitee.name, invitee.id);
      await byTest(g, 'link-submit').click();
      await g.waitForURL(/\/visits\/[0-9a-f-]{36}$/);
      const invId = orderIdOf(g);
      await byTest(g, 'detail-status').getByText('已确认').waitFor();
      await byTest(g, 'forward').waitFor();
      await byTest(g, 'help-fill').click();
      await g.waitForURL(/\/help-fill$/);
      await fill(g, 'hf-name', '孙同行');
      await fill(g, 'hf-id-number', prcId(seq, 26));
      await fill(g, 'hf-phone', newPhone('174'));
      await byTest(g, 'hf-submit').click();
      await g.waitForURL(new RegExp(`/visits/${invId}$`));
      await byTest(g, 'detail-companion').filter({ hasText: '孙同行' }).getByText('已确认').waitFor();
      assert.equal(await g.locator('[data-test="help-fill"], [data-test="forward"], [data-test="add-companions"]').count(), 0, 'at the limit the add buttons are gone');
      await settle(g);
      await ctx.screenshot(g, 'visitor-visit-invitation-at-limit');
      await g.goto(`${ctx.baseUrl}/visits`);
      const invCard = byTest(g, `order-${invId}`);
      await invCard.getByText('邀请').waitFor();
      assert.equal(await invCard.locator('[data-test="card-help-fill"], [data-test="card-forward"]').count(), 0);
    } finally {
      await guest.context.close();
    }

    // English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.goto(`${ctx.baseUrl}/visits?scope=recent&status=all`);
    await byTest(page, `order-${mainId}`).getByText('Cancelled').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-list-en');
    await page.goto(`${ctx.baseUrl}/appointment`);
    await fill(page, 'host-phone', '13912345678');
    await byTest(page, 'host-phone').getByText('No such host').waitFor();
    await byTest(page, 'add-companion').click();
    await settle(page);
    await ctx.screenshot(page, 'visitor-visit-appointment-en');

    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await host.context.close();
    await other.context.close();
  }
}
