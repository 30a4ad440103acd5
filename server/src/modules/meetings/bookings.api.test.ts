/**
 * Room bookings through the HTTP API on a real database (PGlite here, PostgreSQL in CI): S4 会议预订,
 * S5 我的预订, S8 会议室审核 and 会议承接确认 with the 5-minute undertaking reminder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { auditLog, meetingBookings, meetingRooms, smsMessages, visitOrders } from '../../db/schema/index.js';
import { addDays, atMinute } from './bookings.rules.js';
import { EXPIRED_COMMENT } from './bookings.service.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const TZ = 'Asia/Shanghai';
/** A day in the future (center zone), so every slot of it is bookable. */
let dayN = 2;
const nextDay = () => addDays(t.ctx.clock.today(), dayN++);
const at = (day: string, hhmm: string) => atMinute(day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)), TZ).toISOString();
let keySeq = 0;
const idem = () => `booking-key-${Date.now()}-${keySeq++}`;

async function newRoom(o: Partial<typeof meetingRooms.$inferInsert> = {}) {
  const [r] = await t.ctx.db
    .insert(meetingRooms)
    .values({ name: '大会议室', location: '行政中心1号楼3楼', capacity: 30, seatingStyles: ['课桌式', '回字形'], services: ['电视/投影', '茶水'], ...o })
    .returning();
  return r!;
}

/** A room with its approver and undertakers, an applicant and a co-booker, all signed in. */
async function scene(o: { reviewRequired?: boolean; undertakers?: number } = {}) {
  const unit = await newUnit(t);
  const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const coBooker = await newStaff(t, { unitId: unit.id, name: '余若蕾' });
  const approver = await newStaff(t, { name: '钱洁' });
  const undertakers = await Promise.all(Array.from({ length: o.undertakers ?? 2 }, (_x, i) => newStaff(t, { name: `承接${i + 1}` })));
  const room = await newRoom({ reviewRequired: o.reviewRequired ?? false, approverIds: [approver.id], undertakerIds: undertakers.map((u) => u.id) });
  return {
    unit,
    room,
    applicant,
    coBooker,
    approver,
    undertakers,
    me: await signInStaff(t, applicant.phone),
    co: await signInStaff(t, coBooker.phone),
    ap: await signInStaff(t, approver.phone),
    ut: await Promise.all(undertakers.map((u) => signInStaff(t, u.phone))),
  };
}
type Scene = Awaited<ReturnType<typeof scene>>;

const body = (s: Scene, day: string, from = '10:00', to = '11:30', extra: Record<string, unknown> = {}) => ({
  roomId: s.room.id,
  title: '季度工作例会',
  coBookerIds: [s.coBooker.id],
  settlementUnitId: s.unit.id,
  seating: '课桌式',
  headcount: 12,
  services: ['茶水'],
  remark: '请提前开空调',
  startAt: at(day, from),
  endAt: at(day, to),
  ...extra,
});
async function book(c: Client, b: Record<string, unknown>) {
  const res = await c.post('/api/bookings', b);
  if (res.statusCode !== 201) throw new Error(`book: ${res.body}`);
  return res.json();
}
/** Messages of one template the outbox holds for a phone (drains the queue first). */
async function outbox(phone: string, template: string) {
  await t.ctx.queue.drain();
  return (await t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, template)))).map((m) => m.content);
}
const row = async (id: string) => (await t.ctx.db.select().from(meetingBookings).where(eq(meetingBookings.id, id)))[0]!;

describe('API basics', () => {
  it('no staff session → 401 on every bookings endpoint', async () => {
    const c = new Client(t);
    const room = await newRoom();
    for (const [m, url] of [
      ['GET', '/api/bookings'],
      ['GET', `/api/rooms/${room.id}/week`],
      ['GET', `/api/rooms/${room.id}/day?date=2026-12-01`],
      ['POST', '/api/bookings'],
      ['GET', '/api/bookings/approvals/counts'],
    ] as const) {
      const res = await c.req(m, url, m === 'POST' ? {} : undefined);
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('bad input → 400 VALIDATION_FAILED (no co-booker, zero headcount, bad date)', async () => {
    const s = await scene();
    const day = nextDay();
    expect((await s.me.post('/api/bookings', body(s, day, '10:00', '11:00', { coBookerIds: [] }))).json().error.code).toBe('VALIDATION_FAILED');
    expect((await s.me.post('/api/bookings', body(s, day, '10:00', '11:00', { headcount: 0 }))).statusCode).toBe(400);
    expect((await s.me.get(`/api/rooms/${s.room.id}/day?date=2026-02-30`)).statusCode).toBe(400);
  });
});

describe('S4 会议预订', () => {
  it('a room without review: the booking is approved at once; the undertakers are asked (undertaking_request); audited', async () => {
    const s = await scene({ reviewRequired: false });
    const b = await book(s.me, body(s, nextDay()));
    expect(b).toMatchObject({
      status: 'approved',
      title: '季度工作例会',
      room: { id: s.room.id, name: '大会议室' },
      applicant: { id: s.applicant.id, name: '姜柠檬' },
      coBookers: [{ id: s.coBooker.id, name: '余若蕾' }],
      settlementUnit: { id: s.unit.id },
      seating: '课桌式',
      services: ['茶水'],
      headcount: 12,
      remark: '请提前开空调',
      actions: { cancel: true, invite: true, review: false, undertake: false },
    });
    for (const u of s.undertakers) expect((await outbox(u.phone, 'undertaking_request'))[0]).toContain('季度工作例会');
    expect(await outbox(s.approver.phone, 'booking_submitted')).toHaveLength(0);
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'booking.create'), eq(auditLog.targetId, b.id)));
    expect(a).toMatchObject({ actorId: s.applicant.id });
  });

  it('a room that needs review: the booking waits (pending) and the approvers are told (booking_submitted)', async () => {
    const s = await scene({ reviewRequired: true });
    const b = await book(s.me, body(s, nextDay()));
    expect(b.status).toBe('pending');
    expect(b.actions).toMatchObject({ cancel: true, invite: false });
    expect((await outbox(s.approver.phone, 'booking_submitted'))[0]).toContain('大会议室');
    expect(await outbox(s.undertakers[0]!.phone, 'undertaking_request')).toHaveLength(0);
  });

  it('an overlapping booking is refused with BOOKING_CONFLICT; a touching one is fine; a cancelled one frees the time', async () => {
    const s = await scene();
    const day = nextDay();
    const first = await book(s.me, body(s, day, '10:00', '11:00'));
    const clash = await s.co.post('/api/bookings', body(s, day, '10:45', '12:00', { coBookerIds: [s.applicant.id] }));
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('BOOKING_CONFLICT');
    expect((await book(s.co, body(s, day, '11:00', '12:00', { coBookerIds: [s.applicant.id] }))).status).toBe('approved');
    expect((await book(s.co, body(s, day, '09:00', '10:00', { coBookerIds: [s.applicant.id] }))).status).toBe('approved');
    await s.me.post(`/api/bookings/${first.id}/cancel`);
    expect((await book(s.co, body(s, day, '10:15', '10:45', { coBookerIds: [s.applicant.id] }))).status).toBe('approved');
  });

  it('a pending booking holds the room too; a rejected one frees it', async () => {
    const s = await scene({ reviewRequired: true });
    const day = nextDay();
    const b = await book(s.me, body(s, day));
    expect((await s.co.post('/api/bookings', body(s, day, '11:00', '11:15', { coBookerIds: [s.applicant.id] }))).json().error.code).toBe('BOOKING_CONFLICT');
    await s.ap.post(`/api/bookings/${b.id}/review`, { decision: 'reject' });
    expect((await book(s.co, body(s, day, '11:00', '11:15', { coBookerIds: [s.applicant.id] }))).status).toBe('pending');
  });

  it('concurrent submissions for overlapping times: exactly one wins, the rest get BOOKING_CONFLICT (EXCLUDE constraint)', async () => {
    const s = await scene();
    const day = nextDay();
    const others = await Promise.all(Array.from({ length: 5 }, () => newStaff(t, { unitId: s.unit.id })));
    const clients = [s.me, ...(await Promise.all(others.map((o) => signInStaff(t, o.phone))))];
    const results = await Promise.all(clients.map((c, i) => c.post('/api/bookings', body(s, day, i % 2 ? '10:30' : '10:00', i % 3 ? '12:00' : '11:00', { coBookerIds: [s.coBooker.id] }))));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const losers = results.filter((r) => r.statusCode !== 201);
    expect(losers.map((r) => [r.statusCode, r.json().error.code])).toEqual(Array(5).fill([409, 'BOOKING_CONFLICT']));
    expect(await t.ctx.db.select().from(meetingBookings).where(eq(meetingBookings.roomId, s.room.id))).toHaveLength(1);
  });

  it('a double submit with one idempotency key makes one booking (both answers are it)', async () => {
    const s = await scene();
    const b = body(s, nextDay(), '14:00', '15:00', { idempotencyKey: idem() });
    const [x, y] = await Promise.all([s.me.post('/api/bookings', b), s.me.post('/api/bookings', b)]);
    expect([x.statusCode, y.statusCode]).toEqual([201, 201]);
    expect(x.json().id).toBe(y.json().id);
    expect(await t.ctx.db.select().from(meetingBookings).where(eq(meetingBookings.roomId, s.room.id))).toHaveLength(1);
  });

  it.each([
    ['off the 15-minute grid', { from: '10:05', to: '11:00' }, 400, 'BOOKING_OFF_GRID'],
    ['before the room opens (08:00)', { from: '07:30', to: '09:00' }, 400, 'BOOKING_OUTSIDE_HOURS'],
    ['end before start', { from: '11:00', to: '10:00' }, 400, 'WINDOW_END_BEFORE_START'],
    ['headcount over capacity (30)', { extra: { headcount: 31 } }, 400, 'HEADCOUNT_OVER_CAPACITY'],
    ['a seating the room does not offer', { extra: { seating: '剧院式' } }, 400, 'BOOKING_SEATING_INVALID'],
    ['a service the room does not offer', { extra: { services: ['电脑'] } }, 400, 'BOOKING_SERVICE_INVALID'],
    ['a co-booker who does not exist', { extra: { coBookerIds: ['0190a000-0000-7000-8000-000000000000'] } }, 400, 'CO_BOOKER_INVALID'],
    ['a settlement unit that does not exist', { extra: { settlementUnitId: '0190a000-0000-7000-8000-000000000000' } }, 400, 'UNIT_NOT_FOUND'],
  ] as const)('rule: %s → %s %s, nothing stored', async (_n, o, status, code) => {
    const s = await scene();
    const res = await s.me.post('/api/bookings', body(s, nextDay(), 'from' in o ? o.from : '10:00', 'to' in o ? o.to : '11:00', 'extra' in o ? { ...o.extra } : {}));
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(await t.ctx.db.select().from(meetingBookings).where(eq(meetingBookings.roomId, s.room.id))).toHaveLength(0);
  });

  it('协同订会人员 prefilled with the applicant (as the manual’s form): accepted, the applicant is not stored as their own co-booker', async () => {
    const s = await scene();
    const alone = await s.me.post('/api/bookings', body(s, nextDay(), '10:00', '11:00', { coBookerIds: [s.applicant.id] }));
    expect(alone.statusCode).toBe(201);
    expect(alone.json()).toMatchObject({ applicant: { id: s.applicant.id }, coBookers: [] });
    const both = await s.me.post('/api/bookings', body(s, nextDay(), '12:00', '13:00', { coBookerIds: [s.applicant.id, s.coBooker.id] }));
    expect(both.statusCode).toBe(201);
    expect(both.json().coBookers.map((p: { id: string }) => p.id)).toEqual([s.coBooker.id]);
    const [row] = await t.ctx.db.select().from(meetingBookings).where(eq(meetingBookings.id, alone.json().id));
    expect(row!.coBookerIds).toEqual([]);
  });

  it('a time that has passed → BOOKING_IN_PAST (yesterday 10:00)', async () => {
    const s = await scene();
    const res = await s.me.post('/api/bookings', body(s, addDays(t.ctx.clock.today(), -1)));
    expect(res.json().error.code).toBe('BOOKING_IN_PAST');
  });

  it('a disabled room cannot be booked or viewed → 404 ROOM_NOT_FOUND', async () => {
    const s = await scene();
    await t.ctx.db.update(meetingRooms).set({ enabled: false }).where(eq(meetingRooms.id, s.room.id));
    expect((await s.me.post('/api/bookings', body(s, nextDay()))).json().error.code).toBe('ROOM_NOT_FOUND');
    expect((await s.me.get(`/api/rooms/${s.room.id}/week`)).statusCode).toBe(404);
  });
});

describe('week strip and day cells', () => {
  it('the week has 7 days from `from` with each day’s count and taken time within open hours', async () => {
    const s = await scene();
    const day = nextDay();
    await book(s.me, body(s, day, '10:00', '11:00'));
    await book(s.me, body(s, day, '11:00', '12:30'));
    await book(s.me, body(s, addDays(day, 2), '08:00', '09:00'));
    const w = (await s.co.get(`/api/rooms/${s.room.id}/week?from=${day}`)).json();
    expect(w.room).toMatchObject({ id: s.room.id, capacity: 30, openFrom: 480, openTo: 1440, slotMinutes: 15, seatingStyles: ['课桌式', '回字形'] });
    expect(w.today).toBe(t.ctx.clock.today());
    expect(w.days.map((d: { date: string }) => d.date)).toEqual(Array.from({ length: 7 }, (_x, i) => addDays(day, i)));
    expect(w.days.map((d: { count: number }) => d.count)).toEqual([2, 0, 1, 0, 0, 0, 0]);
    expect(w.days[0].taken).toEqual([{ startAt: at(day, '10:00'), endAt: at(day, '12:30'), fromMinute: 600, toMinute: 750 }]);
  });

  it('the week starts today by default', async () => {
    const s = await scene();
    const w = (await s.me.get(`/api/rooms/${s.room.id}/week`)).json();
    expect(w.days[0].date).toBe(t.ctx.clock.today());
  });

  it('day cells: taken cells show the title, and who booked only to the bookers (mine + bookingId); free otherwise', async () => {
    const s = await scene();
    const day = nextDay();
    const b = await book(s.me, body(s, day, '10:00', '10:30'));
    const stranger = await signInStaff(t, (await newStaff(t)).phone);
    const cellsOf = async (c: Client) => (await c.get(`/api/rooms/${s.room.id}/day?date=${day}`)).json().cells as Array<Record<string, unknown>>;
    const mineCells = await cellsOf(s.co);
    expect(mineCells).toHaveLength(64);
    const i = mineCells.findIndex((c) => c.startAt === at(day, '10:00'));
    expect(mineCells[i]).toEqual({ startAt: at(day, '10:00'), endAt: at(day, '10:15'), state: 'taken', title: '季度工作例会', mine: true, bookingId: b.id });
    expect(mineCells[i + 2]).toMatchObject({ state: 'free', title: null });
    const theirs = await cellsOf(stranger);
    expect(theirs[i]).toEqual({ startAt: at(day, '10:00'), endAt: at(day, '10:15'), state: 'taken', title: '季度工作例会', mine: false, bookingId: null });
    expect(JSON.stringify(theirs)).not.toContain(s.applicant.name);
  });

  it('today’s cells that have started are past (已失效)', async () => {
    const s = await scene();
    const cells = (await s.me.get(`/api/rooms/${s.room.id}/day?date=${t.ctx.clock.today()}`)).json().cells as Array<{ startAt: string; state: string }>;
    const now = t.ctx.clock.now().getTime();
    for (const c of cells) expect(c.state).toBe(new Date(c.startAt).getTime() < now ? 'past' : 'free');
  });
});

describe('S5 我的预订: list, detail, cancel', () => {
  it('the applicant and co-bookers see the booking in 我的预订 and its detail; a stranger gets 404', async () => {
    const s = await scene();
    const b = await book(s.me, body(s, nextDay()));
    for (const c of [s.me, s.co]) {
      const list = (await c.get('/api/bookings?tab=upcoming')).json();
      expect(list.items.map((x: { id: string }) => x.id)).toContain(b.id);
      expect((await c.get(`/api/bookings/${b.id}`)).statusCode).toBe(200);
    }
    const stranger = await signInStaff(t, (await newStaff(t)).phone);
    expect((await stranger.get(`/api/bookings/${b.id}`)).json().error.code).toBe('BOOKING_NOT_FOUND');
    expect((await stranger.get('/api/bookings?tab=all')).json().items).toHaveLength(0);
    expect((await stranger.post(`/api/bookings/${b.id}/cancel`)).statusCode).toBe(404);
  });

  it('tabs: upcoming holds live future bookings; a cancelled one moves to history; status filters', async () => {
    const s = await scene();
    const a = await book(s.me, body(s, nextDay()));
    const c = await book(s.me, body(s, nextDay()));
    await s.me.post(`/api/bookings/${c.id}/cancel`);
    const ids = async (q: string) => (await s.me.get(`/api/bookings?${q}`)).json().items.map((x: { id: string }) => x.id);
    expect(await ids('tab=upcoming')).toEqual([a.id]);
    expect(await ids('tab=history')).toEqual([c.id]);
    expect(await ids('tab=all&status=cancelled')).toEqual([c.id]);
    expect((await s.me.get('/api/bookings?tab=all')).json().total).toBe(2);
  });

  it('取消预订 cancels the meeting’s attendee orders in the same step and tells the undertakers (booking_cancelled)', async () => {
    const s = await scene();
    const b = await book(s.me, body(s, nextDay()));
    const guestPhone = randomPhone();
    const [order] = await t.ctx.db
      .insert(visitOrders)
      .values({ kind: 'meeting', status: 'confirmed', visitorPhone: guestPhone, inviteeName: '陈小春', hostId: s.applicant.id, unitId: s.unit.id, reason: '季度工作例会', startAt: new Date(b.startAt), endAt: new Date(b.endAt), meetingId: b.id, reviewRequired: false })
      .returning();
    const res = await s.co.post(`/api/bookings/${b.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', actions: { cancel: false, invite: false } });
    expect((await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, order!.id)))[0]).toMatchObject({ status: 'cancelled' });
    for (const u of s.undertakers) expect(await outbox(u.phone, 'booking_cancelled')).toHaveLength(1);
    expect((await s.me.post(`/api/bookings/${b.id}/cancel`)).json().error.code).toBe('BOOKING_NOT_CANCELLABLE');
  });

  it('a booking that has started cannot be cancelled', async () => {
    const s = await scene();
    const b = await book(s.me, body(s, nextDay()));
    const now = t.ctx.clock.now().getTime();
    await t.ctx.db.update(meetingBookings).set({ startAt: new Date(now - 15 * 60_000), endAt: new Date(now + 45 * 60_000) }).where(eq(meetingBookings.id, b.id));
    expect((await s.me.post(`/api/bookings/${b.id}/cancel`)).json().error.code).toBe('BOOKING_NOT_CANCELLABLE');
    expect((await s.me.get(`/api/bookings/${b.id}`)).json().actions).toMatchObject({ cancel: false, invite: false });
  });
});

describe('S8 会议室审核', () => {
  it('only the room’s approvers review: anyone else (even the applicant) gets 404; approve tells the applicant and asks the undertakers', async () => {
    const s = await scene({ reviewRequired: true });
    const b = await book(s.me, body(s, nextDay()));
    for (const c of [s.me, s.ut[0]!]) expect((await c.post(`/api/bookings/${b.id}/review`, { decision: 'approve' })).statusCode).toBe(404);
    expect((await s.ap.get('/api/bookings/approvals?tab=pending')).json().items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    expect((await s.ap.get('/api/bookings/approvals/counts')).json()).toEqual({ roomsPending: 1, undertakePending: 0 });
    const detail = (await s.ap.get(`/api/bookings/${b.id}`)).json();
    expect(detail.actions).toEqual({ cancel: false, invite: false, review: true, undertake: false });
    const res = (await s.ap.post(`/api/bookings/${b.id}/review`, { decision: 'approve', comment: '请准时' })).json();
    expect(res).toMatchObject({ status: 'approved', reviewer: { id: s.approver.id, name: '钱洁' }, reviewComment: '请准时' });
    expect((await outbox(s.applicant.phone, 'booking_approved'))[0]).toContain('请准时');
    for (const u of s.undertakers) expect(await outbox(u.phone, 'undertaking_request')).toHaveLength(1);
    expect((await s.ap.get('/api/bookings/approvals?tab=pending')).json().total).toBe(0);
    expect((await s.ap.get('/api/bookings/approvals?tab=done')).json().items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    expect((await s.ap.post(`/api/bookings/${b.id}/review`, { decision: 'reject' })).json().error.code).toBe('BOOKING_NOT_REVIEWABLE');
  });

  it('reject: the booking is rejected, the applicant told with the comment, the undertakers not asked', async () => {
    const s = await scene({ reviewRequired: true });
    const b = await book(s.me, body(s, nextDay()));
    expect((await s.ap.post(`/api/bookings/${b.id}/review`, { decision: 'reject', comment: '该时段有领导会议' })).json().status).toBe('rejected');
    expect((await outbox(s.applicant.phone, 'booking_rejected'))[0]).toContain('该时段有领导会议');
    expect(await outbox(s.undertakers[0]!.phone, 'undertaking_request')).toHaveLength(0);
  });
});

describe('S8 会议承接确认 and the 5-minute reminder', () => {
  it('undertakers list 待确认, confirm (确认承接) once; others get 404; it moves to 已确认', async () => {
    const s = await scene();
    const b = await book(s.me, body(s, nextDay()));
    const [u1, u2] = s.ut as [Client, Client];
    expect((await u1.get('/api/bookings/undertakings?tab=pending')).json().items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    expect((await u1.get('/api/bookings/approvals/counts')).json()).toEqual({ roomsPending: 0, undertakePending: 1 });
    expect((await s.me.post(`/api/bookings/${b.id}/undertake`)).statusCode).toBe(404);
    const done = (await u1.post(`/api/bookings/${b.id}/undertake`)).json();
    expect(done).toMatchObject({ undertaker: { id: s.undertakers[0]!.id, name: '承接1' }, actions: { undertake: false } });
    expect((await u2.post(`/api/bookings/${b.id}/undertake`)).json().error.code).toBe('BOOKING_NOT_UNDERTAKABLE');
    expect((await u2.get('/api/bookings/undertakings?tab=pending')).json().total).toBe(0);
    expect((await u2.get('/api/bookings/undertakings?tab=done')).json().items.map((x: { id: string }) => x.id)).toEqual([b.id]);
  });

  it('nobody confirms within 5 minutes of approval → each undertaker gets the voice reminder, once; not before 5 minutes', async () => {
    const s = await scene({ reviewRequired: true });
    const b = await book(s.me, body(s, nextDay()));
    const approvedAt = t.ctx.clock.now().getTime();
    await s.ap.post(`/api/bookings/${b.id}/review`, { decision: 'approve' });
    try {
      t.ctx.clock.set(new Date(approvedAt + 4 * 60_000));
      for (const u of s.undertakers) expect(await outbox(u.phone, 'undertaking_reminder')).toHaveLength(0);
      t.ctx.clock.set(new Date(approvedAt + 5 * 60_000 + 5_000));
      for (const u of s.undertakers) expect((await outbox(u.phone, 'undertaking_reminder'))[0]).toContain('尚无人确认承接');
      t.ctx.clock.set(new Date(approvedAt + 20 * 60_000));
      for (const u of s.undertakers) expect(await outbox(u.phone, 'undertaking_reminder')).toHaveLength(1);
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('an undertaker confirmed within 5 minutes → no reminder (booking approved at once)', async () => {
    const s = await scene({ reviewRequired: false });
    const start = t.ctx.clock.now().getTime();
    const b = await book(s.me, body(s, nextDay()));
    await s.ut[1]!.post(`/api/bookings/${b.id}/undertake`);
    try {
      t.ctx.clock.set(new Date(start + 6 * 60_000));
      for (const u of s.undertakers) expect(await outbox(u.phone, 'undertaking_reminder')).toHaveLength(0);
      expect((await row(b.id)).undertakenBy).toBe(s.undertakers[1]!.id);
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a booking still 待审核 when its meeting has ended is cancelled as expired by the scheduled job; an approved one is left alone', async () => {
    const s = await scene({ reviewRequired: true });
    const day = nextDay();
    const pending = await book(s.me, body(s, day, '09:00', '10:00'));
    const approved = await book(s.me, body(s, day, '10:00', '11:00'));
    await s.ap.post(`/api/bookings/${approved.id}/review`, { decision: 'approve' });
    const end = (await row(pending.id)).endAt.getTime();
    try {
      t.ctx.clock.set(new Date(end - 60_000));
      await t.ctx.queue.drain();
      expect((await row(pending.id)).status).toBe('pending'); // not before its end
      t.ctx.clock.set(new Date(end + 2 * 60_000));
      await t.ctx.queue.drain();
      expect(await row(pending.id)).toMatchObject({ status: 'cancelled', reviewComment: EXPIRED_COMMENT });
      expect((await row(approved.id)).status).toBe('approved');
      // (a new session: the clock moved past the old one's lifetime)
      expect((await (await signInStaff(t, s.applicant.phone)).get(`/api/bookings/${pending.id}`)).json()).toMatchObject({ status: 'cancelled', reviewComment: EXPIRED_COMMENT });
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a booking cancelled before the 5 minutes are up → no reminder', async () => {
    const s = await scene();
    const start = t.ctx.clock.now().getTime();
    const b = await book(s.me, body(s, nextDay()));
    await s.me.post(`/api/bookings/${b.id}/cancel`);
    try {
      t.ctx.clock.set(new Date(start + 6 * 60_000));
      expect(await outbox(s.undertakers[0]!.phone, 'undertaking_reminder')).toHaveLength(0);
    } finally {
      t.ctx.clock.set(null);
    }
  });
});

describe('协同订会人员 search', () => {
  it('finds staff by name or phone with unit and a masked phone, never oneself', async () => {
    const s = await scene();
    const hit = await newStaff(t, { unitId: s.unit.id, name: '黄波测试' });
    const byName = (await s.me.get(`/api/bookings/staff-search?q=${encodeURIComponent('黄波测')}`)).json().items;
    expect(byName).toEqual([{ id: hit.id, name: '黄波测试', unitName: s.unit.name, departmentName: null, phoneMasked: `${hit.phone.slice(0, 3)}****${hit.phone.slice(7)}` }]);
    expect((await s.me.get(`/api/bookings/staff-search?q=${hit.phone.slice(0, 7)}`)).json().items.map((x: { id: string }) => x.id)).toContain(hit.id);
    expect((await s.me.get(`/api/bookings/staff-search?q=${encodeURIComponent('姜柠檬')}`)).json().items.map((x: { id: string }) => x.id)).not.toContain(s.applicant.id);
    expect((await s.me.get('/api/bookings/staff-search?q=')).statusCode).toBe(400);
  });
});
