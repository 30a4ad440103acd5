/**
 * Journey: the administrator signs in, reads the dashboard and the SMS outbox (after a staff
 * member asks for a login code), creates a kiosk device; the lobby kiosk pairs with its token at
 * 1280×800; a staff member signs in by password at 375×667 and opens 个人信息.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';

const STAFF_PHONE = '17348862736';
const STAFF_PASSWORD = 'Safeguard@2026';

export async function run(e2e: E2EContext, admin: { username: string; password: string } = { username: 'admin', password: 'e2e-admin-password' }) {
  const { baseUrl, browser, screenshot } = e2e;
  // let Element Plus / Vant enter transitions finish so the pictures show the settled page
  const shot = async (page: Parameters<typeof screenshot>[0], name: string) => {
    await page.waitForTimeout(400);
    await screenshot(page, name);
  };

  // ---------------------------------------------------------------- admin console at 1440×900
  const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const a = await adminCtx.newPage();
  await a.goto(`${baseUrl}/admin/`);
  await a.waitForURL(/\/admin\/login/);
  await a.getByText('管理后台登录').waitFor();
  await shot(a, 'admin-login');

  await a.fill('input[name=username]', admin.username);
  await a.fill('input[name=password]', 'wrong-password');
  await a.click('button[type=submit]');
  await a.locator('[data-test=login-error]').getByText('账号或密码错误').waitFor();
  await shot(a, 'admin-login-error');

  await a.fill('input[name=password]', admin.password);
  await a.click('button[type=submit]');
  await a.waitForURL(`${baseUrl}/admin/`);
  await a.locator('[data-test=stat-units]').waitFor();
  // the dashboard shows what the database holds (other journeys may have added staff before this one)
  const { staff: staffCount } = (await (await a.request.get(`${baseUrl}/api/admin/dashboard`)).json()) as { staff: number };
  assert.ok(staffCount >= 30, `demo staff loaded (${staffCount})`);
  assert.match(await a.locator('[data-test=stat-staff]').innerText(), new RegExp(`\\b${staffCount}\\b`));
  await shot(a, 'admin-dashboard');

  // a staff member asks for a login code; it shows in the development outbox
  const sms = await a.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: STAFF_PHONE, purpose: 'staff_login' } });
  // (200, or 429 SMS_TOO_SOON when the journey is re-run within a minute on the same database)
  assert.ok(sms.status() === 200 || (await sms.json()).error?.code === 'SMS_TOO_SOON', await sms.text());
  await a.getByRole('menuitem', { name: '短信发件箱' }).click();
  await a.waitForURL(/system\/sms-outbox/);
  const outbox = a.locator('[data-test=outbox-table]');
  await outbox.getByText(STAFF_PHONE).first().waitFor();
  assert.match(await outbox.innerText(), /验证码为\d{6}/);
  await shot(a, 'admin-sms-outbox');

  await a.getByRole('menuitem', { name: '任务队列' }).click();
  await a.locator('[data-test=jobs-table]').getByText('sms.send').first().waitFor();
  await shot(a, 'admin-jobs');
  assert.match(await a.locator('[data-test=jobs-total]').innerText(), /^共 \d+ 条$/);

  // 审计日志 in words: actions, subjects and details read as words, never raw codes or JSON
  await a.getByRole('menuitem', { name: '审计日志' }).click();
  const auditTable = a.locator('[data-test=audit-table]');
  await auditTable.locator('[data-test=audit-action]').getByText('查看短信发件箱').first().waitFor();
  await auditTable.locator('[data-test=audit-subject]').getByText('短信发件箱').first().waitFor();
  const auditText = await auditTable.innerText();
  assert.match(auditText, /页码：1/);
  assert.doesNotMatch(auditText, /sms_outbox\.read|\{"/, 'no raw action codes or JSON');
  await shot(a, 'admin-audit');
  // the action filter lists actions in words
  await a.locator('[data-test=audit-action-filter]').click();
  await a.locator('.el-select-dropdown__item:visible').getByText('管理员登录', { exact: true }).click();
  await auditTable.locator('[data-test=audit-action]').getByText('查看短信发件箱').waitFor({ state: 'detached' });
  assert.deepEqual([...new Set(await auditTable.locator('[data-test=audit-action]').allInnerTexts())], ['管理员登录']);
  await a.getByRole('button', { name: '重置' }).click();
  await auditTable.locator('[data-test=audit-action]').getByText('查看短信发件箱').first().waitFor();
  // clicking who did it filters by them, shown in words as in the table (a phone number masked), not as an id in the text box
  const firstActor = auditTable.locator('.actor').first();
  const who = (await firstActor.innerText()).trim();
  await firstActor.click();
  const picked = a.locator('[data-test=audit-actor-picked]');
  await picked.waitFor();
  assert.equal((await picked.innerText()).trim(), `操作人：${who}`);
  assert.equal(await a.getByPlaceholder('操作人ID').count(), 0);
  await a.waitForFunction(() => [...document.querySelectorAll('[data-test=audit-table] .actor')].every((e, _i, all) => e.textContent === all[0]!.textContent));
  assert.deepEqual([...new Set((await auditTable.locator('.actor').allInnerTexts()).map((x) => x.trim()))], [who]);
  await shot(a, 'admin-audit-by-actor');
  await picked.locator('.el-tag__close').click();
  await a.getByPlaceholder('操作人ID').waitFor();
  // the same page in English
  await a.evaluate(() => localStorage.setItem('sg_locale', 'en'));
  await a.reload();
  await auditTable.locator('[data-test=audit-action]').getByText('Viewed the SMS outbox').first().waitFor();
  assert.match(await auditTable.innerText(), /Page: 1/);
  await shot(a, 'admin-audit-en');
  await a.evaluate(() => localStorage.setItem('sg_locale', 'zh-CN'));
  await a.reload();
  await auditTable.locator('[data-test=audit-action]').getByText('查看短信发件箱').first().waitFor();

  // no entry leads to a 即将推出 page: 记录查询 (A8) opens its 访客记录 tab
  await a.getByRole('menuitem', { name: '访客机设备' }).waitFor();
  await a.getByRole('menuitem', { name: '记录查询' }).click();
  await a.locator('[data-test=records-table]').waitFor();
  assert.doesNotMatch(await a.locator('body').innerText(), /即将推出/);
  // 系统 → 数据保留 (X5) opens with the configured period
  await a.getByRole('menuitem', { name: '数据保留' }).click();
  await a.locator('[data-test=retention-days]').getByText('180 天').waitFor();

  // create a kiosk device: the token is shown once, with its QR code
  await a.getByRole('menuitem', { name: '访客机设备' }).click();
  await a.click('[data-test=new-kiosk]');
  await a.fill('input[name=kiosk-name]', '1号楼大厅访客机');
  await a.fill('input[name=kiosk-location]', '行政中心1号楼一楼大厅');
  await a.click('[data-test=save-kiosk]');
  const tokenInput = a.locator('input[data-test=kiosk-token]');
  await tokenInput.waitFor();
  const token = await tokenInput.inputValue();
  assert.match(token, /^sgk_/);
  await a.locator('img[alt=QR]').waitFor();
  await shot(a, 'admin-kiosk-token');
  await a.getByRole('button', { name: '我已保存' }).click();
  await a.locator('[data-test=kiosk-table] tbody tr').first().getByText('待配对').waitFor();

  // ---------------------------------------------------------------- kiosk at 1280×800 (landscape)
  const kioskCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'zh-CN', timezoneId: 'Europe/London' });
  const k = await kioskCtx.newPage();
  await k.goto(`${baseUrl}/kiosk/`);
  await k.waitForURL(/\/kiosk\/pair/);
  await k.getByText('访客机配对').waitFor();
  await k.fill('input[name=token]', 'sgk_not-a-real-token');
  await k.click('[data-test=pair-submit]');
  await k.getByText('设备令牌无效或已停用').waitFor();
  await shot(k, 'kiosk-pair-error');
  await k.fill('input[name=token]', token);
  await shot(k, 'kiosk-pair');
  await k.click('[data-test=pair-submit]');
  await k.waitForURL(`${baseUrl}/kiosk/`);
  await k.locator('[data-test=device]').getByText('1号楼大厅访客机').waitFor();
  await k.getByText('行政中心1号楼一楼大厅').waitFor();
  // the clock shows the center's time (Asia/Shanghai), not the tablet's zone
  const shanghai = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date()).slice(0, 2);
  assert.match(await k.locator('[data-test=clock]').innerText(), new RegExp(`^${shanghai}:`));
  await shot(k, 'kiosk-home');
  // the three lobby entries (K1, K2, K3), each a built page — none leads to 即将推出
  for (const tile of ['walk-in', 'appointment', 'check-out']) await k.locator(`[data-test=${tile}]`).waitFor();
  assert.doesNotMatch(await k.locator('body').innerText(), /即将推出/);
  // the tiles sit side by side, centred on the screen
  const boxes = await Promise.all(['walk-in', 'appointment', 'check-out'].map((x) => k.locator(`[data-test=${x}]`).boundingBox()));
  const left = Math.min(...boxes.map((b) => b!.x));
  const right = Math.max(...boxes.map((b) => b!.x + b!.width));
  assert.ok(Math.abs((left + right) / 2 - 640) <= 4, 'the lobby tiles are centred');

  await a.reload();
  await a.locator('[data-test=kiosk-table] tbody tr').first().getByText('已配对').waitFor();
  await shot(a, 'admin-kiosk-devices');

  // ---------------------------------------------------------------- staff app at 375×667
  const staffCtx = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' });
  const s = await staffCtx.newPage();
  await s.goto(`${baseUrl}/staff/`);
  await s.waitForURL(/\/staff\/login/);
  await s.getByText('内部人员登录').waitFor();
  await shot(s, 'staff-login');
  await s.getByRole('tab', { name: '密码登录' }).click();
  await s.fill('input[name=phone]', STAFF_PHONE);
  await s.fill('input[name=password]', STAFF_PASSWORD);
  await shot(s, 'staff-login-password');
  await s.click('[data-test=login-submit]');
  await s.waitForURL(`${baseUrl}/staff/`);
  await s.getByText('您好，姜柠檬').waitFor();
  for (const label of ['访客邀约', '我的邀约', '远程开门', '会议预订', '我的预订', '我的会议', '审批中心', '个人信息', '代登记人员']) await s.getByText(label, { exact: true }).waitFor();
  await shot(s, 'staff-home');
  assert.doesNotMatch(await s.locator('body').innerText(), /即将推出/);

  // 审批中心 lists only the kinds that are built
  await s.getByText('审批中心', { exact: true }).click();
  await s.waitForURL(/\/staff\/approvals$/);
  await s.locator('[data-test=approval-visits]').waitFor();
  const kinds = await s.locator('[data-test^=approval-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test')).filter((d) => d !== 'approval-kinds'));
  // every kind is built; 人员审核 shows because the demo makes 姜柠檬 a personnel reviewer of her unit (A6)
  assert.deepEqual(kinds, ['approval-visits', 'approval-rooms', 'approval-undertake', 'approval-meetings', 'approval-vehicles', 'approval-personnel']);
  const approvalsText = await s.locator('body').innerText();
  assert.doesNotMatch(approvalsText, /即将推出/);
  await s.goBack();
  await s.waitForURL(`${baseUrl}/staff/`);

  await s.getByText('个人信息', { exact: true }).click();
  await s.waitForURL(/\/staff\/profile/);
  const id = s.locator('[data-test=profile-id] .van-cell__value');
  await id.waitFor();
  assert.match(await id.innerText(), /^\d{4}\*{10}[\dX]{4}$/);
  await s.getByText('姜柠檬').waitFor();
  await shot(s, 'staff-profile');
  assert.doesNotMatch(await s.locator('body').innerText(), /即将推出/);
  // S9 修改个人信息 is built: the button opens its form (e2e/personnel.spec.ts goes on from there)
  await s.locator('[data-test=profile-edit]').getByText('修改个人信息').click();
  await s.waitForURL(/\/staff\/profile\/edit$/);
  await s.locator('[data-test=info-change-form]').waitFor();

  await adminCtx.close();
  await kioskCtx.close();
  await staffCtx.close();
}
