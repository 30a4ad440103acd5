/**
 * Journey (issue 11: S9 修改个人信息, S10 代登记人员, S8 人员审核; staff app 375×667, admin 1440×900).
 * The administrator looks at 审批流程 → 人员审核 of 市机关事务管理局 (the demo makes its 1st and 2nd
 * staff members personnel reviewers). 姜柠檬 changes her 工号 in 修改个人信息 → 待审核, the old value
 * still in force; her colleague (JGSW002) approves it in 审批中心 → 人员审核 → the profile shows the new
 * 工号. Another colleague (JGSW008, signed in by SMS code) changes phone — confirmed by the code sent
 * to the new phone — 工号 and photo (the picker stays shut until the consent is ticked); the reviewer
 * sees current and proposed values side by side and the photo, approves, and the profile shows the
 * new phone, which then signs in. 姜柠檬 registers a new colleague in 代登记人员 → 新增代办 with a
 * photo; the reviewer rejects it with a comment, which 姜柠檬 sees; a second registration is
 * approved and the colleague signs in with an SMS code. English at the end.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { assertNoErrors, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';

const ME = { phone: '17348862736', name: '姜柠檬' };
const REVIEWER = '13900001001'; // JGSW002, demo password
const suffix = String(Date.now()).slice(-6);
const NEW_NO = `JGSW-E2E-${suffix}`;
/** JGSW008: no password, no other journey signs in with it — its phone may change */
const MOVER = { phone: '13900001007', newPhone: `1771${suffix}0`, no: `JGSW-M-${suffix}` };

/** A drawn face (no real person), 600×800 JPEG. */
function portrait(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">
    <rect width="600" height="800" fill="#d6e4f2"/>
    <path d="M60 800 C 80 610 180 560 300 560 C 420 560 520 610 540 800 Z" fill="#39577d"/>
    <ellipse cx="300" cy="350" rx="135" ry="165" fill="#f0c5a4"/>
    <path d="M165 330 C 160 200 230 170 300 170 C 390 170 450 220 435 330 C 410 260 370 240 300 245 C 235 250 190 270 165 330 Z" fill="#2b2220"/>
    <ellipse cx="250" cy="355" rx="14" ry="9" fill="#3a2a22"/><ellipse cx="350" cy="355" rx="14" ry="9" fill="#3a2a22"/>
    <path d="M265 445 Q300 470 335 445" stroke="#b5654f" stroke-width="7" fill="none" stroke-linecap="round"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}

/** The consent ticked, then the photo given to the uploader's file input. */
async function pickPhoto(page: Page) {
  await tid(page, 'photo-consent').click();
  await tid(page, 'photo-uploader').locator('input[type=file]').setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: await portrait() });
  await tid(page, 'photo-uploader').locator('.van-uploader__preview').waitFor();
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const admin = await adminCtx.newPage();
  admin.on('pageerror', (e) => errors.push(`admin: ${e.message}`));
  const { page: me, context: meCtx } = await phoneContext(browser, errors);
  const { page: rev, context: revCtx } = await phoneContext(browser, errors);
  try {
    // ———— A6: the unit's personnel reviewers in 审批流程
    await e2e.adminLogin(admin);
    await admin.goto(`${baseUrl}/admin/approvals`);
    await admin.locator('[data-test="reviewers-tab-personnel"]').click();
    const editor = admin.locator('[data-test="reviewers-personnel"]');
    await editor.getByText(ME.name).waitFor();
    await admin.waitForTimeout(300);
    await screenshot(admin, 'personnel-admin-reviewers');

    // ———— S9: 姜柠檬 changes her 工号
    await staffSignIn(e2e, me, ME.phone);
    await tid(me, 'menu-profile').click();
    await me.waitForURL(/\/staff\/profile$/);
    await tid(me, 'profile-edit').click();
    await me.waitForURL(/\/staff\/profile\/edit$/);
    const form = tid(me, 'info-change-form');
    await form.waitFor();
    await settle(me);
    await screenshot(me, 'personnel-edit');
    const no = tid(me, 'edit-employee-no').locator('input');
    const oldNo = await no.inputValue();
    await no.fill(NEW_NO);
    await tid(me, 'info-change-submit').click();
    await me.waitForURL(/\/staff\/profile$/);
    await tid(me, 'info-change-status').getByText('待审核').waitFor();
    assert.equal(await tid(me, 'profile-edit').isDisabled(), true, 'a second change waits for the first');
    await settle(me);
    await screenshot(me, 'personnel-profile-pending');
    const mine = (await (await me.request.get(`${baseUrl}/api/staff/me/info-change`)).json()) as { current: { employeeNo: string } };
    assert.equal(mine.current.employeeNo, oldNo, 'the old 工号 stays in force until approved');

    // ———— S8: the colleague approves in 审批中心 → 人员审核
    await staffSignIn(e2e, rev, REVIEWER);
    await tid(rev, 'menu-approvals').click();
    await rev.waitForURL(/\/staff\/approvals$/);
    await tid(rev, 'personnel-pending-badge').waitFor();
    await settle(rev);
    await screenshot(rev, 'personnel-approvals-center');
    await tid(rev, 'approval-personnel').click();
    await rev.waitForURL(/\/staff\/approvals\/personnel/);
    const card = rev.locator('.req-card').filter({ hasText: ME.name }).first();
    await card.waitFor();
    await settle(rev);
    await screenshot(rev, 'personnel-approvals-list');
    await card.click();
    await rev.waitForURL(/\/staff\/personnel\//);
    await tid(rev, 'personnel-compare').getByText(NEW_NO).waitFor();
    await settle(rev);
    await screenshot(rev, 'personnel-review-detail');
    await tid(rev, 'personnel-approve').click();
    const confirm = rev.locator('.van-dialog').filter({ visible: true });
    await confirm.getByRole('button', { name: '审核通过' }).click();
    await tid(rev, 'personnel-status').getByText('已通过').waitFor();
    await settle(rev);
    await screenshot(rev, 'personnel-review-approved');

    await me.reload();
    await tid(me, 'info-change-status').getByText('已通过').waitFor();
    await tid(me, 'profile').getByText(NEW_NO).waitFor();
    await settle(me);
    await screenshot(me, 'personnel-profile-approved');

    let moverName = '';
    // ———— S9: a colleague changes phone (SMS code to the new one), 工号 and photo
    const { page: mover, context: moverCtx } = await phoneContext(browser, errors);
    try {
      await staffSignIn(e2e, mover, MOVER.phone, null);
      moverName = ((await (await mover.request.get(`${baseUrl}/api/auth/me?scope=staff`)).json()) as { name: string }).name;
      await mover.goto(`${baseUrl}/staff/profile/edit`);
      await tid(mover, 'info-change-form').waitFor();
      // no consent, no picker: the tap on 拍照/上传 only says so
      let chooserOpened = false;
      mover.once('filechooser', () => (chooserOpened = true));
      await tid(mover, 'photo-uploader').locator('.van-uploader__upload').click();
      await mover.getByText('请先勾选同意采集人脸信息').waitFor();
      assert.equal(chooserOpened, false, 'no file picker before the consent');
      await pickPhoto(mover);
      await tid(mover, 'edit-phone').locator('input').fill(MOVER.newPhone);
      await tid(mover, 'edit-employee-no').locator('input').fill(MOVER.no);
      // a new phone needs its code: the form says so before anything is sent
      await tid(mover, 'info-change-submit').click();
      await tid(mover, 'edit-code').getByText('请输入新手机号收到的6位验证码').waitFor();
      const [sent] = await Promise.all([mover.waitForResponse((r) => r.url().endsWith('/api/staff/me/phone-code')), tid(mover, 'edit-get-code').click()]);
      assert.equal(sent.status(), 200, await sent.text());
      await tid(mover, 'edit-get-code').getByText(/\d+秒后重发/).waitFor();
      await tid(mover, 'edit-code').locator('input').fill(await e2e.lastSmsCode(MOVER.newPhone));
      await settle(mover);
      await screenshot(mover, 'personnel-edit-phone');
      await tid(mover, 'info-change-submit').click();
      await mover.waitForURL(/\/staff\/profile$/);
      await tid(mover, 'info-change-status').getByText('待审核').waitFor();
      await tid(mover, 'profile').getByText(MOVER.phone).waitFor(); // the old phone until approved

      await rev.goto(`${baseUrl}/staff/approvals/personnel`);
      await rev.locator('.req-card').filter({ hasText: moverName }).first().click();
      const compare = tid(rev, 'personnel-compare');
      await compare.waitFor();
      assert.equal(await tid(rev, 'now-phone').innerText(), MOVER.phone);
      assert.equal(await tid(rev, 'next-phone').innerText(), MOVER.newPhone);
      assert.equal(await tid(rev, 'next-employeeNo').innerText(), MOVER.no);
      const img = tid(rev, 'personnel-photo-img');
      await img.waitFor();
      await rev.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
      await settle(rev);
      await screenshot(rev, 'personnel-review-phone-photo');
      await tid(rev, 'personnel-approve').click();
      await rev.locator('.van-dialog').filter({ visible: true }).getByRole('button', { name: '审核通过' }).click();
      await tid(rev, 'personnel-status').getByText('已通过').waitFor();

      await mover.reload();
      await tid(mover, 'info-change-status').getByText('已通过').waitFor();
      await tid(mover, 'profile').getByText(MOVER.newPhone).waitFor();
      await tid(mover, 'profile').getByText(MOVER.no).waitFor();
      await tid(mover, 'profile-photo-img').waitFor();
      await settle(mover);
      await screenshot(mover, 'personnel-profile-new-phone');
    } finally {
      await moverCtx.close();
    }

    // ———— S10: 代登记人员, rejected with a comment, then one approved
    const register = async (name: string, phone: string, withPhoto = false) => {
      await me.goto(`${baseUrl}/staff/`);
      await tid(me, 'menu-proxy').click();
      await me.waitForURL(/\/staff\/proxy/);
      await tid(me, 'proxy-add').click();
      await tid(me, 'proxy-form').waitFor();
      await tid(me, 'proxy-name').locator('input').fill(name);
      await tid(me, 'proxy-phone').locator('input').fill(phone);
      await tid(me, 'proxy-unit').locator('input').inputValue().then((v) => assert.equal(v, '市机关事务管理局', 'one’s own unit to start with'));
      await tid(me, 'proxy-department').click();
      await me.locator('.van-picker__confirm').filter({ visible: true }).click();
      await me.locator('.van-popup').filter({ visible: true }).waitFor({ state: 'hidden' });
      if (withPhoto) await pickPhoto(me);
      await settle(me);
      await screenshot(me, 'personnel-proxy-form');
      await tid(me, 'proxy-submit').click();
      await me.waitForURL(/\/staff\/proxy\?status=pending/);
      await me.locator('.req-card').filter({ hasText: name }).getByText('待审核').waitFor();
    };
    const decide = async (name: string, decision: 'approve' | 'reject') => {
      await rev.goto(`${baseUrl}/staff/approvals/personnel`);
      await rev.locator('.req-card').filter({ hasText: name }).first().click();
      await tid(rev, 'personnel-details').getByText(name).waitFor();
      await settle(rev);
      await screenshot(rev, `personnel-review-${decision === 'approve' ? 'registration' : 'registration-photo'}`);
      if (decision === 'approve') {
        await tid(rev, 'personnel-approve').click();
        await rev.locator('.van-dialog').filter({ visible: true }).getByRole('button', { name: '审核通过' }).click();
        await tid(rev, 'personnel-status').getByText('已通过').waitFor();
        return;
      }
      await tid(rev, 'personnel-reject').click();
      const dialog = tid(rev, 'personnel-reject-dialog');
      // without a comment the dialog stays open
      await dialog.getByRole('button', { name: '审核不通过' }).click();
      await dialog.getByText('请填写').first().waitFor();
      await dialog.locator('textarea').fill('请附上本人照片后重新提交');
      await settle(rev);
      await screenshot(rev, 'personnel-reject-dialog');
      await dialog.getByRole('button', { name: '审核不通过' }).click();
      await tid(rev, 'personnel-status').getByText('未通过').waitFor();
    };

    const first = { name: `代登记甲${suffix.slice(-2)}`, phone: `1770${suffix}1` };
    await register(first.name, first.phone, true);
    // the applicant's view of it: 待审核 with 撤回
    await me.locator('.req-card').filter({ hasText: first.name }).click();
    await tid(me, 'personnel-withdraw').waitFor();
    await tid(me, 'personnel-photo-img').waitFor();
    await settle(me);
    await screenshot(me, 'personnel-proxy-detail');
    await decide(first.name, 'reject');
    await me.goto(`${baseUrl}/staff/proxy?status=rejected`);
    const rejected = me.locator('.req-card').filter({ hasText: first.name });
    await rejected.getByText('请附上本人照片后重新提交').waitFor();
    await settle(me);
    await screenshot(me, 'personnel-proxy-rejected');

    const second = { name: `代登记乙${suffix.slice(-2)}`, phone: `1770${suffix}2` };
    await register(second.name, second.phone);
    await decide(second.name, 'approve');
    await me.goto(`${baseUrl}/staff/proxy?status=approved`);
    await me.locator('.req-card').filter({ hasText: second.name }).getByText('已通过').waitFor();
    await settle(me);
    await screenshot(me, 'personnel-proxy-approved');
    // the colleague was told by SMS and signs in with a code
    const { page: newbie, context: newbieCtx } = await phoneContext(browser, errors);
    try {
      await staffSignIn(e2e, newbie, second.phone, null);
      await newbie.getByText(`您好，${second.name}`).waitFor();
    } finally {
      await newbieCtx.close();
    }

    // the changed phone signs in by SMS code (one code a minute per phone: the change's code was the last)
    const { page: moved, context: movedCtx } = await phoneContext(browser, errors);
    try {
      for (let i = 0; ; i++) {
        const res = await moved.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: MOVER.newPhone, purpose: 'staff_login' } });
        if (res.ok()) break;
        assert.ok(i < 15 && (await res.json()).error?.code === 'SMS_TOO_SOON', await res.text());
        await moved.waitForTimeout(5000);
      }
      const login = await moved.request.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: MOVER.newPhone, code: await e2e.lastSmsCode(MOVER.newPhone) } });
      assert.equal(login.status(), 200, await login.text());
      await moved.goto(`${baseUrl}/staff/`);
      await moved.getByText(`您好，${moverName}`).waitFor();
    } finally {
      await movedCtx.close();
    }

    // ———— English
    await me.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await me.goto(`${baseUrl}/staff/proxy`);
    await me.getByText('Approved').first().waitFor();
    await settle(me);
    await screenshot(me, 'personnel-proxy-en');
    await me.evaluate(() => localStorage.removeItem('sg_locale'));
    assertNoErrors(errors);
  } finally {
    await adminCtx.close();
    await meCtx.close();
    await revCtx.close();
  }
}
