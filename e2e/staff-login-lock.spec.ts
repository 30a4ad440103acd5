/**
 * Journey: password sign-in paused, SMS code sign-in offered (issue 8 §6). Five wrong passwords for
 * one staff phone from this address: the staff login page shows the server's message (…请改用短信
 * 验证码登录) and switches to 验证码登录; the right password is refused as well; an SMS code signs
 * in and lifts the pause, so the password works again at once.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { assertNoErrors, phoneContext } from './staff-visit-helpers.js';

/** demo staff with the demo password that no other journey signs in with */
const STAFF = '13900001021';
const PASSWORD = 'Safeguard@2026';

const byTest = (page: Page, id: string) => page.locator(`[data-test="${id}"]`);
const input = (page: Page, id: string) => byTest(page, id).locator('input').first();

/** Submits the password form (Enter) and returns the API's status. */
async function submitPassword(page: Page, password: string) {
  await input(page, 'login-password').fill(password);
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/staff/login')), input(page, 'login-password').press('Enter')]);
  return res.status();
}

export async function run(e2e: E2EContext) {
  const errors: string[] = [];
  const { context, page } = await phoneContext(e2e.browser, errors);
  try {
    await page.goto(`${e2e.baseUrl}/staff/login`);
    await page.locator('.van-tab', { hasText: '密码登录' }).click();
    await input(page, 'login-phone').fill(STAFF);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await submitPassword(page, 'wrong-password'));
    assert.deepEqual(statuses, [401, 401, 401, 401, 423]);

    // the server's message, and the page has switched to code sign-in
    const notice = byTest(page, 'password-locked');
    await notice.waitFor();
    assert.match(await notice.innerText(), /请改用短信验证码登录/);
    await byTest(page, 'login-code').waitFor();
    await e2e.screenshot(page, 'staff-login-locked');

    // back on 密码登录 the notice offers the code; the right password is refused too
    const passwordTab = page.locator('.van-tab', { hasText: '密码登录' });
    await passwordTab.click();
    await byTest(page, 'use-code').waitFor();
    assert.equal(await submitPassword(page, PASSWORD), 423);
    await byTest(page, 'login-code').waitFor();
    await passwordTab.click();
    await byTest(page, 'use-code').click();
    await byTest(page, 'login-code').waitFor();

    // sign in by SMS code
    const [sent] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/sms-codes')), byTest(page, 'get-code').click()]);
    assert.equal(sent.status(), 200);
    await input(page, 'login-code').fill(await e2e.lastSmsCode(STAFF));
    await byTest(page, 'login-submit').click();
    await page.waitForURL(/\/staff\/?$/);

    // the pause is lifted: the password works again from this address
    const again = await page.request.post(`${e2e.baseUrl}/api/auth/staff/login`, { data: { phone: STAFF, password: PASSWORD } });
    assert.equal(again.status(), 200, await again.text());
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
}
