/**
 * Journey (issue 9): a first visit feels finished. On a slow network the staff app shows the splash
 * (mark, 智慧通行, spinner), never a blank page, until it mounts; the login pages carry the center's
 * name and the mark; a browser set to English gets English on its first visit (a saved choice wins);
 * the admin 首页 shows today's visits in numbers, with no word of features to come.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot, adminLogin } = e2e;
  const center = ((await (await fetch(`${baseUrl}/api/config`)).json()) as { centerName: string }).centerName;

  // ---------------------------------------------------------------- slow network: the splash, then the app
  const slow = await browser.newContext({ viewport: { width: 375, height: 667 }, locale: 'zh-CN' });
  const s = await slow.newPage();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await s.route('**/assets/**', async (route) => {
    await held; // scripts and styles arrive only when the test lets them
    await route.continue();
  });
  await s.goto(`${baseUrl}/staff/`, { waitUntil: 'commit' });
  const splash = s.locator('[data-test=splash]');
  await splash.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match((await splash.innerText()).replace(/\s+/g, ' '), /智慧通行/);
  assert.ok(await s.locator('[data-test=splash] img').isVisible(), 'the mark shows while loading');
  const box = (await splash.boundingBox())!;
  assert.ok(box.width >= 375 && box.height >= 667, 'the splash fills the screen');
  await screenshot(s, 'first-impression-splash');
  release();
  await s.locator('[data-test=brand-title]').waitFor({ timeout: 20_000 });
  assert.equal(await splash.count(), 0, 'the app replaces the splash when it mounts');
  assert.equal((await s.locator('[data-test=brand-title]').innerText()).trim(), `${center}智慧通行`);
  assert.equal(await s.title(), `内部人员登录 · ${center}智慧通行`);
  await screenshot(s, 'first-impression-staff-login');
  await slow.close();

  // ---------------------------------------------------------------- a browser set to English
  const en = await browser.newContext({ viewport: { width: 375, height: 667 }, locale: 'en-US' });
  const v = await en.newPage();
  await v.goto(`${baseUrl}/login`);
  await v.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal((await v.locator('[data-test=brand-title]').innerText()).trim(), `${center} Smart Access`);
  assert.equal(await v.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await v.title(), `Sign in · ${center} Smart Access`);
  await screenshot(v, 'first-impression-visitor-login-en');
  // the choice made in the app is kept: 中文 switches and stays on the next visit
  await v.locator('[data-test=lang]').click();
  await v.getByRole('heading', { name: '登录' }).waitFor();
  await v.goto(`${baseUrl}/login`);
  await v.getByRole('heading', { name: '登录' }).waitFor();
  await en.close();

  const enAdmin = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  const a = await enAdmin.newPage();
  await a.goto(`${baseUrl}/admin/login`);
  await a.getByText('Admin sign-in').waitFor();
  await adminLogin(a);
  await a.goto(`${baseUrl}/admin/`);
  await a.locator('[data-test=today]').waitFor();
  assert.equal((await a.locator('[data-test=user-name]').innerText()).trim(), 'Administrator');
  assert.equal((await a.locator('[data-test=brand]').innerText()).trim(), 'Smart Access');
  // the words are English; the per-unit table's first column holds the units' own (Chinese) names
  const text = await a.locator('.el-main').evaluate((main) => {
    const copy = main.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('[data-test=unit-table] .el-table__body td:first-child').forEach((td) => td.remove());
    return copy.innerText ?? copy.textContent ?? '';
  });
  assert.doesNotMatch(text, /[\u4e00-\u9fff]/, 'no Chinese on the English 首页');
  assert.doesNotMatch(text, /coming soon|once .* available|later release/i);
  await screenshot(a, 'first-impression-admin-home-en');
  await enAdmin.close();

  // ---------------------------------------------------------------- admin 首页 in Chinese: today's counts
  const zh = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const z = await zh.newPage();
  await adminLogin(z);
  await z.goto(`${baseUrl}/admin/`);
  await z.locator('[data-test=today]').waitFor();
  const { today } = (await (await z.request.get(`${baseUrl}/api/admin/dashboard`)).json()) as { today: Record<string, number> };
  for (const key of ['expected', 'arrived', 'onSite', 'pendingReview', 'cancelled']) {
    const shown = (await z.locator(`[data-test=today-${key}]`).innerText()).split('\n')[0]!.trim();
    assert.equal(shown, today[key]!.toLocaleString(), `今日来访 ${key}`);
  }
  const zhText = await z.locator('.el-main').innerText();
  assert.doesNotMatch(zhText, /上线后|即将推出|敬请期待/);
  assert.equal(await z.title(), `首页 · ${center}智慧通行`);
  await screenshot(z, 'first-impression-admin-home');
  await zh.close();
}
