/**
 * Journey: the review table's meeting-attendee rows (SPEC §2) and S6–S8, issue #4. 姜柠檬 has a
 * booked meeting in 培训室 (booked through the API: the booking pages have their own journey). In
 * the staff app she opens 会议邀约, picks an internal attendee with the staff picker and adds an
 * external one (a new phone), and submits: the colleague is 已确认 at once and finds the meeting in
 * 我的会议; the external attendee gets an SMS link, registers, submits → 待确认; 审批中心 shows the
 * 会议邀约审核 badge; 姜柠檬 expands the meeting ("参会人员 0/1"), opens the attendee and approves →
 * 已确认, the meeting moves to 已审核 ("参会人员 1/1"), and the visitor's 我的预约 shows a 参会 card.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { assertNoErrors, expectStatus, linkToken, phoneContext, settle, staffSignIn, tid } from './staff-visit-helpers.js';
import { register } from './visit-helpers.js';

const APPLICANT = '17348862736'; // 姜柠檬
const CO_BOOKER = '13900001001'; // same unit, demo password
const COLLEAGUE = '13900001005'; // same unit, signs in with an SMS code
const GUEST = { phone: `177${String(Date.now()).slice(-8)}`, name: '钱参会', id: withIdCheckDigit(`33030219851021${String(Date.now() % 1000).padStart(3, '0')}`) };

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const errors: string[] = [];
  const adminCtx = await browser.newContext();
  const a = await adminCtx.newPage();
  await e2e.adminLogin(a);
  const { context: staffCtx, page: s } = await phoneContext(browser, errors);
  await staffSignIn(e2e, s, APPLICANT);

  // ———— a booked meeting: 培训室, tomorrow 15:00–16:00 in the center's zone
  const rooms = (await expectStatus(await s.request.get(`${baseUrl}/api/rooms`), 200)).items as Array<{ id: string; name: string }>;
  const room = rooms.find((r) => r.name === '培训室');
  assert.ok(room, 'demo room 培训室');
  const profile = await expectStatus(await s.request.get(`${baseUrl}/api/staff/me/profile`), 200);
  const co = (await expectStatus(await s.request.get(`${baseUrl}/api/bookings/staff-search?q=${CO_BOOKER}`), 200)).items[0];
  const colleague = (await expectStatus(await s.request.get(`${baseUrl}/api/bookings/staff-search?q=${COLLEAGUE}`), 200)).items[0];
  assert.ok(co && colleague, 'demo staff found');
  const tomorrow = new Date(Date.now() + 24 * 3600_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const startAt = new Date(`${tomorrow}T15:00:00+08:00`).toISOString();
  const endAt = new Date(`${tomorrow}T16:00:00+08:00`).toISOString();
  const booking = await expectStatus(
    await s.request.post(`${baseUrl}/api/bookings`, {
      data: { roomId: room.id, title: '项目推进协调会', coBookerIds: [co.id], settlementUnitId: profile.unitId, seating: '课桌式', headcount: 10, services: [], startAt, endAt },
    }),
    201,
  );
  assert.equal(booking.status, 'approved', '培训室 needs no review');

  // ———— 会议邀约 (S6)
  await s.goto(`${baseUrl}/staff/bookings/${booking.id}/invite`);
  await tid(s, 'meeting-title').locator('input').waitFor();
  assert.equal(await tid(s, 'meeting-title').locator('input').inputValue(), '项目推进协调会');
  await tid(s, 'meeting-type').locator('input').fill('协调会');
  await tid(s, 'meeting-chair').locator('input').fill('姜柠檬');
  await tid(s, 'internal-attendees').click();
  await tid(s, 'staff-picker').getByText('选择内部参会人员').waitFor();
  await tid(s, 'staff-picker').locator('input[type="search"]').fill(COLLEAGUE);
  await tid(s, `staff-hit-${colleague.id}`).click();
  await tid(s, 'staff-picker-done').click();
  await s.locator('.van-popup').filter({ visible: true }).waitFor({ state: 'hidden' });
  assert.equal(await tid(s, 'internal-attendees').locator('input').inputValue(), colleague.name);
  await tid(s, 'add-external').click();
  await tid(s, 'external-name').locator('input').fill(GUEST.name);
  await tid(s, 'external-phone').locator('input').fill(GUEST.phone);
  await settle(s);
  await screenshot(s, 'staff-meeting-invite');
  await tid(s, 'invite-submit').click();
  await s.getByText('已邀约 2 人').waitFor();
  const list = tid(s, 'attendee-list');
  await list.getByText(colleague.name).waitFor();
  const statuses = await tid(s, 'attendee-list').locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  assert.deepEqual(statuses, ['confirmed', 'initiated'], 'internal 已确认 at once; external 已发起 until they submit');
  await settle(s);
  await s.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await screenshot(s, 'staff-meeting-invited');

  // ———— the colleague: 我的会议 (S7) shows it, 已确认
  const { context: colCtx, page: c } = await phoneContext(browser, errors);
  await staffSignIn(e2e, c, COLLEAGUE, null);
  await tid(c, 'menu-myMeetings').click();
  await c.waitForURL(/\/staff\/meetings/);
  const card = tid(c, `meeting-${booking.id}`);
  await card.waitFor();
  assert.match(await card.innerText(), /项目推进协调会[\s\S]*已确认[\s\S]*培训室[\s\S]*姜柠檬/);
  await settle(c);
  await screenshot(c, 'staff-my-meetings');
  await card.click();
  await c.waitForURL(new RegExp(`/staff/meetings/${booking.id}$`));
  await tid(c, 'meeting-title').getByText('项目推进协调会').waitFor();
  assert.equal(await tid(c, 'meeting-invite').count(), 0, 'an attendee cannot invite');
  await settle(c);
  await screenshot(c, 'staff-meeting-detail');

  // ———— the external guest: SMS link → register → submit → 待确认
  const sms = await linkToken(e2e, a, GUEST.phone);
  const { context: guestCtx, page: g } = await phoneContext(browser, errors);
  await g.goto(`${baseUrl}/l/${sms}`);
  await tid(g, 'link-meeting').getByText('项目推进协调会').waitFor();
  await g.getByText('邀请您参加会议').waitFor();
  await settle(g);
  await screenshot(g, 'visitor-meeting-link');
  await tid(g, 'link-register').click();
  await register(g, GUEST.name, GUEST.id);
  await tid(g, 'link-submit').click();
  await g.waitForURL(/\/visits\/[\w-]+$/);
  await tid(g, 'detail-status').getByText('待确认').waitFor();
  await tid(g, 'detail-meeting').getByText('项目推进协调会').waitFor();

  // ———— 审批中心 → 会议邀约审核: the applicant approves the guest
  await s.goto(`${baseUrl}/staff/approvals`);
  await tid(s, 'meetings-pending-badge').getByText('1').waitFor();
  await tid(s, 'approval-meetings').click();
  await s.waitForURL(/\/staff\/approvals\/meetings/);
  const meeting = tid(s, `meeting-${booking.id}`);
  await meeting.getByText('参会人员 0/1').waitFor();
  await meeting.getByText(GUEST.name).waitFor();
  await settle(s);
  await screenshot(s, 'staff-meeting-approvals');
  await meeting.getByText(GUEST.name).click();
  await s.waitForURL(/\/staff\/visits\/[\w-]+\/review$/);
  await tid(s, 'detail-meeting').getByText('项目推进协调会').waitFor();
  await settle(s);
  await screenshot(s, 'staff-meeting-attendee-review');
  await tid(s, 'approve').click();
  await s.locator('.van-dialog__confirm').click();
  await s.waitForURL(/\/staff\/approvals\/meetings/);
  await s.locator('.van-tab').filter({ hasText: /^已审核$/ }).click();
  await tid(s, `meeting-${booking.id}`).getByText('参会人员 1/1').waitFor();

  // ———— the guest's 我的预约: a 参会 card, 已确认
  await g.goto(`${baseUrl}/visits`);
  const guestCard = g.locator('[data-test^="order-"]').filter({ hasText: '项目推进协调会' });
  await guestCard.waitFor();
  assert.equal(await guestCard.getAttribute('data-status'), 'confirmed');
  assert.match(await guestCard.innerText(), /参会[\s\S]*培训室/);
  await settle(g);
  await screenshot(g, 'visitor-meeting-card');

  // ———— in English: 会议邀约审核 and 会议邀约
  await s.evaluate(() => localStorage.setItem('sg_locale', 'en'));
  await s.goto(`${baseUrl}/staff/approvals/meetings?tab=done`);
  await s.getByText('Meeting attendee review').waitFor();
  await tid(s, `meeting-${booking.id}`).getByText('Attendees 1/1').waitFor();
  await settle(s);
  await screenshot(s, 'staff-meeting-approvals-en');
  await s.goto(`${baseUrl}/staff/bookings/${booking.id}/invite`);
  await s.getByText('Staff attendees').first().waitFor();
  await settle(s);
  await screenshot(s, 'staff-meeting-invite-en');
  await s.evaluate(() => localStorage.removeItem('sg_locale'));

  assertNoErrors(errors);
  await Promise.all([adminCtx.close(), staffCtx.close(), colCtx.close(), guestCtx.close()]);
}
