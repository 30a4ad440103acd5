/**
 * Journey (A5 会议室, 1440×900): the administrator opens 会议室 and sees the demo rooms (大会议室
 * needs review by its approver); adds 党员活动室 with a photo, a custom seating style, open hours
 * 09:00–18:00, review (stopped until an approver is chosen), approver and undertaker picked by
 * search; the staff app's room list shows it with its photo; disabling it hides it from staff;
 * then it is deleted. The page in English.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { E2EContext } from './run.js';
import { DEMO_PASSWORD, tid } from './staff-visit-helpers.js';

interface RoomJson {
  id: string;
  name: string;
  capacity: number;
  seatingStyles: string[];
  services: string[];
  openFrom: number;
  openTo: number;
  reviewRequired: boolean;
  approvers: { name: string }[];
  undertakers: { name: string }[];
  photoUrl: string | null;
  enabled: boolean;
}

/** A drawn meeting room (a table and chairs) as a PNG. */
function roomPicture(): Promise<Buffer> {
  const chairs = Array.from({ length: 6 }, (_, i) => `<rect x="${250 + i * 130}" y="250" width="70" height="60" rx="10" fill="#6b7f99"/><rect x="${250 + i * 130}" y="590" width="70" height="60" rx="10" fill="#6b7f99"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><rect width="1200" height="800" fill="#e9eef4"/><rect y="560" width="1200" height="240" fill="#c9b79c"/>${chairs}<rect x="200" y="330" width="800" height="240" rx="40" fill="#8a5a3b"/><rect x="420" y="60" width="360" height="150" fill="#ffffff" stroke="#333" stroke-width="6"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const shot = async (name: string) => {
    await page.waitForTimeout(400);
    await screenshot(page, name);
  };
  const rooms = async (q = '') => ((await (await page.request.get(`${baseUrl}/api/admin/rooms?pageSize=100&q=${encodeURIComponent(q)}`)).json()) as { items: RoomJson[] }).items;
  const dialog = page.locator('[data-test=room-dialog]');
  /** the text box of a form control, whether the data-test sits on the <input> itself (el-input) or on its wrapper */
  const field = (id: string) => page.locator(`input[data-test="${id}"], [data-test="${id}"] input`).first();
  /** an option of the select dropdown that is open now (a closing one is aria-hidden already) */
  const option = (text: string | RegExp) => page.locator('.el-popper[aria-hidden="false"] .el-select-dropdown__item').filter({ hasText: text }).first();
  /** wait until no dropdown is open, so the next one is not confused with a closing one */
  const closed = () => page.locator('.el-popper[aria-hidden="false"] .el-select-dropdown').first().waitFor({ state: 'hidden' });
  /** choose a person in a StaffPicker by typing part of the name */
  async function pickStaff(test: string, name: string) {
    await tid(page, test).first().click();
    await field(test).pressSequentially(name);
    await option(name).click();
    await dialog.locator('.el-dialog__header').click();
    await closed();
  }
  try {
    await e2e.adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await page.locator('.el-menu').getByText('会议室', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/rooms`);
    const table = tid(page, 'rooms-table');
    await table.getByText('大会议室', { exact: true }).waitFor();
    assert.equal(await page.locator('[data-test=coming-soon]').count(), 0, 'the page is no longer 即将推出');
    for (const name of ['第一会议室', '第二会议室', '培训室']) assert.ok(await table.getByText(name, { exact: true }).isVisible(), name);
    const big = table.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: '大会议室' });
    assert.ok(await big.getByText('李磊').isVisible(), '大会议室 shows its approver');
    assert.ok(await big.getByText('80 人').isVisible());
    await shot('admin-rooms');

    // 新增会议室
    await tid(page, 'rooms-add').click();
    await dialog.waitFor();
    await field('room-name').fill('党员活动室');
    await tid(page, 'room-building').click();
    await option('行政中心2号楼').click();
    await closed();
    await field('room-floor').fill('5楼');
    await field('room-location').fill('501室');
    await field('room-capacity').fill('30');
    // seating: one default more and a custom value typed in
    const seating = tid(page, 'room-seating');
    await seating.click();
    await option('剧院式').click();
    await field('room-seating').fill('圆桌式');
    await field('room-seating').press('Enter');
    await page.keyboard.press('Escape');
    await closed();
    const services = tid(page, 'room-services');
    await services.click();
    for (const s of ['电视/投影', '茶水', '话筒']) await option(s).click();
    await page.keyboard.press('Escape');
    await closed();
    // open hours 09:00–18:00
    await tid(page, 'room-open-from').click();
    await option(/^09:00$/).click();
    await closed();
    await tid(page, 'room-open-to').click();
    await option(/^18:00$/).click();
    await closed();
    // the photo is shown before it is saved
    await tid(page, 'room-photo-input').setInputFiles({ name: 'room.png', mimeType: 'image/png', buffer: await roomPicture() });
    await tid(page, 'room-photo-img').waitFor();
    // review without an approver is stopped
    await tid(page, 'room-review-on').click();
    await tid(page, 'room-save').click();
    await dialog.getByText('需要审核时请至少选择一名审核人员').waitFor();
    await pickStaff('room-approvers', '李');
    await pickStaff('room-undertakers', '姜柠檬');
    await dialog.locator('.el-dialog__body').evaluate((el) => el.scrollTo(0, 0));
    await shot('admin-room-dialog');
    await tid(page, 'room-save').click();
    await dialog.waitFor({ state: 'hidden' });
    await table.getByText('党员活动室', { exact: true }).waitFor();

    const [created] = await rooms('党员活动室');
    assert.ok(created);
    assert.equal(created.capacity, 30);
    assert.deepEqual(created.seatingStyles, ['课桌式', '剧院式', '圆桌式']);
    assert.deepEqual(created.services, ['电视/投影', '茶水', '话筒']);
    assert.deepEqual([created.openFrom, created.openTo], [540, 1080]);
    assert.equal(created.reviewRequired, true);
    assert.equal(created.approvers.length, 1);
    assert.deepEqual(created.undertakers.map((p) => p.name), ['姜柠檬']);
    assert.ok(created.photoUrl, 'the photo was uploaded with 保存');
    const row = table.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: '党员活动室' });
    await row.locator('img').waitFor();
    assert.ok(await row.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the thumbnail loads');
    await shot('admin-rooms-created');

    // the staff app's room list shows it, with its photo
    const staffCtx = await browser.newContext({ viewport: { width: 375, height: 667 } });
    const staffReq = staffCtx.request;
    const login = await staffReq.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: '17348862736', password: DEMO_PASSWORD } });
    assert.ok(login.ok(), await login.text());
    const listed = async () => ((await (await staffReq.get(`${baseUrl}/api/rooms`)).json()) as { items: RoomJson[] }).items;
    const forStaff = (await listed()).find((r) => r.name === '党员活动室');
    const photoUrl = forStaff?.photoUrl ?? '';
    assert.ok(photoUrl.startsWith(`/api/rooms/${created.id}/photo`), photoUrl);
    const photo = await staffReq.get(`${baseUrl}${photoUrl}`);
    assert.equal(photo.headers()['content-type'], 'image/jpeg');

    // 停用: hidden from staff at once
    await tid(page, 'room-enabled-党员活动室').click();
    await page.getByText('已停用「党员活动室」').waitFor();
    assert.equal((await rooms('党员活动室'))[0]!.enabled, false);
    assert.equal((await listed()).find((r) => r.name === '党员活动室'), undefined);
    await staffCtx.close();

    // 删除 (never booked)
    await tid(page, 'room-delete-党员活动室').click();
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    await page.getByText('已删除').first().waitFor();
    await table.getByText('党员活动室', { exact: true }).waitFor({ state: 'detached' });
    assert.deepEqual(await rooms('党员活动室'), []);

    // in English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.reload();
    await table.getByText('Classroom').first().waitFor();
    await table.getByText('Yes', { exact: true }).first().waitFor();
    await shot('admin-rooms-en');
    await tid(page, 'room-edit-大会议室').click();
    await dialog.waitFor();
    await dialog.getByText('Needs review').first().waitFor();
    await shot('admin-room-dialog-en');
    await page.evaluate(() => localStorage.removeItem('sg_locale'));
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
}
