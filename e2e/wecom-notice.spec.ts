/**
 * Journey (issue 11 — notices in 企业微信; admin 1440×900, the host's phone 375×667). A server of its
 * own is started with WECOM_* pointing at a local WeCom stand-in (the server tests' stub: gettoken,
 * message/send, the web-authorisation page and getuserinfo). The administrator gives the demo host
 * 李磊 a 企业微信账号 in 人员管理 and switches 预约待审核 to 企业微信 in 通知模板 (the card preview).
 * A visitor books the host: WeCom receives a text card for the host's userid, no SMS goes to the
 * host, and the card's 详情, opened in a browser where nobody is signed in, goes through WeCom
 * sign-in and lands on the order in the staff app.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { GATE_HOST, ok } from './gate-helpers.js';
import { assertNoErrors, phoneContext, settle, tid } from './staff-visit-helpers.js';
import { TERMS_VERSION } from '../contracts/consent.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { startWecomStub } from '../server/src/test/stubs/wecom-stub.js';

const wc = { corpId: 'ww0e2e0000000001', corpSecret: 'e2e-wecom-secret', agentId: '1000002' };
const USERID = 'LiLei';

export async function run(shared: E2EContext) {
  const stub = await startWecomStub(wc);
  const e2e = await shared.startServer({
    WECOM_CORP_ID: wc.corpId,
    WECOM_CORP_SECRET: wc.corpSecret,
    WECOM_AGENT_ID: wc.agentId,
    WECOM_OAUTH_URL: stub.url,
    WECOM_API_URL: stub.url,
  });
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const admin = await adminCtx.newPage();
  admin.on('pageerror', (e) => errors.push(`admin: ${e.message}`));
  const adminShot = async (name: string) => {
    await admin.waitForTimeout(400);
    await screenshot(admin, name);
  };
  const { page: hostPhone, context: hostCtx } = await phoneContext(browser, errors);
  const visitorCtx = await browser.newContext();
  try {
    await e2e.adminLogin(admin);

    // ———— 人员管理: the host's 企业微信账号
    await admin.goto(`${baseUrl}/admin/`);
    await admin.locator('.el-menu').getByText('人员管理', { exact: true }).click();
    await admin.waitForURL(`${baseUrl}/admin/org/staff`);
    // an el-input's data-test lands on its <input>
    const search = admin.locator('input[data-test=staff-search]');
    await search.fill(GATE_HOST.phone);
    await search.press('Enter');
    const row = tid(admin, 'staff-table').locator('.el-table__row').filter({ hasText: '李磊' });
    await row.waitFor();
    assert.equal(await tid(admin, 'staff-table').locator('.el-table__row').count(), 1);
    await row.getByRole('button', { name: '编辑' }).click();
    await admin.locator('input[data-test=staff-wecom]').fill(USERID);
    await adminShot('wecom-staff-account');
    await tid(admin, 'staff-save').click();
    await admin.getByText('已保存').first().waitFor();
    const staff = (await ok(await admin.request.get(`${baseUrl}/api/admin/staff?q=${GATE_HOST.phone}`))).items as Array<{ wecomUserId: string | null }>;
    assert.deepEqual(staff.map((s) => s.wecomUserId), [USERID]);

    // ———— 通知模板: 预约待审核 by 企业微信 (a card in the preview)
    await admin.locator('.el-menu').getByText('通知模板', { exact: true }).click();
    await admin.waitForURL(`${baseUrl}/admin/templates`);
    await admin.click('[data-test=edit-order_submitted]');
    const dialog = tid(admin, 'template-dialog');
    await dialog.waitFor();
    assert.ok(!(await dialog.locator('[data-test=channel-wecom] input').isDisabled()), '企业微信 can be chosen: WeCom is configured');
    await dialog.locator('[data-test=channel-wecom]').click();
    await tid(admin, 'wecom-hint').waitFor();
    await tid(admin, 'wecom-card').getByText('预约待审核').waitFor();
    await adminShot('wecom-template-card');
    await tid(admin, 'save-template').click();
    await dialog.waitFor({ state: 'hidden' });
    const templates = (await ok(await admin.request.get(`${baseUrl}/api/admin/notification-templates`))) as Array<{ event: string; channel: string }>;
    assert.equal(templates.find((x) => x.event === 'order_submitted')!.channel, 'wecom');
    await adminShot('wecom-templates');

    // ———— a visitor books the host: WeCom gets the card, the host no SMS
    const phone = `1371${String(Date.now()).slice(-7)}`;
    const idNumber = withIdCheckDigit(`44030519910315${(Date.now() % 900) + 100}`);
    await ok(await visitorCtx.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone, purpose: 'visitor_login' } }));
    await ok(await visitorCtx.request.post(`${baseUrl}/api/auth/visitor/login`, { data: { phone, code: await e2e.lastSmsCode(phone) } }));
    await ok(await visitorCtx.request.post(`${baseUrl}/api/visitor/register`, { data: { name: '郑企微', idNumber, idType: 'prc_id', termsVersion: TERMS_VERSION } }));
    const start = new Date(Date.now() + 3600_000);
    const order = (await ok(
      await visitorCtx.request.post(`${baseUrl}/api/visits/appointments`, {
        data: { hostPhone: GATE_HOST.phone, reason: '政策咨询', startAt: start.toISOString(), endAt: new Date(start.getTime() + 3600_000).toISOString(), companionPhones: [], idempotencyKey: `e2e-wecom-${Date.now()}` },
      }),
    )) as { id: string };
    for (let i = 0; i < 50 && !stub.messages.some((m) => m.touser === USERID); i++) {
      await e2e.drain();
      await new Promise((r) => setTimeout(r, 100));
    }
    const cards = stub.messages.filter((m) => m.touser === USERID);
    assert.equal(cards.length, 1, 'one card for the host');
    const card = cards[0]!;
    assert.equal(card.msgtype, 'textcard');
    assert.equal(card.agentid, Number(wc.agentId));
    assert.equal(card.textcard.title, '预约待审核');
    assert.match(card.textcard.description, /^【市行政中心】郑企微预约于.+来访，事由：政策咨询，请及时审核。$/);
    assert.equal(card.textcard.url, `${baseUrl}/staff/visits/${order.id}?from=wecom`);
    const outbox = (await ok(await admin.request.get(`${baseUrl}/api/admin/sms-outbox?phone=${GATE_HOST.phone}`))).items as Array<{ channel: string; template: string; status: string }>;
    assert.deepEqual(
      outbox.filter((m) => m.template === 'order_submitted').map((m) => [m.channel, m.status]),
      [['wecom', 'sent']],
      'recorded in 短信发件箱 as a WeCom message; no SMS to the host',
    );

    // ———— 详情 in WeCom's browser, nobody signed in: WeCom sign-in, then the order
    stub.signInAs({ userid: USERID });
    await hostPhone.goto(card.textcard.url);
    await hostPhone.waitForURL(`${baseUrl}/staff/visits/${order.id}`);
    await hostPhone.getByText('郑企微').first().waitFor();
    await hostPhone.getByText('政策咨询').first().waitFor();
    assert.ok(stub.requests.some((r) => r.path === '/connect/oauth2/authorize'), 'signed in through WeCom');
    await settle(hostPhone);
    await screenshot(hostPhone, 'wecom-card-opened');
    assertNoErrors(errors);
  } finally {
    await Promise.all([hostCtx.close(), visitorCtx.close(), adminCtx.close()]);
    await e2e.close();
    await stub.close();
  }
}
