/**
 * Journey K1 普通访客 at a 1280×800 lobby kiosk: a kiosk paired through the admin API; a walk-in
 * for host 姜柠檬 (host search, ID checksum hint, 触摸拍照 after the on-screen consent) → 待确认
 * "已通知受访人审核"; the host approves in the staff app → 已确认; the host's unit switched to
 * 允许前台现场确认 → the next walk-in (details reused from 访客最后来访 / 当日访客来访) is 已确认
 * "请通行" at once; a blocklisted visitor is flagged 黑名单 and refused with VISITOR_BLOCKED.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { assertNoErrors, expectStatus, settle, staffSignIn, tid } from './staff-visit-helpers.js';
import { prcId } from './visit-helpers.js';

const HOST_PHONE = '17348862736'; // 姜柠檬 in the demo data

/** A drawn portrait (no real person) as a camera JPEG. */
function photo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="1280"><rect width="960" height="1280" fill="#dfe7ef"/><ellipse cx="480" cy="520" rx="230" ry="300" fill="#e8b894"/><rect x="180" y="900" width="600" height="380" rx="160" fill="#2f5d8a"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}
async function fill(page: Page, id: string, value: string) {
  await tid(page, id).locator('input').fill(value);
}
async function shot(e2e: E2EContext, page: Page, name: string) {
  await settle(page);
  await e2e.screenshot(page, `kiosk-walkin-${name}`);
}
/** the kiosk's own request log: the last POST /api/kiosk/walk-ins answer */
function walkInAnswer(page: Page) {
  return page.waitForResponse((r) => r.url().endsWith('/api/kiosk/walk-ins') && r.request().method() === 'POST');
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser } = e2e;
  const errors: string[] = [];
  const stamp = String(Date.now()).slice(-8);
  const visitor = { name: '叶莹', phone: `135${stamp}`, id: prcId(Number(stamp.slice(-3)), 12) };
  const blocked = { name: '韩冬', phone: `136${stamp}`, id: prcId(Number(stamp.slice(-3)) + 1, 13) };

  // ------------------------------------------------------------- admin: a kiosk device and its token
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const { token } = await expectStatus(await a.request.post(`${baseUrl}/api/admin/kiosk-devices`, { data: { name: '2号楼大厅访客机', location: '行政中心2号楼一楼大厅' } }), 201);
  const [hostRow] = (await expectStatus(await a.request.get(`${baseUrl}/api/admin/staff?q=${HOST_PHONE}`), 200)).items as Array<{ id: string; unitId: string; name: string }>;
  assert.ok(hostRow, 'demo host 姜柠檬');
  const unitBefore = await expectStatus(await a.request.get(`${baseUrl}/api/admin/units/${hostRow.unitId}`), 200);
  await expectStatus(await a.request.patch(`${baseUrl}/api/admin/units/${hostRow.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: false } }), 200);

  // ------------------------------------------------------------- kiosk at 1280×800
  const kCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'zh-CN', timezoneId: 'Europe/London' });
  const k = await kCtx.newPage();
  k.on('pageerror', (e) => errors.push(String(e)));
  const staffCtx = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' });
  const s = await staffCtx.newPage();
  s.on('pageerror', (e) => errors.push(String(e)));
  try {
    await expectStatus(await k.request.post(`${baseUrl}/api/kiosk/pair`, { data: { token } }), 200);
    await k.goto(`${baseUrl}/kiosk/`);
    await tid(k, 'walk-in').click();
    await k.waitForURL(/\/kiosk\/walk-in$/);
    await k.getByRole('heading', { name: '普通访客' }).waitFor();
    await shot(e2e, k, 'form');

    // required fields and the ID checksum hint, before anything is sent
    await tid(k, 'wi-submit').click();
    await k.getByText('请填写姓名').waitFor();
    await k.getByText('请从列表中选择受访人').waitFor();
    await fill(k, 'wi-id-number', visitor.id.slice(0, 17) + (visitor.id[17] === '0' ? '1' : '0'));
    await tid(k, 'wi-phone').locator('input').focus();
    await k.getByText('身份证号码校验失败').first().waitFor();
    await shot(e2e, k, 'errors');

    // the visitor's details
    await fill(k, 'wi-name', visitor.name);
    await fill(k, 'wi-id-number', visitor.id);
    await fill(k, 'wi-phone', visitor.phone);
    await fill(k, 'wi-company', '宁波港集团');
    await fill(k, 'wi-position', '工程师');
    await fill(k, 'wi-reason', '港区规划材料报送');
    await fill(k, 'wi-temperature', '36.5');
    await k.getByText('商务').click();

    // *受访人: a name fragment lists hosts with unit, department, office room and phone
    await fill(k, 'host-search', '柠檬');
    const list = tid(k, 'host-list');
    await list.getByText('姜*檬').first().waitFor();
    await shot(e2e, k, 'host-search');
    await list.locator('button').filter({ hasText: '姜*檬' }).first().click();
    await tid(k, 'host-picked').waitFor();

    // 触摸拍照: the consent first; this headless browser has no camera, so the file input takes over
    await tid(k, 'photo-take').click();
    await tid(k, 'consent').getByText('人脸信息处理授权').waitFor();
    await shot(e2e, k, 'consent');
    await tid(k, 'consent-agree').click();
    await tid(k, 'photo-input').setInputFiles({ name: 'shot.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await tid(k, 'photo-preview').waitFor();
    assert.equal(await tid(k, 'replace-photo').count(), 0, 'no 替换注册照片 for a new visitor');
    await shot(e2e, k, 'filled');

    // 提交 → 待确认: the host is asked to review
    let answer = walkInAnswer(k);
    await tid(k, 'wi-submit').click();
    const first = (await (await answer).json()) as { order: { id: string; status: string } };
    assert.equal(first.order.status, 'pending');
    await tid(k, 'walkin-result').getByText('已通知受访人审核').waitFor();
    await shot(e2e, k, 'pending');

    // the host approves in the staff app's 审批中心
    await staffSignIn(e2e, s, HOST_PHONE);
    await s.goto(`${baseUrl}/staff/approvals/visits`);
    await tid(s, `order-${first.order.id}`).click();
    await s.waitForURL(new RegExp(`/staff/visits/${first.order.id}/review$`));
    await tid(s, 'approve').click();
    await s.locator('.van-dialog__confirm').click();
    await s.waitForURL(/\/staff\/approvals\/visits/);
    const approved = await expectStatus(await s.request.get(`${baseUrl}/api/visits/${first.order.id}`), 200);
    assert.equal(approved.status, 'confirmed');

    // the result screen goes home by itself
    await tid(k, 'walk-in').waitFor({ timeout: 15_000 });

    // desk confirmation switched on for 姜柠檬's unit (admin API, as the units page does)
    const unit = await expectStatus(await a.request.patch(`${baseUrl}/api/admin/units/${hostRow.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: true } }), 200);
    assert.equal(unit.allowDeskConfirm, true);

    // second walk-in: 当日访客来访 lists the first, 访客最后来访 brings its details back in one tap
    await tid(k, 'walk-in').click();
    await tid(k, 'open-today').click();
    const today = tid(k, `today-${first.order.id}`);
    await today.getByText(visitor.name).waitFor();
    await today.getByText('已确认').waitFor();
    await shot(e2e, k, 'today');
    await k.locator('.van-overlay').filter({ visible: true }).click({ position: { x: 100, y: 400 } });
    await fill(k, 'wi-phone', visitor.phone);
    await tid(k, 'known-flag').getByText('已登记访客').waitFor();
    await tid(k, 'open-last').click();
    const last = tid(k, 'last-dialog');
    await last.getByText('港区规划材料报送').waitFor();
    await shot(e2e, k, 'last');
    await tid(k, 'last-reuse').click();
    assert.equal(await tid(k, 'wi-name').locator('input').inputValue(), visitor.name);
    assert.equal(await tid(k, 'wi-company').locator('input').inputValue(), '宁波港集团');
    assert.equal(await tid(k, 'wi-reason').locator('input').inputValue(), '港区规划材料报送');
    // the ID is never shown in full at the kiosk: the visitor types it again
    await fill(k, 'wi-id-number', visitor.id);
    await tid(k, 'photo-take').click();
    await tid(k, 'consent-agree').click();
    await tid(k, 'photo-input').setInputFiles({ name: 'shot.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await tid(k, 'replace-photo').click();
    answer = walkInAnswer(k);
    await tid(k, 'wi-submit').click();
    const second = (await (await answer).json()) as { order: { id: string; status: string } };
    assert.equal(second.order.status, 'confirmed');
    await tid(k, 'walkin-result').getByText('请通行').waitFor();
    await shot(e2e, k, 'confirmed');
    await tid(k, 'result-home').click();

    // a blocklisted visitor: flagged in red, and the server refuses the walk-in
    await tid(k, 'walk-in').click();
    await fill(k, 'wi-name', blocked.name);
    await fill(k, 'wi-id-number', blocked.id);
    await fill(k, 'wi-phone', blocked.phone);
    await fill(k, 'wi-reason', '咨询');
    await fill(k, 'host-search', HOST_PHONE);
    await tid(k, 'host-list').locator('button').first().click();
    answer = walkInAnswer(k);
    await tid(k, 'wi-submit').click(); // registers 韩冬 in the library (confirmed at the desk)
    assert.equal((await answer).status(), 201);
    await tid(k, 'result-home').click();
    const [lib] = (await expectStatus(await a.request.get(`${baseUrl}/api/admin/visitors?q=${blocked.phone}`), 200)).items as Array<{ id: string }>;
    await expectStatus(await a.request.patch(`${baseUrl}/api/admin/visitors/${lib!.id}/block`, { data: { blocked: true, reason: '多次无故闯入' } }), 200);
    await tid(k, 'walk-in').click();
    await fill(k, 'wi-phone', blocked.phone);
    await tid(k, 'known-flag').getByText('黑名单').waitFor();
    await fill(k, 'wi-name', blocked.name);
    await fill(k, 'wi-id-number', blocked.id);
    await fill(k, 'wi-reason', '咨询');
    await fill(k, 'host-search', HOST_PHONE);
    await tid(k, 'host-list').locator('button').first().click();
    answer = walkInAnswer(k);
    await tid(k, 'wi-submit').click();
    assert.equal((await (await answer).json()).error.code, 'VISITOR_BLOCKED');
    await k.locator('.van-dialog').getByText('您暂时无法提交预约，请联系受访单位').waitFor();
    await shot(e2e, k, 'blocked');
    await k.locator('.van-dialog__confirm').click();

    // English
    await k.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await k.reload();
    await k.getByRole('heading', { name: 'Walk-in visitor' }).waitFor();
    await shot(e2e, k, 'form-en');
    assertNoErrors(errors);
  } finally {
    await a.request.patch(`${baseUrl}/api/admin/units/${hostRow.unitId}`, { data: { name: unitBefore.name, allowDeskConfirm: unitBefore.allowDeskConfirm } });
    await kCtx.close();
    await staffCtx.close();
    await adminCtx.close();
  }
}
