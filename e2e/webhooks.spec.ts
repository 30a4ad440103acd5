/**
 * Journey: Webhook 推送 (X8) at 1440×900. The test starts a receiver (node:http on a free port) that
 * keeps what it gets. The administrator opens 系统 → Webhook 推送, adds an endpoint pointing at it
 * for 来访单据已提交 and 来访单据审核通过, and copies the signing secret shown once. A visitor books
 * a demo host, who approves (through the API). The log shows both deliveries 投递成功 with HTTP 200;
 * the drawer shows the approved order's payload (the visitor's ID number masked, no phone) and the
 * receiver's answer; the receiver verifies both signatures with the Standard Webhooks library and
 * the secret from the page. 发送测试事件 and 重新投递 send again (same webhook-id for the redelivery).
 * Then the page in English.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { confirmedVisitNow } from './gate-helpers.js';
import { prcId } from './visit-helpers.js';
import { startWebhookReceiver } from '../server/src/test/stubs/webhook-receiver.js';

const VISITOR = { phone: '15700008181', register: { name: '钱推送', idNumber: prcId(81) } };

export async function run(ctx: E2EContext) {
  const { baseUrl, browser, screenshot, adminLogin } = ctx;
  const rx = await startWebhookReceiver();
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(400); // let drawers and dialogs finish their transitions
    await screenshot(page, name);
  };
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await page.getByRole('menuitem', { name: 'Webhook 推送' }).click();
    const table = page.locator('[data-test=webhooks-table]');
    await table.waitFor();
    await page.getByText('暂无 Webhook').waitFor();

    // ------------------------------------------------------------ a new endpoint, the secret shown once
    await page.locator('[data-test=new-webhook]').click();
    const dialog = page.locator('[data-test=webhook-dialog]');
    await dialog.waitFor();
    // nothing chosen: refused in words, nothing saved
    await page.locator('input[data-test=webhook-url]').fill('ftp://example.com/in');
    await page.locator('[data-test=event-order\\.approved]').click();
    await page.locator('[data-test=save-webhook]').click();
    await page.getByText('地址须为 http:// 或 https:// 开头的完整网址').waitFor();
    await page.locator('input[data-test=webhook-url]').fill(`${rx.url}/safeguard`);
    await page.locator('input[name=webhook-description]').fill('门禁厂商对接');
    await page.locator('[data-test=event-order\\.submitted]').click();
    await shot(page, 'admin-webhooks-create');
    await page.locator('[data-test=save-webhook]').click();
    const secretDialog = page.locator('[data-test=secret-dialog]');
    await secretDialog.waitFor();
    const secret = await page.locator('input[data-test=webhook-secret]').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    await shot(page, 'admin-webhooks-secret');
    await page.locator('[data-test=secret-done]').click();
    await secretDialog.waitFor({ state: 'hidden' });
    const row = table.locator('.el-table__body-wrapper tr.el-table__row').first();
    assert.match(await row.innerText(), /门禁厂商对接[\s\S]*来访单据已提交[\s\S]*来访单据审核通过[\s\S]*启用/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page once the dialog is closed');

    // ------------------------------------------------------------ an order submitted and approved
    const { v, order } = await confirmedVisitNow(ctx, VISITOR, '设备联调');
    await v.close();
    await ctx.drain();
    const log = page.locator('[data-test=deliveries-table]');
    const logRows = log.locator('.el-table__body-wrapper tr.el-table__row');
    await page.locator('[data-test=refresh-deliveries]').click();
    await waitRows(logRows, 2);
    for (const text of await logRows.allInnerTexts()) assert.match(text, /投递成功[\s\S]*\b1\b[\s\S]*200/);
    assert.match(await row.locator('[data-test=webhook-stats]').innerText(), /成功 2\s+重试中 0\s+失败 0/);
    await shot(page, 'admin-webhooks');

    // the receiver got both, each verifiable with the secret the page showed
    assert.equal(rx.received.length, 2);
    const payloads = rx.received.map((r) => rx.verify(r, secret));
    assert.deepEqual(payloads.map((p) => p.type).sort(), ['order.approved', 'order.submitted']);
    for (const p of payloads) assert.equal(p.data.order.id, order.id);
    const approved = payloads.find((p) => p.type === 'order.approved')!;
    assert.equal(approved.data.order.visitor.name, VISITOR.register.name);
    assert.match(approved.data.order.visitor.idNumberMasked, /^\d{4}\*{10}[\dX]{4}$/);
    for (const r of rx.received) {
      assert.ok(!r.body.includes(VISITOR.phone) && !r.body.includes(VISITOR.register.idNumber), 'no phone, no whole ID number');
      assert.throws(() => rx.verify(r, `whsec_${Buffer.alloc(32, 7).toString('base64')}`), /signature/i);
    }

    // ------------------------------------------------------------ the drawer: payload and answer
    await logRows.filter({ hasText: 'order.approved' }).locator('[data-test=delivery-detail]').click();
    const drawer = page.locator('[data-test=delivery-drawer]');
    await drawer.locator('[data-test=delivery-payload]').waitFor();
    const payloadText = await drawer.locator('[data-test=delivery-payload]').innerText();
    assert.match(payloadText, /"type": "order.approved"/);
    assert.match(payloadText, new RegExp(VISITOR.register.name));
    assert.ok(!payloadText.includes(VISITOR.phone));
    assert.match(await drawer.locator('[data-test=delivery-response]').innerText(), /"ok": true/);
    await shot(page, 'admin-webhooks-delivery');
    // 重新投递 from the drawer: the same message again
    await drawer.getByRole('button', { name: '重新投递' }).click();
    await page.getByText('已重新加入投递队列').waitFor();
    await ctx.drain();
    assert.equal(rx.received.length, 3);
    assert.equal(rx.received[2]!.headers['webhook-id'], rx.received.find((r) => JSON.parse(r.body).type === 'order.approved')!.headers['webhook-id']);
    rx.verify(rx.received[2]!, secret);

    // ------------------------------------------------------------ 发送测试事件
    await row.locator('[data-test=send-test]').click();
    await page.getByText('测试事件已加入投递队列').waitFor();
    await ctx.drain();
    await page.locator('[data-test=refresh-deliveries]').click();
    await waitRows(logRows, 3);
    assert.equal(rx.verify(rx.received[3]!, secret).type, 'webhook.test');
    await log.getByText('测试事件').first().waitFor();
    await page.getByText('投递成功').first().waitFor();

    // ------------------------------------------------------------ English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.goto(`${baseUrl}/admin/system/webhooks`);
    await row.locator('[data-test=show-deliveries]').click();
    await page.getByText('Deliveries to').waitFor();
    await waitRows(logRows, 3);
    assert.match(await logRows.first().innerText(), /Test event[\s\S]*Delivered/);
    await shot(page, 'admin-webhooks-en');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await rx.close();
  }
}

async function waitRows(rows: Locator, n: number) {
  for (let i = 0; i < 50; i++) {
    if ((await rows.count()) === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await rows.count(), n);
}
