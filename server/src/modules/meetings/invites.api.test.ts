/**
 * The review table's meeting-attendee rows (SPEC §2) and 会议邀约 / 我的会议 / 会议邀约审核 (S6–S8),
 * through the HTTP API on a real database (PGlite here, PostgreSQL in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { meetingBookings, meetingRooms, smsMessages, visitOrders } from '../../db/schema/index.js';
import { TERMS_VERSION } from '../../../../contracts/consent.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HOUR = 3600_000;
const order = async (id: string) => (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, id)))[0]!;

/** The meeting link the outbox holds for a phone. */
async function linkFor(phone: string): Promise<string> {
  await t.ctx.queue.drain();
  const rows = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
  const m = rows.map((r) => r.content.match(/\/l\/([A-Za-z0-9_.-]+)/)?.[1]).filter(Boolean).pop();
  if (!m) throw new Error(`no link for ${phone}`);
  return m;
}

/** A room and an approved booking by `applicant` with one co-booker, starting in `startInH` hours. */
async function meeting(o: { startInH?: number; status?: string; capacity?: number } = {}) {
  const unit = await newUnit(t);
  const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const coBooker = await newStaff(t, { unitId: unit.id, name: '黄波' });
  const [room] = await t.ctx.db
    .insert(meetingRooms)
    .values({ name: `第${Math.floor(Math.random() * 1e6)}会议室`, capacity: o.capacity ?? 20, seatingStyles: ['课桌式'], services: ['茶水'] })
    .returning();
  const start = new Date(Math.ceil((Date.now() + (o.startInH ?? 3) * HOUR) / (15 * 60_000)) * 15 * 60_000);
  const [b] = await t.ctx.db
    .insert(meetingBookings)
    .values({
      roomId: room!.id,
      title: '季度工作例会',
      applicantId: applicant.id,
      coBookerIds: [coBooker.id],
      settlementUnitId: unit.id,
      seating: '课桌式',
      headcount: 10,
      startAt: start,
      endAt: new Date(start.getTime() + 2 * HOUR),
      status: o.status ?? 'approved',
    })
    .returning();
  return { unit, applicant, coBooker, room: room!, booking: b!, applicantClient: await signInStaff(t, applicant.phone) };
}

const invite = (c: Client, bookingId: string, body: Record<string, unknown>) => c.post(`/api/bookings/${bookingId}/invitations`, body);
const review = (c: Client, id: string, decision: 'approve' | 'reject', comment?: string) => c.post(`/api/visits/${id}/review`, { decision, comment });

describe('review-rules table (SPEC §2): meeting attendees', () => {
  it('meeting attendee, internal — reviewed by nobody: confirmed at once', async () => {
    const m = await meeting();
    const colleague = await newStaff(t, { name: '林晓燕' });
    const res = await invite(m.applicantClient, m.booking.id, { internal: [colleague.id], external: [] });
    expect(res.statusCode).toBe(200);
    const [a] = res.json().attendees;
    expect(a).toMatchObject({ type: 'internal', name: '林晓燕', status: 'confirmed', canReview: false });
    const o = await order(a.orderId);
    expect(o).toMatchObject({ kind: 'meeting', status: 'confirmed', meetingId: m.booking.id, attendeeStaffId: colleague.id, hostId: m.applicant.id });
    // nobody reviews it: not even the applicant
    expect((await review(m.applicantClient, a.orderId, 'approve')).statusCode).toBe(404);
    // the colleague finds it under 我的会议, with the trail "订会人：确认参会"
    const cc = await signInStaff(t, colleague.phone);
    const mine = (await cc.get('/api/meetings')).json();
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).toMatchObject({ id: m.booking.id, title: '季度工作例会', myStatus: 'confirmed', applicantName: '姜柠檬' });
    const detail = (await cc.get(`/api/visits/${a.orderId}`)).json();
    expect(detail.trail.map((x: { label: { 'zh-CN': string } }) => x.label['zh-CN'])).toEqual(['订会人：发起', '订会人：确认参会']);
    expect(detail.meeting).toMatchObject({ title: '季度工作例会', roomName: m.room.name, internal: true });
  });

  it('meeting attendee, external — the applicant or a co-booker reviews: link → register if unknown → submit → review', async () => {
    const m = await meeting();
    const phone = randomPhone();
    const res = await invite(m.applicantClient, m.booking.id, { internal: [], external: [{ name: '赵明远', phone }] });
    const [a] = res.json().attendees;
    expect(a).toMatchObject({ type: 'external', name: '赵明远', status: 'initiated' });
    // the SMS names the meeting and carries a link; the unknown person registers through it
    const token = await linkFor(phone);
    const sms = (await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone))).map((r) => r.content).join(' ');
    expect(sms).toContain('季度工作例会');
    const c = new Client(t);
    const info = (await c.get(`/api/links/${token}`)).json();
    expect(info).toMatchObject({ purpose: 'meeting', registered: false, meeting: { title: '季度工作例会', roomName: m.room.name } });
    expect((await c.post(`/api/links/${token}/session`)).json()).toEqual({ registered: false });
    expect((await c.post('/api/visitor/register', { name: '赵明远', idType: 'prc_id', idNumber: validIdNumber(31), termsVersion: TERMS_VERSION })).statusCode).toBe(200);
    const submitted = (await c.post(`/api/links/${token}/submit`, {})).json();
    expect(submitted).toMatchObject({ status: 'pending', kind: 'meeting' });
    // not a host's review: an unrelated staff member can't, and it is not under 访客邀约审核
    const stranger = await signInStaff(t, (await newStaff(t)).phone);
    expect((await review(stranger, a.orderId, 'approve')).statusCode).toBe(404);
    expect((await m.applicantClient.get('/api/approvals/visits?tab=pending')).json().items.map((x: { id: string }) => x.id)).not.toContain(a.orderId);
    // the co-booker sees it under 会议邀约审核 with the badge, and approves
    const co = await signInStaff(t, m.coBooker.phone);
    expect((await co.get('/api/approvals/counts')).json().meetingsPending).toBe(1);
    const pending = (await co.get('/api/meetings/approvals?tab=pending')).json();
    expect(pending.items[0]).toMatchObject({ id: m.booking.id, pending: 1, progress: { attendees: { done: 0, total: 1 } } });
    expect(pending.items[0].attendees[0]).toMatchObject({ orderId: a.orderId, canReview: true });
    const approved = (await review(co, a.orderId, 'approve', '欢迎参会')).json();
    expect(approved.status).toBe('confirmed');
    expect(approved.trail.at(-1).label['zh-CN']).toBe('订会人：审核通过');
    const done = (await co.get('/api/meetings/approvals?tab=done')).json();
    expect(done.items[0]).toMatchObject({ id: m.booking.id, pending: 0, progress: { attendees: { done: 1, total: 1 } } });
    // the visitor sees it in 我的预约 as 参会 with the meeting's name and room
    const mine = (await c.get('/api/visits/mine')).json();
    expect(mine.items[0]).toMatchObject({ id: a.orderId, kind: 'meeting', status: 'confirmed', meeting: { title: '季度工作例会', internal: false } });
  });

  it('meeting attendee, external — a known visitor submits through the link; the applicant may reject', async () => {
    const m = await meeting();
    const v = await newVisitor(t, { name: '陈小春' });
    const a = (await invite(m.applicantClient, m.booking.id, { external: [{ name: '陈小春', phone: v.phone }] })).json().attendees[0];
    expect(a.status).toBe('initiated');
    const c = await signInVisitor(t, v.phone);
    expect((await c.post(`/api/links/${await linkFor(v.phone)}/submit`, {})).json().status).toBe('pending');
    const rejected = (await review(m.applicantClient, a.orderId, 'reject', '名额已满')).json();
    expect(rejected).toMatchObject({ status: 'cancelled', cancelReason: 'rejected' });
  });
});

describe('会议邀约 (S6)', () => {
  it('only the applicant or a co-booker may invite; others get 404', async () => {
    const m = await meeting();
    const other = await signInStaff(t, (await newStaff(t)).phone);
    expect((await invite(other, m.booking.id, { external: [{ name: '甲', phone: randomPhone() }] })).statusCode).toBe(404);
    const co = await signInStaff(t, m.coBooker.phone);
    expect((await invite(co, m.booking.id, { external: [{ name: '甲', phone: randomPhone() }] })).statusCode).toBe(200);
  });

  it('any number of times before the meeting starts; the same person is not invited twice', async () => {
    const m = await meeting();
    const phone = randomPhone();
    const colleague = await newStaff(t);
    expect((await invite(m.applicantClient, m.booking.id, { internal: [colleague.id], external: [{ name: '甲', phone }] })).json()).toMatchObject({ added: 2, skipped: 0 });
    const again = (await invite(m.applicantClient, m.booking.id, { internal: [colleague.id], external: [{ name: '甲', phone }, { name: '乙', phone: randomPhone() }], chair: '王主任', meetingType: '工作会议' })).json();
    expect(again).toMatchObject({ added: 1, skipped: 2 });
    expect(again.attendees).toHaveLength(3);
    const detail = (await m.applicantClient.get(`/api/meetings/${m.booking.id}`)).json();
    expect(detail).toMatchObject({ chair: '王主任', meetingType: '工作会议', isBooker: true, canInvite: true });
  });

  it('refused once the meeting has started, or while the booking is not approved', async () => {
    const started = await meeting({ startInH: -1 });
    const r1 = await invite(started.applicantClient, started.booking.id, { external: [{ name: '甲', phone: randomPhone() }] });
    expect(r1.statusCode).toBe(409);
    expect(r1.json().error.code).toBe('MEETING_NOT_INVITABLE');
    const pending = await meeting({ status: 'pending' });
    expect((await invite(pending.applicantClient, pending.booking.id, { external: [{ name: '甲', phone: randomPhone() }] })).json().error.code).toBe('MEETING_NOT_INVITABLE');
  });

  it('bad input: no attendees, a bad phone, an unknown staff id, more attendees than the room holds — nothing stored', async () => {
    const m = await meeting({ capacity: 2 });
    expect((await invite(m.applicantClient, m.booking.id, {})).json().error.code).toBe('MEETING_ATTENDEES_REQUIRED');
    expect((await invite(m.applicantClient, m.booking.id, { external: [{ name: '甲', phone: '123' }] })).json().error.code).toBe('PHONE_INVALID');
    expect((await invite(m.applicantClient, m.booking.id, { internal: ['0190a0a0-0000-7000-8000-000000000000'] })).json().error.code).toBe('STAFF_NOT_FOUND');
    const full = await invite(m.applicantClient, m.booking.id, { external: [1, 2, 3].map((i) => ({ name: `人${i}`, phone: randomPhone() })) });
    expect(full.statusCode).toBe(409);
    expect(full.json().error).toMatchObject({ code: 'MEETING_FULL' });
    expect(await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.meetingId, m.booking.id))).toHaveLength(0);
  });

  it('without a staff session: 401', async () => {
    const m = await meeting();
    expect((await invite(new Client(t), m.booking.id, { external: [] })).statusCode).toBe(401);
  });
});

describe('我的会议 (S7) and the attendee list', () => {
  it('an internal attendee sees the meeting and its attendees (phones masked); strangers get 404', async () => {
    const m = await meeting();
    const colleague = await newStaff(t, { name: '林晓燕' });
    const phone = randomPhone();
    await invite(m.applicantClient, m.booking.id, { internal: [colleague.id], external: [{ name: '赵明远', phone }] });
    const cc = await signInStaff(t, colleague.phone);
    const list = (await cc.get(`/api/bookings/${m.booking.id}/attendees`)).json();
    expect(list.items.map((a: { name: string }) => a.name)).toEqual(['林晓燕', '赵明远']);
    expect(list.items[1].phoneMasked).not.toContain(phone.slice(3, 7));
    expect(list.items.every((a: { canReview: boolean }) => !a.canReview)).toBe(true);
    const stranger = await signInStaff(t, (await newStaff(t)).phone);
    expect((await stranger.get(`/api/bookings/${m.booking.id}/attendees`)).statusCode).toBe(404);
    expect((await stranger.get(`/api/meetings/${m.booking.id}`)).statusCode).toBe(404);
    expect((await cc.get('/api/meetings?tab=history')).json().items).toHaveLength(0);
  });

  it('a cancelled booking cancels its attendee orders (withdrawn by the host)', async () => {
    const m = await meeting();
    const colleague = await newStaff(t);
    const a = (await invite(m.applicantClient, m.booking.id, { internal: [colleague.id] })).json().attendees[0];
    const { VisitsService } = await import('../visits/visits.service.js');
    await t.ctx.db.transaction((tx) => new VisitsService(t.ctx).cancelMeetingOrders(tx, m.booking.id, { type: 'staff', id: m.applicant.id }));
    expect(await order(a.orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'withdrawn_by_host' });
  });
});

describe('demo data', () => {
  it('a booked meeting tomorrow: 姜柠檬 finds it in 我的会议 (已确认); the external guest waits with a link (已发起); seeded once', async () => {
    const { seedDemo, seedDemoMeeting } = await import('../../db/seed-demo.js');
    await seedDemo(t.ctx);
    expect(await seedDemoMeeting(t.ctx)).toBe(false);
    const jiang = await signInStaff(t, '17348862736');
    const mine = (await jiang.get('/api/meetings')).json();
    expect(mine.items).toEqual([expect.objectContaining({ title: '季度工作例会', roomName: '第一会议室', myStatus: 'confirmed', applicantName: '李磊' })]);
    const detail = (await jiang.get(`/api/meetings/${mine.items[0].id}`)).json();
    expect(detail.attendees.map((a: { type: string; status: string }) => `${a.type}:${a.status}`)).toEqual(['internal:confirmed', 'internal:confirmed', 'external:initiated']);
    expect(detail).toMatchObject({ isBooker: true, canInvite: true, chair: '李磊' });
  });
});
