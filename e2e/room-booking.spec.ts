/**
 * Journey S4/S5/S8, room booking: 姜柠檬 opens 会议预订, picks 大会议室 (needs review, demo seed), its
 * week strip, a day two days ahead, taps a start and an end cell (本次预订), 下一步, fills 会议信息
 * (co-booker through the staff picker) and submits → 待审核 in 我的预订. The room's approver finds it
 * in 审批中心 → 会议室审核 (badge) and approves with a comment; the undertaker (SMS sign-in) got the
 * 会议承接 SMS and confirms in 会议承接确认. 姜柠檬 sees 已通过, the undertaker and 会议邀约, then
 * cancels (the room is left free for other journeys). Screenshots at 375×667, two in English.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { assertNoErrors, expectStatus, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';

const APPLICANT = '17348862736'; // 姜柠檬, JGSW001
const APPROVER = '13900001001'; // JGSW002: approver of 大会议室 (demo seed), demo password
const UNDERTAKER = '13900001002'; // JGSW003: undertaker of 大会议室, signs in with an SMS code
const CO_BOOKER = '13900001004'; // JGSW005
const TITLE = `季度工作例会${String(Date.now()).slice(-4)}`;

type Cell = { startAt: string; endAt: string; state: string };

/** The first run of `n` free cells from 14:00 on (other journeys may hold some of the day). */
function freeRun(cells: Cell[], n: number, fromIso: string): [number, number] {
  for (let i = 0; i + n <= cells.length; i++) {
    if (cells[i]!.startAt < fromIso) continue;
    if (cells.slice(i, i + n).every((c) => c.state === 'free')) return [i, i + n - 1];
  }
  throw new Error('no free time in 大会议室 that day');
}
const hhmm = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });

async function openFromApprovals(e2e: E2EContext, page: Page, kind: 'rooms' | 'undertake', bookingId: string) {
  await page.goto(`${e2e.baseUrl}/staff/`);
  await tid(page, 'menu-approvals').click();
  await tid(page, `${kind}-pending-badge`).waitFor();
  await tid(page, `approval-${kind}`).click();
  const card = tid(page, `booking-${bookingId}`);
  await card.waitFor();
  return card;
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const { context: meCtx, page: me } = await phoneContext(browser, errors);
  await staffSignIn(e2e, me, APPLICANT);

  const rooms = (await expectStatus(await me.request.get(`${baseUrl}/api/rooms`), 200)).items as Array<{ id: string; name: string; reviewRequired: boolean }>;
  const room = rooms.find((r) => r.name === '大会议室');
  assert.ok(room?.reviewRequired, 'demo room 大会议室 needs review');
  const co = (await expectStatus(await me.request.get(`${baseUrl}/api/bookings/staff-search?q=${CO_BOOKER}`), 200)).items[0] as { id: string; name: string };
  assert.ok(co, 'demo co-booker');

  // ———— 会议预订 → 查看会议室 → 大会议室's week
  await tid(me, 'menu-roomBooking').click();
  await me.waitForURL(/\/staff\/rooms$/);
  await tid(me, `room-${room.id}`).waitFor();
  await settle(me);
  await screenshot(me, 'staff-rooms');
  await tid(me, `room-${room.id}`).click();
  const week = await expectStatus(await me.request.get(`${baseUrl}/api/rooms/${room.id}/week`), 200);
  const day = week.days[2].date as string;
  await tid(me, `day-${day}`).waitFor();
  await settle(me);
  await screenshot(me, 'staff-room-week');

  // ———— the day: tap a start cell and an end cell (1.5 hours), 本次预订 shows the range
  const cells = (await expectStatus(await me.request.get(`${baseUrl}/api/rooms/${room.id}/day?date=${day}`), 200)).cells as Cell[];
  const [a, b] = freeRun(cells, 6, new Date(`${day}T14:00:00+08:00`).toISOString());
  await tid(me, `day-${day}`).click();
  await me.waitForURL(new RegExp(`/staff/rooms/${room.id}/day/${day}$`));
  await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).click();
  await tid(me, `cell-${hhmm(cells[b]!.startAt)}`).click();
  const range = `${hhmm(cells[a]!.startAt)}–${hhmm(cells[b]!.endAt)}`;
  assert.equal(await tid(me, 'chosen-range').textContent(), range);
  assert.equal(await tid(me, `cell-${hhmm(cells[a + 2]!.startAt)}`).getAttribute('data-state'), 'chosen');
  await settle(me);
  await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).scrollIntoViewIfNeeded();
  await screenshot(me, 'staff-room-day');
  await tid(me, 'next').click();

  // ———— 会议信息
  await me.waitForURL(/\/staff\/rooms\/[^/]+\/book\?/);
  // prefilled as the manual's screen: 协同订会人员 the applicant, 结算单位 their unit, 排位形式 the room's first
  const myProfile = await expectStatus(await me.request.get(`${baseUrl}/api/staff/me/profile`), 200);
  await me.waitForFunction(() => !!(document.querySelector('[data-test="f-unit"] input') as HTMLInputElement | null)?.value);
  assert.equal(await tid(me, 'f-cobookers').locator('input').inputValue(), `${myProfile.name}（本人）`);
  assert.equal(await tid(me, 'f-unit').locator('input').inputValue(), myProfile.unitName);
  assert.equal(await tid(me, 'f-seating').locator('input').inputValue(), '剧院式');
  await tid(me, 'f-title').locator('input').fill(TITLE);
  await tid(me, 'f-cobookers').click();
  await tid(me, 'staff-search').locator('input').fill(CO_BOOKER);
  await tid(me, `staff-hit-${co.id}`).click();
  await tid(me, 'staff-picker-done').click();
  await me.locator('.van-popup').filter({ visible: true }).waitFor({ state: 'hidden' });
  assert.equal(await tid(me, 'f-cobookers').locator('input').inputValue(), `${myProfile.name}（本人），${co.name}`);
  await tid(me, 'f-unit').click();
  await me.locator('.van-popup .van-picker__confirm').filter({ visible: true }).click();
  await tid(me, 'f-seating').click();
  await me.locator('.van-popup .van-picker__confirm').filter({ visible: true }).click();
  await me.locator('.van-popup').filter({ visible: true }).waitFor({ state: 'hidden' });
  await tid(me, 'f-headcount').locator('input').fill('120');
  await tid(me, 'submit').click();
  await me.getByText('人数不能超过最大容纳人数 80').waitFor(); // checked before sending
  await tid(me, 'f-headcount').locator('input').fill('24');
  await tid(me, 'f-services').getByText('茶水').click();
  await tid(me, 'f-remark').locator('textarea').fill('请提前准备投影');
  await settle(me);
  await screenshot(me, 'staff-booking-form');
  await tid(me, 'submit').click();
  await me.waitForURL(/\/staff\/bookings\/[0-9a-f-]{36}$/);
  const bookingId = me.url().split('/').pop()!;
  await tid(me, 'booking-status').getByText('待审核').waitFor();
  assert.equal(await tid(me, 'booking-title').locator('.van-cell__value').textContent(), TITLE);
  await settle(me);
  await screenshot(me, 'staff-booking-detail-pending');

  // ———— 我的预订
  await me.goto(`${baseUrl}/staff/`);
  await tid(me, 'menu-myBookings').click();
  const card = tid(me, `booking-${bookingId}`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'pending');
  await settle(me);
  await screenshot(me, 'staff-my-bookings');

  // ———— the approver: 审批中心 → 会议室审核 (badge) → approve with a comment
  const { context: apCtx, page: ap } = await phoneContext(browser, errors);
  await staffSignIn(e2e, ap, APPROVER);
  const apCard = await openFromApprovals(e2e, ap, 'rooms', bookingId);
  await settle(ap);
  await screenshot(ap, 'staff-room-approvals');
  await apCard.click();
  await tid(ap, 'review-comment').locator('textarea').fill('请准时开始');
  await tid(ap, 'approve').click();
  await ap.locator('.van-dialog__confirm').click();
  await tid(ap, 'booking-status').getByText('已通过').waitFor();
  await tid(ap, 'review-panel').waitFor({ state: 'detached' });

  // ———— the undertaker: the SMS asked them; 会议承接确认 → 确认承接
  assert.match(await e2e.lastSms(UNDERTAKER, /确认承接/), new RegExp(TITLE));
  const { context: utCtx, page: ut } = await phoneContext(browser, errors);
  await staffSignIn(e2e, ut, UNDERTAKER, null);
  const utCard = await openFromApprovals(e2e, ut, 'undertake', bookingId);
  await settle(ut);
  await screenshot(ut, 'staff-undertakings');
  await utCard.click();
  await tid(ut, 'undertake').click();
  await ut.locator('.van-dialog__confirm').click();
  await tid(ut, 'booking-undertaking').getByText('已确认承接').waitFor();
  await tid(ut, 'undertake').waitFor({ state: 'detached' });

  // ———— the week strip counts it and shows its time; the day shows its cells taken with the title
  await me.goto(`${baseUrl}/staff/rooms/${room.id}`);
  await tid(me, `day-${day}`).locator('[data-test=taken]').first().waitFor();
  assert.match((await tid(me, `day-${day}`).locator('[data-test=day-count]').textContent()) ?? '', /已订 [1-9] 场/);
  await settle(me);
  await screenshot(me, 'staff-room-week-booked');
  await tid(me, `day-${day}`).click();
  await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).waitFor();
  assert.equal(await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).getAttribute('data-state'), 'taken');
  assert.match((await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).textContent()) ?? '', new RegExp(TITLE));
  if (cells[b + 1]?.state === 'free') await tid(me, `cell-${hhmm(cells[b + 1]!.startAt)}`).click();
  await settle(me);
  await screenshot(me, 'staff-room-day-taken');

  // ———— back to 姜柠檬: 已通过, undertaken, 会议邀约 offered; then 取消预订 frees the room
  await me.goto(`${baseUrl}/staff/bookings/${bookingId}`);
  await tid(me, 'booking-status').getByText('已通过').waitFor();
  await tid(me, 'booking-undertaking').getByText('已确认承接').waitFor();
  await tid(me, 'invite').waitFor();
  await settle(me);
  await screenshot(me, 'staff-booking-detail');
  await tid(me, 'cancel-booking').click();
  await me.locator('.van-dialog__confirm').click();
  await tid(me, 'booking-status').getByText('已取消').waitFor();
  await tid(me, 'invite').waitFor({ state: 'detached' });
  const after = (await expectStatus(await me.request.get(`${baseUrl}/api/rooms/${room.id}/day?date=${day}`), 200)).cells as Cell[];
  assert.equal(after[a]!.state, 'free', 'the cancelled booking frees its time');

  // ———— in English
  await me.evaluate(() => localStorage.setItem('sg_locale', 'en'));
  await me.reload();
  await tid(me, 'booking-status').getByText('Cancelled').waitFor();
  await settle(me);
  await screenshot(me, 'staff-booking-detail-en');
  await me.goto(`${baseUrl}/staff/rooms/${room.id}/day/${day}`);
  await tid(me, `cell-${hhmm(cells[a]!.startAt)}`).click();
  await me.getByText('Start chosen; tap the end cell').waitFor();
  await settle(me);
  await screenshot(me, 'staff-room-day-en');
  await me.evaluate(() => localStorage.removeItem('sg_locale'));

  for (const c of [meCtx, apCtx, utCtx]) await c.close();
  assertNoErrors(errors);
}
