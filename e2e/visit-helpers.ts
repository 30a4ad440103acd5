/**
 * Shared steps of the visit journeys (visit-companions, visit-subs): phone-sized browser contexts,
 * visitor sign-in through the 登录 page, host review in the staff app, booking through 访客预约.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface VisitCtx {
  baseUrl: string;
  browser: Browser;
  screenshot: (page: Page, name: string) => Promise<void>;
  lastSmsCode: (phone: string) => Promise<string>;
  lastSms: (phone: string, pattern?: RegExp) => Promise<string>;
}

export const HOST = { phone: '17348862736', password: 'Safeguard@2026', masked: '姜*檬' };

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
/** A screenshot of what the phone shows (for popups and dialogs, where a full-page one stretches the mask). */
export async function viewShot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

export const byTest = (page: Page, id: string) => page.locator(`[data-test="${id}"]`);

/** No passing toast over the page, popups slid in. */
export async function settle(page: Page) {
  await page.waitForFunction(() => [...document.querySelectorAll('.van-toast')].every((e) => getComputedStyle(e).display === 'none'), undefined, { timeout: 6000 });
  await page.waitForTimeout(350);
}
export async function fill(page: Page, id: string, value: string) {
  await byTest(page, id).locator('input, textarea').first().fill(value);
}

/** A 375×667 phone in Shanghai time; page errors collected in `errors`. */
export async function phone(ctx: VisitCtx, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await ctx.browser.newContext({
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page };
}

/** A valid 18-digit resident ID (GB 11643 check digit). */
export function prcId(seq: number, day = 21): string {
  const first17 = `3303021990${String(1 + (seq % 12)).padStart(2, '0')}${day}${String(seq % 1000).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
export const newPhone = (prefix: string) => `${prefix}${String(Date.now()).slice(-8)}`;

/** 登录 with phone + SMS code (the redirect, if any, is already in the URL). */
export async function visitorSignIn(ctx: VisitCtx, page: Page, phoneNo: string) {
  await page.waitForURL(/\/login/);
  await fill(page, 'login-phone', phoneNo);
  // another journey may have asked a code for this phone less than 60 s ago (SMS_TOO_SOON): wait, once
  for (let attempt = 0; ; attempt++) {
    await byTest(page, 'get-code').click();
    const sent = page.getByText(/\d+秒后重发/);
    const refused = page.locator('.van-toast:visible');
    await sent.or(refused).first().waitFor();
    if (await sent.isVisible()) break;
    const why = await refused.innerText();
    if (attempt > 0 || !why.includes('60秒')) throw new Error(`no SMS code for ${phoneNo}: ${why}`);
    await page.waitForTimeout(61_000);
  }
  await fill(page, 'login-code', await ctx.lastSmsCode(phoneNo));
  await byTest(page, 'login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** 注册 page: name + ID (no photo), 我已阅读并同意《用户协议》《隐私政策》, then 注册. */
export async function register(page: Page, name: string, idNumber: string) {
  await page.waitForURL(/\/register/);
  await fill(page, 'name', name);
  await fill(page, 'id-number', idNumber);
  await byTest(page, 'terms-agree').locator('.van-checkbox__icon').click();
  await byTest(page, 'register-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/register'));
}

/** The host (demo staff 姜柠檬) signed in to the staff app in its own phone. */
export async function hostPhone(ctx: VisitCtx, errors: string[]) {
  const p = await phone(ctx, errors);
  await p.page.goto(`${ctx.baseUrl}/staff/`);
  const res = await p.page.request.post(`${ctx.baseUrl}/api/auth/staff/login`, { data: { phone: HOST.phone, password: HOST.password } });
  assert.equal(res.status(), 200, await res.text());
  return p;
}

/** The host opens 访客邀约审核 → 待处理, taps the order and decides (审核通过 / 审核不通过). */
export async function hostReview(ctx: VisitCtx, page: Page, orderId: string, decision: 'approve' | 'reject', shot?: string) {
  await page.goto(`${ctx.baseUrl}/staff/approvals/visits?tab=pending`);
  const card = byTest(page, `order-${orderId}`);
  await card.waitFor();
  await card.click();
  await page.waitForURL(new RegExp(`/staff/visits/${orderId}/review`));
  await byTest(page, 'review-panel').waitFor();
  if (shot) {
    await settle(page);
    await ctx.screenshot(page, shot);
  }
  await byTest(page, decision).click();
  await page.locator('.van-dialog__confirm').click();
  await page.waitForURL((u) => !u.pathname.endsWith('/review'));
}

/** GET an order as the page's signed-in user (for checks only; the pages are what is tested). */
export async function orderJson(ctx: VisitCtx, page: Page, id: string) {
  const res = await page.request.get(`${ctx.baseUrl}/api/visits/${id}`);
  assert.equal(res.status(), 200, await res.text());
  return (await res.json()) as {
    id: string;
    status: string;
    origin: string | null;
    actions: Record<string, boolean>;
    forwardedBy: string | null;
    companions: Array<{ id: string; origin: string; name: string | null; phoneMasked: string; status: string }>;
  };
}

/** The token of the newest /l/<token> link in a phone's SMS (the SMS names the configured public URL). */
export async function smsLinkToken(ctx: VisitCtx, phoneNo: string): Promise<string> {
  const text = await ctx.lastSms(phoneNo, /\/l\/[\w.-]+/);
  return text.match(/\/l\/([\w.-]+)/)![1]!;
}

/**
 * After 提交 of 访客预约: the result page says what happens next (待确认 → the host reviews → SMS)
 * and offers 我的预约; 查看预约详情 goes on to the order. Returns the order id.
 */
export async function fromSubmittedToDetail(page: Page): Promise<string> {
  await page.waitForURL(/\/visits\/[0-9a-f-]{36}\/submitted$/);
  const id = new URL(page.url()).pathname.split('/')[2]!;
  await byTest(page, 'submitted-status').getByText('待确认').waitFor();
  const next = await byTest(page, 'submitted-next').innerText();
  assert.match(next, /等待受访人审核.*短信通知/);
  const steps = await byTest(page, 'submitted-steps').innerText();
  for (const s of ['已提交', '受访人审核', '短信通知结果']) assert.ok(steps.includes(s), `the next steps name ${s}: ${steps}`);
  await byTest(page, 'submitted-visits').waitFor();
  await byTest(page, 'submitted-detail').click();
  await page.waitForURL(new RegExp(`/visits/${id}$`));
  return id;
}

/** The order id in a /visits/<id> URL. */
export const orderIdOf = (page: Page) => new URL(page.url()).pathname.split('/')[2]!;
