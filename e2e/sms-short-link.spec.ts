/**
 * Journey (issue 9): the short SMS link works once and expires. The host (demo staff 姜柠檬) invites
 * the demo visitor 赵明远; the SMS says the window once, masks the host (姜*檬) and ends with a
 * /l/<12 characters> link (≤ 70 characters). On the visitor's phone (375×667) the link signs him
 * in, 提交 works, and opening it again says 链接已使用. A second invitation whose window ends in
 * seconds: its link opens, then — the window over — says 链接已过期 (zh-CN and en).
 * Screenshots: e2e/screenshots/sms-short-link-*.png.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { byTest, phone, settle } from './visit-helpers.js';
import { expectStatus } from './staff-visit-helpers.js';

const HOST = { phone: '17348862736', password: 'Safeguard@2026' };
const GUEST = { phone: '13800000003', name: '赵明远' };

/** Tomorrow h:00 in the center's time (UTC+8). */
function tomorrowAt(h: number): { start: Date; date: string } {
  const day = new Date(Date.now() + 24 * 3600_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
  const [, m, d] = day.split('-').map(Number);
  return { start: new Date(`${day}T${String(h).padStart(2, '0')}:00:00+08:00`), date: `${m}月${d}日` };
}

export async function run(e2e: E2EContext) {
  const { baseUrl } = e2e;
  const errors: string[] = [];
  const shortLink = new RegExp(`(${baseUrl.replace(/[.:/]/g, '\\$&')}/l/[0-9A-Za-z]{12})$`);
  const staff = await e2e.browser.newContext();
  const guest = await phone(e2e, errors);
  try {
    const sp = await staff.newPage();
    await sp.goto(`${baseUrl}/staff/login`);
    await expectStatus(await sp.request.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: HOST.phone, password: HOST.password } }), 200);
    const invite = async (start: Date, end: Date) =>
      expectStatus(
        await sp.request.post(`${baseUrl}/api/visits/invitations`, {
          data: { visitorPhone: GUEST.phone, reason: '短链接验证', startAt: start.toISOString(), endAt: end.toISOString(), reviewRequired: true, companionLimit: 0, companionPhones: [] },
        }),
        201,
      );
    /** the newest SMS to the guest that carries a link other than `not` */
    const smsLink = async (not?: string) => {
      for (let i = 0; i < 20; i++) {
        const text = await e2e.lastSms(GUEST.phone, shortLink);
        const link = text.match(shortLink)![1]!;
        if (link !== not) return { text, link };
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('no new link');
    };

    // the SMS: one segment of link, the window said once, the host masked
    const w = tomorrowAt(10);
    await invite(w.start, new Date(w.start.getTime() + 3600_000));
    const first = await smsLink();
    assert.ok(first.link.length <= 70, `link of ${first.link.length} characters`);
    assert.ok(first.text.startsWith(`【市行政中心】姜*檬邀请您于${w.date} 10:00至11:00到访`), first.text);
    assert.ok(!first.text.includes('姜柠檬'), first.text);

    // it works: the link signs the guest in, 提交 → the order, 待确认 (the host reviews)
    await guest.page.goto(first.link);
    await byTest(guest.page, 'link-summary').waitFor();
    await byTest(guest.page, 'link-host').getByText('姜*檬').waitFor();
    await byTest(guest.page, 'link-visitor').getByText(GUEST.name).waitFor();
    await settle(guest.page);
    await e2e.screenshot(guest.page, 'sms-short-link-open');
    await byTest(guest.page, 'link-submit').click();
    await guest.page.waitForURL(/\/visits\/[0-9a-f-]{36}$/);
    await byTest(guest.page, 'detail-status').getByText('待确认').waitFor();

    // once
    await guest.page.goto(first.link);
    await byTest(guest.page, 'link-problem').getByText('链接已使用').waitFor();
    assert.equal(await byTest(guest.page, 'link-problem').getAttribute('data-code'), 'LINK_USED');
    await settle(guest.page);
    await e2e.screenshot(guest.page, 'sms-short-link-used');

    // it expires with the visit's window: a window ending in a few seconds
    const now = Date.now();
    const end = new Date(now + 15_000);
    await invite(new Date(now), end);
    const second = await smsLink(first.link);
    await guest.page.goto(second.link);
    await byTest(guest.page, 'link-summary').waitFor();
    await guest.page.waitForTimeout(Math.max(0, end.getTime() - Date.now() + 1000));
    await guest.page.reload();
    await byTest(guest.page, 'link-problem').getByText('链接已过期').waitFor();
    assert.equal(await byTest(guest.page, 'link-problem').getAttribute('data-code'), 'LINK_EXPIRED');
    await guest.page.getByText('请联系邀请人重新发送链接。').waitFor();
    await settle(guest.page);
    await e2e.screenshot(guest.page, 'sms-short-link-expired');
    await guest.page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await guest.page.reload();
    await byTest(guest.page, 'link-problem').getByText('This link has expired').waitFor();
    await settle(guest.page);
    await e2e.screenshot(guest.page, 'sms-short-link-expired-en');

    assert.deepEqual(errors, []);
  } finally {
    await staff.close();
    await guest.context.close();
  }
}
