/**
 * Journey: staff face photos (A1, X5). The administrator opens a staff member's edit dialog; the
 * upload stays disabled until the consent box ("已取得本人同意采集人脸信息用于门禁通行") is ticked;
 * the photo uploads and shows (read through the authorised route); the list marks it. The staff
 * member then sees their own photo under 个人信息 at 375×667. Finally the administrator removes
 * it and the staff app says 未上传.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';

interface Ctx {
  baseUrl: string;
  browser: Browser;
  screenshot: (page: Page, name: string) => Promise<void>;
  adminLogin: (page: Page) => Promise<void>;
}

/** demo data: the second staff member of the first unit, with the demo password */
const STAFF_PHONE = '13900001001';
const STAFF_PASSWORD = 'Safeguard@2026';

/** A drawn head-and-shoulders portrait (no real person), 900×1200 PNG. */
function portrait(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1200">
    <defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#dbe7f5"/><stop offset="1" stop-color="#b8cde6"/></linearGradient></defs>
    <rect width="900" height="1200" fill="url(#bg)"/>
    <path d="M90 1200 C 110 930 260 840 450 840 C 640 840 790 930 810 1200 Z" fill="#2f4a6d"/>
    <path d="M370 845 L450 990 L530 845 Z" fill="#ffffff"/>
    <rect x="395" y="700" width="110" height="170" rx="40" fill="#e9b999"/>
    <ellipse cx="450" cy="520" rx="200" ry="240" fill="#f1c6a6"/>
    <path d="M250 500 C 240 300 340 250 450 250 C 580 250 670 320 650 500 C 620 400 560 360 450 370 C 350 375 280 400 250 500 Z" fill="#2b2220"/>
    <ellipse cx="375" cy="530" rx="20" ry="13" fill="#3a2a22"/><ellipse cx="525" cy="530" rx="20" ry="13" fill="#3a2a22"/>
    <path d="M340 490 Q375 475 410 490" stroke="#2b2220" stroke-width="9" fill="none"/><path d="M490 490 Q525 475 560 490" stroke="#2b2220" stroke-width="9" fill="none"/>
    <path d="M450 540 Q440 600 455 615" stroke="#c99a7c" stroke-width="7" fill="none"/>
    <path d="M395 665 Q450 700 505 665" stroke="#b5654f" stroke-width="9" fill="none" stroke-linecap="round"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function imageLoaded(page: Page, selector: string) {
  const img = page.locator(selector);
  await img.waitFor();
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel) as HTMLImageElement | null;
    return Boolean(el && el.complete && el.naturalWidth > 0);
  }, selector);
  return img;
}

export async function run(ctx: Ctx) {
  const { baseUrl, browser, screenshot, adminLogin } = ctx;
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(400); // let dialogs and messages finish their transitions
    await screenshot(page, name);
  };
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const staffCtx = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' });
  try {
    // ------------------------------------------------------------ admin uploads the photo
    const a = await adminCtx.newPage();
    await adminLogin(a);
    await a.goto(`${baseUrl}/admin/org/staff`);
    await a.locator('input[data-test=staff-search]').fill(STAFF_PHONE);
    await a.locator('input[data-test=staff-search]').press('Enter');
    const row = a.locator('[data-test=staff-table] .el-table__row').filter({ hasText: STAFF_PHONE }).first();
    await row.waitFor();
    await a.waitForFunction(() => document.querySelectorAll('[data-test=staff-table] .el-table__body-wrapper .el-table__row').length === 1);
    const edit = () => row.getByRole('button', { name: '编辑' }).click();
    assert.equal(await a.locator(`[data-test=photo-${STAFF_PHONE}]`).count(), 0, 'no photo yet');
    await edit();
    const block = a.locator('[data-test=staff-photo]');
    await block.getByText('未上传照片', { exact: true }).waitFor();
    const uploadBtn = a.locator('[data-test=staff-photo-upload]');
    assert.equal(await uploadBtn.isDisabled(), true, 'upload waits for the consent box');
    await a.locator('[data-test=staff-photo-consent]').click();
    assert.equal(await uploadBtn.isDisabled(), false);
    await a.locator('[data-test=staff-photo-input]').setInputFiles({ name: 'portrait.png', mimeType: 'image/png', buffer: await portrait() });
    await a.getByText('照片已上传').first().waitFor();
    await imageLoaded(a, '[data-test=staff-photo-img]');
    assert.match((await a.locator('[data-test=staff-photo-img]').getAttribute('src')) ?? '', /^blob:/);
    await block.getByRole('button', { name: '更换照片' }).waitFor();
    await shot(a, 'admin-staff-photo');
    await a.getByRole('dialog', { name: '编辑人员' }).getByRole('button', { name: '取消' }).click();
    await a.locator(`[data-test=photo-${STAFF_PHONE}]`).first().waitFor();
    await shot(a, 'admin-staff-photo-list');

    // ------------------------------------------------------------ the staff member sees it
    const s = await staffCtx.newPage();
    await s.goto(`${baseUrl}/staff/`);
    const login = await s.request.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: STAFF_PHONE, password: STAFF_PASSWORD } });
    assert.ok(login.ok(), await login.text());
    await s.goto(`${baseUrl}/staff/profile`);
    const img = await imageLoaded(s, '[data-test=profile-photo-img]');
    const box = await img.boundingBox();
    assert.ok(box && box.width >= 90 && box.height >= 110, 'a visible photo tile');
    await s.locator('[data-test=profile-photo]').getByText('已上传', { exact: true }).waitFor();
    await shot(s, 'staff-profile-photo');

    // ------------------------------------------------------------ the admin removes it
    await edit();
    await imageLoaded(a, '[data-test=staff-photo-img]');
    await a.locator('[data-test=staff-photo-remove]').click();
    await a.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    await a.getByText('照片已删除').first().waitFor();
    await a.locator('[data-test=staff-photo]').getByText('未上传照片', { exact: true }).waitFor();
    await a.getByRole('dialog', { name: '编辑人员' }).getByRole('button', { name: '取消' }).click();
    await s.reload();
    await s.locator('[data-test=profile-photo]').getByText('未上传', { exact: true }).first().waitFor();
    assert.equal(await s.locator('[data-test=profile-photo-img]').count(), 0);
  } finally {
    await adminCtx.close();
    await staffCtx.close();
  }
}
