/**
 * Journey X2 voice calls: the administrator switches the 会议室待审核 template (booking_submitted) to
 * 语音; 姜柠檬 books 大会议室 (needs review); the approver's notice is a phone call, which the
 * 短信发件箱 shows with 渠道 语音 and the 渠道 filter finds (zh-CN and English). The booking is
 * cancelled and the template switched back to 短信 (other journeys rely on it).
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { expectStatus, staffSignIn, tid } from './staff-visit-helpers.js';

const APPLICANT = '17348862736'; // 姜柠檬
const APPROVER = '13900001001'; // approver of 大会议室 (demo seed)
const CO_BOOKER = '13900001004';
const TITLE = `安全生产例会${String(Date.now()).slice(-4)}`;

type Cell = { startAt: string; endAt: string; state: string };

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const a = await ctx.newPage();
  await e2e.adminLogin(a);
  const tpl = (await expectStatus(await a.request.get(`${baseUrl}/api/admin/notification-templates`), 200)).find((x: { event: string }) => x.event === 'booking_submitted');
  const put = (channel: string) =>
    a.request.put(`${baseUrl}/api/admin/notification-templates/booking_submitted`, { data: { channel, content: tpl.content, appendCodeLink: tpl.appendCodeLink, enabled: tpl.enabled } });
  const staffCtx = await browser.newContext({ viewport: { width: 375, height: 667 }, locale: 'zh-CN' });
  const s = await staffCtx.newPage();
  let bookingId: string | null = null;
  try {
    await expectStatus(await put('voice'), 200);

    // ———— 姜柠檬 books 大会议室 five days ahead, the first free half hour from 08:00
    await staffSignIn(e2e, s, APPLICANT);
    const room = ((await expectStatus(await s.request.get(`${baseUrl}/api/rooms`), 200)).items as Array<{ id: string; name: string }>).find((r) => r.name === '大会议室');
    assert.ok(room, 'demo room 大会议室');
    const profile = await expectStatus(await s.request.get(`${baseUrl}/api/staff/me/profile`), 200);
    const co = (await expectStatus(await s.request.get(`${baseUrl}/api/bookings/staff-search?q=${CO_BOOKER}`), 200)).items[0];
    const day = new Date(Date.now() + 5 * 24 * 3600_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const cells = (await expectStatus(await s.request.get(`${baseUrl}/api/rooms/${room.id}/day?date=${day}`), 200)).cells as Cell[];
    const i = cells.findIndex((c, k) => c.state === 'free' && cells[k + 1]?.state === 'free');
    assert.ok(i >= 0, 'a free half hour in 大会议室');
    const booking = await expectStatus(
      await s.request.post(`${baseUrl}/api/bookings`, {
        data: { roomId: room.id, title: TITLE, coBookerIds: [co.id], settlementUnitId: profile.unitId, seating: '课桌式', headcount: 10, services: [], startAt: cells[i]!.startAt, endAt: cells[i + 1]!.endAt },
      }),
      201,
    );
    bookingId = booking.id;
    assert.equal(booking.status, 'pending');

    // ———— 短信发件箱: the approver's notice is a call (渠道 语音)
    await a.goto(`${baseUrl}/admin/system/sms-outbox`);
    const table = tid(a, 'outbox-table');
    await table.waitFor();
    await tid(a, 'outbox-channel').click();
    await a.locator('.el-select-dropdown__item').filter({ hasText: '语音' }).click();
    for (let k = 0; k < 30 && !(await table.getByText(TITLE).count()); k++) {
      await a.waitForTimeout(300);
      await a.getByRole('button', { name: '刷新' }).click();
    }
    const row = table.locator('tr').filter({ hasText: TITLE });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /语音/);
    assert.ok(text.includes(APPROVER), 'the call goes to the approver');
    assert.match(text, /会议室待审核/);
    assert.match(text, /已发送/);
    // the filter shows calls only
    const channels = await table.locator('tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(channels.length > 0 && channels.every((c) => c.trim() === '语音'), channels.join(','));
    await a.waitForTimeout(400);
    await screenshot(a, 'admin-outbox-voice');

    const api = await expectStatus(await a.request.get(`${baseUrl}/api/admin/sms-outbox?phone=${APPROVER}&channel=voice`), 200);
    assert.ok(api.items.some((m: { content: string; channel: string }) => m.channel === 'voice' && m.content.includes(TITLE)));

    // ———— in English
    await a.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await a.reload();
    await tid(a, 'outbox-table').locator('tr').filter({ hasText: TITLE }).waitFor();
    await a.getByText('Channel').first().waitFor();
    assert.match(await tid(a, 'outbox-table').locator('tr').filter({ hasText: TITLE }).innerText(), /Voice/);
    await a.waitForTimeout(400);
    await screenshot(a, 'admin-outbox-voice-en');
    await a.evaluate(() => localStorage.removeItem('sg_locale'));
  } finally {
    if (bookingId) await s.request.post(`${baseUrl}/api/bookings/${bookingId}/cancel`);
    await put('sms');
    await staffCtx.close();
    await ctx.close();
  }
}
