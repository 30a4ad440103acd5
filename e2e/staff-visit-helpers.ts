/**
 * Steps shared by the staff-app visit journeys (visit-invitation-limit, visit-chain): a 375×667
 * phone, staff sign-in (password or SMS code), the 访客邀约 time pickers, SMS text from the
 * development outbox (read through the admin API, as an operator would), and API checks.
 */
import assert from 'node:assert/strict';
import type { APIResponse, Browser, Page } from 'playwright-core';
import type { E2EContext } from './run.js';

export const DEMO_PASSWORD = 'Safeguard@2026';
export const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`);

/** A phone-sized context; uncaught page errors fail the journey at the end (see `assertNoErrors`). */
export async function phoneContext(browser: Browser, errors: string[], timezoneId = 'Asia/Shanghai') {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN', timezoneId });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page };
}
export function assertNoErrors(errors: string[]) {
  assert.deepEqual(errors, [], `page errors: ${errors.join('\n')}`);
}

/** Toasts gone and transitions finished, so that a screenshot shows the settled page. */
export async function settle(page: Page) {
  await page.waitForFunction(() => [...document.querySelectorAll('.van-toast')].every((e) => getComputedStyle(e).display === 'none'), undefined, { timeout: 6000 });
  await page.waitForTimeout(400);
}

export async function expectStatus(res: APIResponse, status: number, code?: string) {
  const text = await res.text();
  assert.equal(res.status(), status, text);
  if (code) assert.equal(JSON.parse(text).error?.code, code, text);
  return text ? JSON.parse(text) : undefined;
}

/** Staff sign-in in the staff app's own context (password; or an SMS code when `password` is null). */
export async function staffSignIn(e2e: E2EContext, page: Page, phone: string, password: string | null = DEMO_PASSWORD) {
  await page.goto(`${e2e.baseUrl}/staff/login`);
  let body: { phone: string; password?: string; code?: string } = { phone, password: password ?? undefined };
  if (password === null) {
    await expectStatus(await page.request.post(`${e2e.baseUrl}/api/auth/sms-codes`, { data: { phone, purpose: 'staff_login' } }), 200);
    body = { phone, code: await e2e.lastSmsCode(phone) };
  }
  await expectStatus(await page.request.post(`${e2e.baseUrl}/api/auth/staff/login`, { data: body }), 200);
  await page.goto(`${e2e.baseUrl}/staff/`);
  await tid(page, 'menu-approvals').waitFor();
}

/** Opens a DateTimeField and accepts what the picker offers (选择日期 → 选择时间 → 确认). */
export async function pickTime(page: Page, field: 'startAt' | 'endAt') {
  await tid(page, field).click();
  const confirm = page.locator('.van-popup .van-picker__confirm').filter({ visible: true });
  await confirm.click(); // 选择时间 (next tab)
  await page.waitForTimeout(300);
  await confirm.click(); // 确认
  await page.locator('.van-popup').filter({ visible: true }).waitFor({ state: 'hidden' });
}

/** The newest SMS to `phone` whose text matches `pattern`, from the admin 短信发件箱 API. */
export async function smsText(e2e: E2EContext, adminPage: Page, phone: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const res = await adminPage.request.get(`${e2e.baseUrl}/api/admin/sms-outbox?phone=${phone}&pageSize=50`);
    const { items } = (await expectStatus(res, 200)) as { items: Array<{ content: string }> };
    const hit = items.find((m) => pattern.test(m.content));
    if (hit) return hit.content;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no SMS to ${phone} matching ${pattern}`);
}
export async function linkToken(e2e: E2EContext, adminPage: Page, phone: string): Promise<string> {
  return (await smsText(e2e, adminPage, phone, /\/l\/[\w.-]+/)).match(/\/l\/([\w.-]+)/)![1]!;
}

export interface OrderJson {
  id: string;
  status: string;
  cancelReason: string | null;
  companions: Array<{ id: string; origin: string; status: string }>;
  trail: Array<{ actorRole: string; action: string; toStatus: string; comment: string | null; label: { 'zh-CN': string } }>;
  chain: Array<{ position: number; name: string; status: string }>;
  actions: Record<string, boolean>;
}
export async function orderJson(e2e: E2EContext, page: Page, id: string): Promise<OrderJson> {
  return (await expectStatus(await page.request.get(`${e2e.baseUrl}/api/visits/${id}`), 200)) as OrderJson;
}
