/**
 * Journey: a new visitor signs in with an SMS code, agrees to face processing, uploads a photo,
 * registers (V1, V2), sees 我的注册信息 with the photo and the masked ID (V5), edits it, reads
 * 办理须知 (V6) — at 375×667 in Chromium. Screenshots: e2e/screenshots/visitor-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';

interface Ctx {
  baseUrl: string;
  browser: Browser;
  screenshot: (page: Page, name: string) => Promise<void>;
  lastSmsCode: (phone: string) => Promise<string>;
}

/** A valid 18-digit resident ID (GB 11643 check digit). */
function prcId(seq: number): string {
  const first17 = `3303021988${String(1 + (seq % 12)).padStart(2, '0')}15${String(seq % 1000).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

/** A portrait "photo": a face-coloured oval on a light background, as a phone camera JPEG. */
async function makePhoto(file: string) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1600"><rect width="1200" height="1600" fill="#dfe7ef"/><ellipse cx="600" cy="640" rx="300" ry="390" fill="#e8b894"/><rect x="250" y="1100" width="700" height="500" rx="200" fill="#2f5d8a"/></svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toFile(file);
}

const byTest = (page: Page, id: string) => page.locator(`[data-test="${id}"]`);
/** Screenshots without a passing toast over the page, and after popups have slid in. */
async function settle(page: Page) {
  await page.waitForFunction(() => [...document.querySelectorAll('.van-toast')].every((e) => getComputedStyle(e).display === 'none'), undefined, { timeout: 5000 });
  await page.waitForTimeout(350);
}
async function field(page: Page, id: string, value: string) {
  const input = byTest(page, id).locator('input');
  await input.fill(value);
}

export async function run(ctx: Ctx) {
  const phone = `166${String(Date.now()).slice(-8)}`;
  const idNumber = prcId(Number(phone.slice(-3)));
  const photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-visitor-')), 'me.jpg');
  await makePhoto(photo);

  const context = await ctx.browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    // V1 登录: unknown session → the login page
    await page.goto(`${ctx.baseUrl}/`);
    // pinch-zoom is not blocked
    const viewport = (await page.locator('meta[name="viewport"]').getAttribute('content')) ?? '';
    assert.ok(!/user-scalable\s*=\s*no|maximum-scale/.test(viewport), viewport);
    await page.waitForURL(/\/login/);
    await page.getByText('立即登录').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-login');

    await field(page, 'login-phone', phone);
    await byTest(page, 'get-code').click();
    await page.getByText(/\d+秒后重发/).waitFor(); // the 60 s countdown
    const code = await ctx.lastSmsCode(phone);
    await field(page, 'login-code', code);
    await byTest(page, 'login-submit').click();

    // a new phone goes to 注册
    await page.waitForURL(/\/register/);
    await page.getByText('上传照片后可快速通行，未上传照片需携带身份证。').waitFor();
    assert.equal(await byTest(page, 'phone').locator('input').inputValue(), phone);
    assert.equal(await byTest(page, 'id-type').locator('input').inputValue(), '居民身份证');
    await settle(page);
    await ctx.screenshot(page, 'visitor-register');

    // 不同意: no file picker, nothing uploaded
    await byTest(page, 'photo-upload').click();
    await byTest(page, 'consent').getByRole('heading', { name: '处理目的' }).waitFor();
    await byTest(page, 'consent-decline').click();
    await page.getByText('您未同意人脸信息处理，照片未上传').waitFor();
    assert.equal(await byTest(page, 'photo-preview').count(), 0);

    // a file that is not a picture: the server's error, in the page's language
    await byTest(page, 'photo-upload').click();
    const [notImage] = await Promise.all([page.waitForEvent('filechooser'), byTest(page, 'consent-agree').click()]);
    await notImage.setFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo\n'.repeat(100)) });
    await page.getByText('照片格式不正确，请上传 JPG 或 PNG 图片').waitFor();
    assert.equal(await byTest(page, 'photo-preview').count(), 0);
    await settle(page);

    // 同意 → the file picker opens in the same tap → upload
    await byTest(page, 'photo-upload').click();
    await byTest(page, 'consent').getByRole('heading', { name: '撤回授权' }).waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-consent');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), byTest(page, 'consent-agree').click()]);
    const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/visitor/photos') && r.request().method() === 'POST');
    await chooser.setFiles(photo);
    assert.equal((await uploaded).status(), 200);
    await byTest(page, 'photo-preview').waitFor();

    // the number's label follows 证件类型
    assert.equal(await byTest(page, 'id-number').locator('.van-field__label').innerText(), '身份证号码');
    // a wrong check digit is caught as the field is left, before any 注册
    await field(page, 'name', '测试访客');
    const wrong = idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1');
    await field(page, 'id-number', wrong);
    await byTest(page, 'company').locator('input').click();
    await byTest(page, 'id-number').getByText('身份证号码校验失败').waitFor();
    await field(page, 'company', '温州测试科技有限公司');
    await field(page, 'position', '工程师');
    await settle(page);
    await ctx.screenshot(page, 'visitor-register-filled');

    // 用户协议 / 隐私政策: required, and readable from the form
    await field(page, 'id-number', idNumber);
    await byTest(page, 'company').locator('input').click();
    await page.waitForFunction(() => !document.querySelector('[data-test="id-number"] .van-field__error-message'));
    let registerCalls = 0;
    page.on('request', (r) => r.url().endsWith('/api/visitor/register') && registerCalls++);
    await byTest(page, 'register-submit').click();
    await byTest(page, 'terms').getByText('请阅读并勾选同意《用户协议》《隐私政策》').waitFor();
    assert.equal(registerCalls, 0, 'nothing is sent without the agreement');
    await byTest(page, 'privacy-open').click();
    await byTest(page, 'terms-sheet').getByRole('heading', { name: '隐私政策' }).waitFor();
    await byTest(page, 'terms-sheet').getByRole('heading', { name: '您的权利' }).waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-register-privacy');
    await byTest(page, 'terms-close').click();
    await byTest(page, 'terms-sheet').waitFor({ state: 'hidden' });
    assert.equal(await byTest(page, 'terms-agree').getAttribute('aria-checked'), 'false', 'reading is not agreeing');
    await byTest(page, 'terms-agree').locator('.van-checkbox__icon').click();
    await page.waitForFunction(() => !document.querySelector('[data-test="terms"] .van-field__error-message'));
    const registered = page.waitForResponse((r) => r.url().endsWith('/api/visitor/register'));
    await byTest(page, 'register-submit').click();
    assert.equal((await registered).status(), 200);

    // home (访客预约 landing)
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByText('您好，测试访客').waitFor();
    await byTest(page, 'photo-note').getByText('已上传照片').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-home');
    // 访客预约 opens the booking form (issue #4; e2e/visit-*.spec.ts go on from there)
    await byTest(page, 'entry-appointment').click();
    await page.waitForURL(/\/appointment$/);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/');

    // V5 我的注册信息: masked ID, tap to reveal, photo served by the authorised route
    await byTest(page, 'entry-myInfo').click();
    await page.waitForURL(/\/me$/);
    const masked = `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`;
    await byTest(page, 'my-id-number').getByText(masked).waitFor();
    await byTest(page, 'terms-consent').getByText(/已同意《用户协议》《隐私政策》（\d{4}-\d{2}-\d{2} \d{2}:\d{2}）/).waitFor(); // recorded, with its time
    const img = byTest(page, 'my-photo');
    await img.waitFor();
    await page.waitForFunction(() => (document.querySelector('[data-test="my-photo"]') as HTMLImageElement | null)?.naturalWidth ?? 0 > 0);
    assert.ok(((await img.evaluate((el) => (el as HTMLImageElement).naturalHeight)) as number) > 0);
    await settle(page);
    await ctx.screenshot(page, 'visitor-my-info');
    await byTest(page, 'my-id-number').click();
    await byTest(page, 'my-id-number').getByText(idNumber).waitFor();

    // 修改注册信息
    assert.equal(await page.getByText('修改注册信息', { exact: true }).count(), 1, '修改注册信息 once on 我的注册信息');
    await byTest(page, 'edit').click();
    await page.waitForURL(/\/me\/edit/);
    await page.waitForFunction(() => (document.querySelector('[data-test="name"] input') as HTMLInputElement | null)?.value === '测试访客');
    await field(page, 'position', '高级工程师');
    await settle(page);
    await ctx.screenshot(page, 'visitor-edit');
    await byTest(page, 'save').click();
    await page.waitForURL(/\/me$/);
    await byTest(page, 'my-position').getByText('高级工程师').waitFor();

    // V6 查看办理须知
    await byTest(page, 'instructions-link').click();
    await page.waitForURL(/\/instructions/);
    await byTest(page, 'unit-instructions').first().waitFor();
    assert.ok((await byTest(page, 'unit-instructions').count()) >= 1);
    await settle(page);
    await ctx.screenshot(page, 'visitor-instructions');
    await byTest(page, 'back').click();
    await page.waitForURL(/\/me$/);

    // 撤回人脸授权: after confirming, the photo is gone (also from the authorised route)
    await byTest(page, 'withdraw-consent').click();
    await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click();
    await page.getByText('未上传照片', { exact: true }).waitFor();
    assert.equal(await byTest(page, 'withdraw-consent').count(), 0);
    assert.equal((await page.request.get(`${ctx.baseUrl}/api/visitor/me/photo`)).status(), 404);
    await settle(page);
    await ctx.screenshot(page, 'visitor-my-info-withdrawn');

    // English
    await page.goto(`${ctx.baseUrl}/`);
    await byTest(page, 'lang').click();
    await page.getByText('Hello, 测试访客').waitFor();
    await settle(page);
    await ctx.screenshot(page, 'visitor-home-en');

    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}
