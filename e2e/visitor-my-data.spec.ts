/**
 * Journey (issue 12, X5, PIPL art. 44–47): a visitor exports and deletes their data. They sign in
 * and register, book a visit, an administrator opens their record in 访客库; 我的注册信息 names the
 * retention period and leads to 我的数据: what is stored, the period, who viewed it (管理员 查看访客).
 * 导出我的数据 downloads a JSON file that holds their details and the order; 注销账号 is refused
 * while the visit is pending; after 取消预约 it goes through and signs them out; 访客库 then finds
 * nothing of them. The admin's 数据保留 page lists an old visitor put in place for it, and 立即执行
 * removes the photo-less record's ID number. 375×667 for the phone, 1440×900 for the console.
 * Screenshots: e2e/screenshots/my-data-*.png, admin-retention*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { staff, visitOrders, visitors } from '../server/src/db/schema/index.js';
import type { E2EContext } from './run.js';
import { byTest, HOST, newPhone, phone, prcId, register, settle, viewShot, visitorSignIn } from './visit-helpers.js';

const NAME = '柳如烟';
const OLD_NAME = '欧阳旧客';
const DAY = 24 * 3600_000;

export async function run(ctx: E2EContext) {
  const errors: string[] = [];
  const me = newPhone('165');
  const idNumber = prcId(Number(me.slice(-3)), 17);

  const { context, page } = await phone(ctx, errors);
  const admin = await ctx.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const adminPage = await admin.newPage();
  adminPage.on('pageerror', (e) => errors.push(String(e)));
  try {
    // sign in and register
    await page.goto(`${ctx.baseUrl}/`);
    await visitorSignIn(ctx, page, me);
    await register(page, NAME, idNumber);

    // a visit booked for tomorrow (pending: the host has not decided)
    const start = new Date(Date.now() + DAY);
    start.setUTCMinutes(0, 0, 0);
    const booked = await page.request.post(`${ctx.baseUrl}/api/visits/appointments`, {
      data: { hostPhone: HOST.phone, reason: '项目洽谈', startAt: start.toISOString(), endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), companionPhones: [], idempotencyKey: `my-data-${me}` },
    });
    assert.equal(booked.status(), 201, await booked.text());
    const orderId = ((await booked.json()) as { id: string }).id;

    // an administrator opens the record in 访客库 (an audited read the visitor will see)
    await ctx.adminLogin(adminPage);
    await adminPage.goto(`${ctx.baseUrl}/admin/visitors`);
    await adminPage.locator('input[data-test=visitor-search]').fill(me);
    await adminPage.locator('input[data-test=visitor-search]').press('Enter');
    await byTest(adminPage, `detail-${me}`).click();
    await adminPage.locator('.el-drawer').getByText(NAME).first().waitFor();
    await adminPage.keyboard.press('Escape');

    // 我的注册信息 names the period and leads to 我的数据
    await page.goto(`${ctx.baseUrl}/me`);
    const link = byTest(page, 'my-data-link');
    await link.waitFor();
    assert.match(await link.innerText(), /最后一次来访 180 天后自动删除/);
    await settle(page);
    await viewShot(page, 'my-data-info');
    await link.click();
    await page.waitForURL(/\/me\/data$/);
    await byTest(page, 'stored').waitFor();
    assert.match(await byTest(page, 'retention').innerText(), /满 180 天后自动删除/);
    assert.match(await byTest(page, 'retention').innerText(), /未结束的预约，暂不删除/);
    const stored = await byTest(page, 'stored').innerText();
    assert.ok(stored.includes(NAME) && stored.includes(me), stored);
    assert.ok(!stored.includes(idNumber), 'the ID number is masked');
    assert.match(await byTest(page, 'data-id').innerText(), /3303\*+\d{3}[\dX]/);
    assert.match(await byTest(page, 'data-orders').innerText(), /1 条（未结束 1 条）/);
    assert.match(await byTest(page, 'data-photo').innerText(), /未保存/);
    assert.match(await byTest(page, 'consents').innerText(), /用户协议与隐私政策/);
    const readings = await byTest(page, 'readings').innerText();
    assert.match(readings, /管理员\s*查看访客/);
    assert.ok(!readings.includes('admin'), 'the reader is a role, not an account');
    await settle(page);
    await ctx.screenshot(page, 'my-data');
    // the same page in English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.reload();
    await byTest(page, 'retention').getByText(/deleted 180 days after your last visit/).waitFor();
    assert.match(await byTest(page, 'readings').innerText(), /Administrator\s*Viewed a visitor/);
    await settle(page);
    await ctx.screenshot(page, 'my-data-en');
    await page.evaluate(() => localStorage.setItem('sg_locale', 'zh-CN'));
    await page.reload();
    await byTest(page, 'stored').waitFor();

    // 导出我的数据: the file holds everything
    const [download] = await Promise.all([page.waitForEvent('download'), byTest(page, 'export').click()]);
    assert.match(download.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    const file = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as {
      format: string;
      visitor: { name: string; phone: string; idNumber: string };
      orders: Array<{ id: string; status: string; reason: string; hostName: string }>;
      readings: Array<{ role: string; action: string }>;
      photo: { held: boolean; jpegBase64: string | null };
    };
    assert.equal(file.format, 'safeguard.my-data.v1');
    assert.deepEqual({ name: file.visitor.name, phone: file.visitor.phone, idNumber: file.visitor.idNumber }, { name: NAME, phone: me, idNumber });
    assert.deepEqual(file.orders.map((o) => [o.id, o.status, o.reason, o.hostName]), [[orderId, 'pending', '项目洽谈', HOST.masked]]);
    assert.ok(file.readings.some((r) => r.role === 'admin' && r.action === 'visitor.read'));
    assert.deepEqual(file.photo, { held: false, since: null, jpegBase64: null });

    // 注销 while the visit is pending: refused, with the reason
    await byTest(page, 'delete-account').click();
    await page.locator('.van-dialog__confirm').click();
    const refusal = page.locator('.van-dialog').filter({ hasText: '暂时无法注销' });
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /未结束的预约/);
    await page.waitForTimeout(350);
    await viewShot(page, 'my-data-refused');
    await refusal.locator('.van-dialog__confirm').click();
    await refusal.waitFor({ state: 'hidden' });

    // 取消预约, then 注销 goes through and signs out
    await page.goto(`${ctx.baseUrl}/visits/${orderId}`);
    await byTest(page, 'cancel').click();
    await page.locator('.van-dialog__confirm').click();
    await byTest(page, 'cancel-reason').waitFor();
    await page.goto(`${ctx.baseUrl}/me/data`);
    await byTest(page, 'delete-account').click();
    const confirm = page.locator('.van-dialog').filter({ hasText: '注销后将删除' });
    await confirm.waitFor();
    await page.waitForTimeout(350);
    await viewShot(page, 'my-data-confirm');
    await confirm.locator('.van-dialog__confirm').click();
    await page.waitForURL(/\/login/);
    assert.equal((await page.request.get(`${ctx.baseUrl}/api/visitor/me`)).status(), 401);
    await settle(page);
    await ctx.screenshot(page, 'my-data-signed-out');

    // nothing personal is left: 访客库 finds them neither by phone nor by name; the order stays, anonymous
    for (const q of [me, NAME]) {
      await adminPage.goto(`${ctx.baseUrl}/admin/visitors`);
      await adminPage.locator('input[data-test=visitor-search]').fill(q);
      await adminPage.locator('input[data-test=visitor-search]').press('Enter');
      await adminPage.waitForLoadState('networkidle');
      await adminPage.locator('.el-table__empty-text').waitFor();
      assert.equal(await byTest(adminPage, `detail-${me}`).count(), 0);
    }
    await ctx.screenshot(adminPage, 'my-data-admin-visitors');
    const [order] = await ctx.db.select().from(visitOrders).where(eq(visitOrders.id, orderId));
    assert.equal(order!.status, 'cancelled');
    assert.equal(order!.visitorPhone, '');
    const [row] = await ctx.db.select().from(visitors).where(eq(visitors.id, order!.visitorId!));
    assert.deepEqual([row!.name, row!.idNumberEnc, row!.company, row!.photoKey], ['已注销', null, null, null]);
    assert.ok(!row!.phone.includes(me));

    // 数据保留: an old visitor (last visit 200 days ago) is what the next run removes; 立即执行
    const [host] = await ctx.db.select().from(staff).where(eq(staff.phone, HOST.phone));
    const oldId = prcId(Number(me.slice(-3)) + 7, 18);
    const longAgo = new Date(Date.now() - 200 * DAY);
    const [old] = await ctx.db
      .insert(visitors)
      .values({ name: OLD_NAME, phone: newPhone('164'), idType: 'prc_id', idNumberEnc: ctx.crypto.encrypt(oldId), idNumberIdx: ctx.crypto.blindIndex(oldId), createdAt: longAgo, updatedAt: longAgo })
      .returning();
    await ctx.db.insert(visitOrders).values({
      kind: 'appointment',
      status: 'arrived',
      visitorId: old!.id,
      visitorPhone: old!.phone,
      hostId: host!.id,
      unitId: host!.unitId,
      reason: '年度检查',
      startAt: longAgo,
      endAt: new Date(longAgo.getTime() + 2 * 3600_000),
      arrivedAt: longAgo,
      leftAt: new Date(longAgo.getTime() + 3600_000),
    });
    await adminPage.goto(`${ctx.baseUrl}/admin/system/retention`);
    await byTest(adminPage, 'retention-items').waitFor();
    assert.match(await byTest(adminPage, 'retention-days').innerText(), /180 天/);
    const items = await byTest(adminPage, 'retention-items').innerText();
    assert.ok(items.includes('欧**客'), items);
    assert.ok(!items.includes(OLD_NAME), 'names are masked');
    assert.equal(await adminPage.getByText('数据保留', { exact: true }).count() > 0, true);
    await adminPage.waitForTimeout(300);
    await ctx.screenshot(adminPage, 'admin-retention');
    const idsBefore = Number(await byTest(adminPage, 'retention-count-idNumbers').locator('.n').innerText());
    assert.ok(idsBefore >= 1);

    await byTest(adminPage, 'retention-run').click();
    await adminPage.locator('.el-message-box').getByRole('button', { name: '立即执行' }).click();
    await adminPage.locator('.el-message--success').waitFor();
    await byTest(adminPage, 'retention-last-run').getByText('手动').waitFor();
    assert.equal(await byTest(adminPage, 'retention-count-idNumbers').locator('.n').innerText(), '0');
    const [purged] = await ctx.db.select().from(visitors).where(eq(visitors.id, old!.id));
    assert.deepEqual([purged!.idNumberEnc, purged!.idNumberIdx, purged!.name], [null, null, OLD_NAME]);
    await adminPage.locator('.el-message--success').waitFor({ state: 'hidden' });
    await ctx.screenshot(adminPage, 'admin-retention-after-run');

    // English
    await adminPage.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await adminPage.reload();
    await byTest(adminPage, 'retention-days').getByText('180 days').waitFor();

    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await admin.close();
  }
}
