/**
 * Room bookings (S4 会议预订, S5 我的预订, S8 会议室审核 / 会议承接确认). Every method begins with the
 * access check (a booking the actor may not see is BOOKING_NOT_FOUND), writes in one transaction with
 * its audit event and notifications (jobs, sent after commit). Two live bookings of a room never
 * overlap: the EXCLUDE constraint `meeting_bookings_no_overlap` is the guard, mapped to BOOKING_CONFLICT.
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { meetingBookings, meetingRooms, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { BookingCard, BookingDetail, BookingInput, BookingListTab, BookingPerson, BookingReviewTab, BookingStatus } from '../../../../contracts/meetings.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { notifyVisit, type VisitEvent } from '../notify/notify.service.js';
import { windowVars } from '../../platform/when.js';
import { VisitsService } from '../visits/visits.service.js';
import { emitWebhookEvent } from '../webhooks/webhooks.hooks.js';
import { bookedBy } from '../../db/schema/index.js';
import { findRoom } from './room-calendar.service.js';
import {
  LIVE_STATUSES,
  UNDERTAKING_REMINDER_MS,
  canCancelBooking,
  canInvite,
  canReviewBooking,
  canUndertake,
  checkBooking,
  reminderDue,
} from './bookings.rules.js';

export type BookingRow = typeof meetingBookings.$inferSelect;
export type RoomRow = typeof meetingRooms.$inferSelect;
export interface Paged<T> {
  items: T[];
  total: number;
}
export interface ListQuery {
  tab: BookingListTab;
  status?: BookingStatus;
  page: number;
  pageSize: number;
}

export const REMINDER_JOB = 'bookings.undertaking_reminder';
export const reminderKey = (bookingId: string) => `bookings.undertaking_reminder:${bookingId}`;

function isExclusionViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23P01' || err?.cause?.code === '23P01';
}
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const mine = bookedBy;
const approverOf = (me: string) => sql`${me}::uuid = any(${meetingRooms.approverIds})`;
const undertakerOf = (me: string) => sql`${me}::uuid = any(${meetingRooms.undertakerIds})`;

/** The note an expired booking carries (shown as its review comment). */
export const EXPIRED_COMMENT = '会议结束前未审核，已过期';

export class BookingsService {
  constructor(private readonly ctx: AppContext) {}

  private get tz() {
    return this.ctx.config.TZ_CENTER;
  }
  private now() {
    return this.ctx.clock.now();
  }

  // ——— views ———

  private async people(tx: Tx, ids: string[]): Promise<Map<string, BookingPerson & { phone: string }>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows = await tx.select({ id: staff.id, name: staff.name, phone: staff.phone }).from(staff).where(inArray(staff.id, unique));
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async cards(tx: Tx, rows: BookingRow[]): Promise<BookingCard[]> {
    const roomIds = [...new Set(rows.map((b) => b.roomId))];
    const rooms = roomIds.length ? await tx.select().from(meetingRooms).where(inArray(meetingRooms.id, roomIds)) : [];
    const roomMap = new Map(rooms.map((r) => [r.id, r]));
    const ppl = await this.people(
      tx,
      rows.flatMap((b) => [b.applicantId, ...b.coBookerIds, ...(b.undertakenBy ? [b.undertakenBy] : [])]),
    );
    const person = (id: string): BookingPerson => ({ id, name: ppl.get(id)?.name ?? '' });
    return rows.map((b) => {
      const r = roomMap.get(b.roomId);
      return {
        id: b.id,
        room: { id: b.roomId, name: r?.name ?? '', location: r?.location ?? null },
        title: b.title,
        applicant: person(b.applicantId),
        coBookers: b.coBookerIds.map(person),
        startAt: b.startAt.toISOString(),
        endAt: b.endAt.toISOString(),
        status: b.status as BookingStatus,
        headcount: b.headcount,
        createdAt: b.createdAt.toISOString(),
        reviewedAt: iso(b.reviewedAt),
        undertakenAt: iso(b.undertakenAt),
        undertaker: b.undertakenBy ? person(b.undertakenBy) : null,
      };
    });
  }

  private roles(b: BookingRow, room: RoomRow, me: string) {
    const booker = b.applicantId === me || b.coBookerIds.includes(me);
    const approver = room.approverIds.includes(me);
    const undertaker = room.undertakerIds.includes(me);
    return { booker, approver, undertaker, any: booker || approver || undertaker };
  }

  /** The booking and its room, if the actor may see it (applicant, co-booker, the room's approvers and undertakers). */
  private async visible(tx: Tx, actor: Actor, id: string, forUpdate = false) {
    const q = tx.select().from(meetingBookings).where(eq(meetingBookings.id, id)).limit(1);
    const [b] = forUpdate ? await q.for('update') : await q;
    if (!b) throw new AppError('BOOKING_NOT_FOUND');
    const room = await findRoom(tx, b.roomId);
    const roles = this.roles(b, room, actor.id);
    if (!roles.any) throw new AppError('BOOKING_NOT_FOUND');
    return { b, room, roles };
  }

  private async detail(tx: Tx, actor: Actor, b: BookingRow, room: RoomRow): Promise<BookingDetail> {
    const [card] = await this.cards(tx, [b]);
    const [unit] = await tx.select({ id: units.id, name: units.name }).from(units).where(eq(units.id, b.settlementUnitId));
    const reviewer = b.reviewedBy ? (await this.people(tx, [b.reviewedBy])).get(b.reviewedBy) : undefined;
    const r = this.roles(b, room, actor.id);
    const now = this.now();
    return {
      ...card!,
      settlementUnit: { id: b.settlementUnitId, name: unit?.name ?? '' },
      seating: b.seating,
      services: b.services,
      remark: b.remark,
      reviewer: reviewer ? { id: reviewer.id, name: reviewer.name } : null,
      reviewComment: b.reviewComment,
      cancelledAt: iso(b.cancelledAt),
      actions: {
        cancel: r.booker && canCancelBooking(b, now),
        invite: r.booker && canInvite(b, now),
        review: r.approver && canReviewBooking(b, now),
        undertake: r.undertaker && canUndertake(b, now),
      },
    };
  }

  async get(actor: Actor, id: string): Promise<BookingDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { b, room } = await this.visible(tx, actor, id);
      return this.detail(tx, actor, b, room);
    });
  }

  // ——— notifications ———

  private async notify(tx: Tx, event: VisitEvent, b: BookingRow, room: RoomRow, recipientIds: string[], extra: Record<string, string> = {}) {
    const ppl = await this.people(tx, [b.applicantId, ...recipientIds]);
    const vars = {
      applicantName: ppl.get(b.applicantId)?.name ?? '',
      meetingTitle: b.title,
      roomName: room.name,
      ...windowVars(this.tz, b.startAt, b.endAt),
      ...extra,
    };
    for (const id of new Set(recipientIds)) {
      const p = ppl.get(id);
      if (p) await notifyVisit(this.ctx, tx, { event, orderId: b.id, recipient: { kind: 'staff', id, phone: p.phone }, vars, unitId: room.unitId ?? b.settlementUnitId });
    }
  }

  /** Approved (by review or at once): ask the undertakers, and call them if nobody confirms within 5 minutes. */
  private async afterApproval(tx: Tx, b: BookingRow, room: RoomRow, approvedAt: Date) {
    await emitWebhookEvent(this.ctx, tx, 'booking.approved', () => this.webhookData(tx, b, room, approvedAt));
    if (!room.undertakerIds.length) return;
    await this.notify(tx, 'undertaking_request', b, room, room.undertakerIds);
    await this.ctx.queue.enqueue(tx, { type: REMINDER_JOB, key: reminderKey(b.id), payload: { bookingId: b.id }, runAt: new Date(approvedAt.getTime() + UNDERTAKING_REMINDER_MS) });
  }

  /** `data.booking` of the booking.approved webhook (X8): no phone, as in every webhook. */
  private async webhookData(tx: Tx, b: BookingRow, room: RoomRow, approvedAt: Date) {
    const [applicant] = await tx.select({ name: staff.name }).from(staff).where(eq(staff.id, b.applicantId));
    const [unit] = await tx.select({ name: units.name }).from(units).where(eq(units.id, b.settlementUnitId));
    return {
      booking: {
        id: b.id,
        title: b.title,
        status: b.status,
        room: { id: room.id, name: room.name },
        applicant: { id: b.applicantId, name: applicant?.name ?? null },
        unit: { id: b.settlementUnitId, name: unit?.name ?? null },
        window: { startAt: b.startAt.toISOString(), endAt: b.endAt.toISOString() },
        headcount: b.headcount,
        approvedAt: approvedAt.toISOString(),
      },
    };
  }

  /** The reminder job: a voice call to each undertaker when the booking is still approved and not undertaken. */
  async remindUndertakers(bookingId: string): Promise<boolean> {
    return this.ctx.db.transaction(async (tx) => {
      const [b] = await tx.select().from(meetingBookings).where(eq(meetingBookings.id, bookingId)).limit(1);
      if (!b || !reminderDue(b, this.now())) return false;
      const room = await findRoom(tx, b.roomId);
      await this.notify(tx, 'undertaking_reminder', b, room, room.undertakerIds);
      return room.undertakerIds.length > 0;
    });
  }

  /**
   * A booking still 待审核 when its meeting has ended is cancelled as expired: nobody reviewed it
   * in time, and it must not stay 待审核 in 我的预订 for ever. Returns how many.
   */
  async expireDue(limit = 500): Promise<number> {
    return this.ctx.db.transaction(async (tx) => {
      const now = this.now();
      const due = await tx
        .select({ id: meetingBookings.id })
        .from(meetingBookings)
        .where(and(eq(meetingBookings.status, 'pending'), lt(meetingBookings.endAt, now)))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const { id } of due) {
        await tx.update(meetingBookings).set({ status: 'cancelled', cancelledAt: now, reviewComment: EXPIRED_COMMENT, updatedAt: now }).where(eq(meetingBookings.id, id));
        await audit(tx, { type: 'system', id: 'bookings.expire' }, 'booking.expire', { type: 'meeting_booking', id });
      }
      return due.length;
    });
  }

  // ——— S4: book ———

  async create(actor: Actor, input: BookingInput): Promise<BookingDetail> {
    const key = input.idempotencyKey ?? null;
    const existing = (tx: Tx) =>
      key
        ? tx
            .select({ id: meetingBookings.id })
            .from(meetingBookings)
            .where(and(eq(meetingBookings.applicantId, actor.id), eq(meetingBookings.idempotencyKey, key)))
            .limit(1)
            .then((r) => r[0]?.id)
        : Promise.resolve(undefined);
    let id: string;
    try {
      id = await this.ctx.db.transaction(async (tx) => {
        const again = await existing(tx);
        if (again) return again;
        const room = await findRoom(tx, input.roomId, { bookableBy: actor.id });
        const start = new Date(input.startAt);
        const end = new Date(input.endAt);
        if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new AppError('VALIDATION_FAILED', { field: 'startAt/endAt' });
        const now = this.now();
        const err = checkBooking({ start, end, now, headcount: input.headcount, room, tz: this.tz });
        if (err) throw new AppError(err);
        if (!room.seatingStyles.includes(input.seating)) throw new AppError('BOOKING_SEATING_INVALID', { seating: input.seating });
        const services = [...new Set(input.services)];
        const unknown = services.find((s) => !room.services.includes(s));
        if (unknown !== undefined) throw new AppError('BOOKING_SERVICE_INVALID', { service: unknown });
        // the form lists the applicant first (as the manual's screen prefills 协同订会人员): the applicant
        // stays the applicant, not their own co-booker
        const coBookerIds = [...new Set(input.coBookerIds)].filter((id) => id !== actor.id);
        const found = await tx.select({ id: staff.id }).from(staff).where(and(inArray(staff.id, coBookerIds), eq(staff.active, true), isNull(staff.deletedAt)));
        if (found.length !== coBookerIds.length) throw new AppError('CO_BOOKER_INVALID');
        const [unit] = await tx.select({ id: units.id }).from(units).where(eq(units.id, input.settlementUnitId));
        if (!unit) throw new AppError('UNIT_NOT_FOUND');
        const status = room.reviewRequired ? 'pending' : 'approved';
        const [b] = await tx
          .insert(meetingBookings)
          .values({
            roomId: room.id,
            title: input.title,
            applicantId: actor.id,
            coBookerIds,
            settlementUnitId: input.settlementUnitId,
            seating: input.seating,
            headcount: input.headcount,
            services,
            remark: input.remark?.trim() || null,
            startAt: start,
            endAt: end,
            status,
            idempotencyKey: key,
          })
          .returning();
        await audit(tx, actor, 'booking.create', { type: 'meeting_booking', id: b!.id }, { roomId: room.id, status, startAt: start.toISOString(), endAt: end.toISOString() });
        if (status === 'pending') await this.notify(tx, 'booking_submitted', b!, room, room.approverIds);
        else await this.afterApproval(tx, b!, room, now);
        return b!.id;
      });
    } catch (e) {
      if (!isExclusionViolation(e)) throw e;
      // a double submit of one form lost the race to its twin: answer the twin
      const twin = await existing(this.ctx.db);
      if (!twin) throw new AppError('BOOKING_CONFLICT');
      id = twin;
    }
    return this.get(actor, id);
  }

  // ——— S5: my bookings, cancel ———

  private async page(tx: Tx, where: SQL, order: SQL[], page: number, pageSize: number, joinRoom: boolean): Promise<Paged<BookingCard>> {
    const base = tx.select({ b: meetingBookings }).from(meetingBookings);
    const q = joinRoom ? base.innerJoin(meetingRooms, eq(meetingRooms.id, meetingBookings.roomId)) : base;
    const rows = await q.where(where).orderBy(...order).limit(pageSize).offset((page - 1) * pageSize);
    const cb = tx.select({ n: sql<number>`count(*)::int` }).from(meetingBookings);
    const [c] = await (joinRoom ? cb.innerJoin(meetingRooms, eq(meetingRooms.id, meetingBookings.roomId)) : cb).where(where);
    return { items: await this.cards(tx, rows.map((r) => r.b)), total: Number(c?.n ?? 0) };
  }

  async listMine(actor: Actor, q: ListQuery): Promise<Paged<BookingCard>> {
    const now = this.now();
    const upcoming = and(gt(meetingBookings.endAt, now), inArray(meetingBookings.status, [...LIVE_STATUSES]))!;
    const conds: SQL[] = [mine(actor.id)];
    if (q.tab === 'upcoming') conds.push(upcoming);
    if (q.tab === 'history') conds.push(sql`not (${upcoming})`);
    if (q.status) conds.push(eq(meetingBookings.status, q.status));
    const order = q.tab === 'upcoming' ? [asc(meetingBookings.startAt), asc(meetingBookings.id)] : [desc(meetingBookings.startAt), desc(meetingBookings.id)];
    return this.page(this.ctx.db, and(...conds)!, order, q.page, q.pageSize, false);
  }

  async cancel(actor: Actor, id: string): Promise<BookingDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { b, room, roles } = await this.visible(tx, actor, id, true);
      if (!roles.booker) throw new AppError('BOOKING_NOT_FOUND');
      const now = this.now();
      if (!canCancelBooking(b, now)) throw new AppError('BOOKING_NOT_CANCELLABLE');
      const [next] = await tx.update(meetingBookings).set({ status: 'cancelled', cancelledAt: now, updatedAt: now }).where(eq(meetingBookings.id, b.id)).returning();
      const attendees = await new VisitsService(this.ctx).cancelMeetingOrders(tx, b.id, actor);
      await audit(tx, actor, 'booking.cancel', { type: 'meeting_booking', id: b.id }, { from: b.status, attendeeOrdersCancelled: attendees });
      if (b.status === 'approved') await this.notify(tx, 'booking_cancelled', next!, room, room.undertakerIds);
      return this.detail(tx, actor, next!, room);
    });
  }

  // ——— S8: 会议室审核 ———

  async listApprovals(actor: Actor, tab: BookingReviewTab, page: number, pageSize: number): Promise<Paged<BookingCard>> {
    const now = this.now();
    const where =
      tab === 'pending'
        ? and(approverOf(actor.id), eq(meetingBookings.status, 'pending'), gt(meetingBookings.endAt, now))!
        : and(approverOf(actor.id), isNotNull(meetingBookings.reviewedAt))!;
    const order = tab === 'pending' ? [asc(meetingBookings.startAt), asc(meetingBookings.id)] : [desc(meetingBookings.reviewedAt), desc(meetingBookings.id)];
    return this.page(this.ctx.db, where, order, page, pageSize, true);
  }

  async review(actor: Actor, id: string, decision: 'approve' | 'reject', comment?: string | null): Promise<BookingDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { b, room, roles } = await this.visible(tx, actor, id, true);
      if (!roles.approver) throw new AppError('BOOKING_NOT_FOUND');
      const now = this.now();
      if (!canReviewBooking(b, now)) throw new AppError('BOOKING_NOT_REVIEWABLE');
      const status = decision === 'approve' ? 'approved' : 'rejected';
      const note = comment?.trim() || null;
      const [next] = await tx
        .update(meetingBookings)
        .set({ status, reviewedBy: actor.id, reviewedAt: now, reviewComment: note, updatedAt: now })
        .where(eq(meetingBookings.id, b.id))
        .returning();
      await audit(tx, actor, decision === 'approve' ? 'booking.approve' : 'booking.reject', { type: 'meeting_booking', id: b.id }, note ? { comment: note } : undefined);
      const bookers = [next!.applicantId];
      await this.notify(tx, decision === 'approve' ? 'booking_approved' : 'booking_rejected', next!, room, bookers, { comment: note ?? '' });
      if (decision === 'approve') await this.afterApproval(tx, next!, room, now);
      return this.detail(tx, actor, next!, room);
    });
  }

  // ——— S8: 会议承接确认 ———

  async listUndertakings(actor: Actor, tab: BookingReviewTab, page: number, pageSize: number): Promise<Paged<BookingCard>> {
    const now = this.now();
    const where =
      tab === 'pending'
        ? and(undertakerOf(actor.id), eq(meetingBookings.status, 'approved'), isNull(meetingBookings.undertakenAt), gt(meetingBookings.endAt, now))!
        : and(undertakerOf(actor.id), isNotNull(meetingBookings.undertakenAt))!;
    const order = tab === 'pending' ? [asc(meetingBookings.startAt), asc(meetingBookings.id)] : [desc(meetingBookings.undertakenAt), desc(meetingBookings.id)];
    return this.page(this.ctx.db, where, order, page, pageSize, true);
  }

  async undertake(actor: Actor, id: string): Promise<BookingDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { b, room, roles } = await this.visible(tx, actor, id, true);
      if (!roles.undertaker) throw new AppError('BOOKING_NOT_FOUND');
      const now = this.now();
      if (!canUndertake(b, now)) throw new AppError('BOOKING_NOT_UNDERTAKABLE');
      const [next] = await tx.update(meetingBookings).set({ undertakenBy: actor.id, undertakenAt: now, updatedAt: now }).where(eq(meetingBookings.id, b.id)).returning();
      await audit(tx, actor, 'booking.undertake', { type: 'meeting_booking', id: b.id });
      return this.detail(tx, actor, next!, room);
    });
  }

  /** 审批中心 badges: what waits in 会议室审核 待审核 and 会议承接确认 待确认. */
  async counts(actor: Actor): Promise<{ roomsPending: number; undertakePending: number }> {
    const [c] = await bookingBadges(this.ctx.db, actor.id, this.now());
    return { roomsPending: Number(c?.rooms ?? 0), undertakePending: Number(c?.undertake ?? 0) };
  }
}

/**
 * The badges in one statement (exported for the EXPLAIN test): per room this person approves or
 * undertakes, the bookings not yet over that wait — meeting_bookings_review / _undertake.
 */
export function bookingBadges(db: Tx, staffId: string, now: Date) {
  const n = (mineRoom: SQL, waiting: SQL) =>
    // nested, so that drizzle keeps the columns qualified
    sql<number>`${sql`(select count(*)::int from ${meetingRooms} join ${meetingBookings} on ${meetingBookings.roomId} = ${meetingRooms.id}
      where ${mineRoom} and ${waiting} and ${meetingBookings.endAt} > ${now.toISOString()}::timestamptz)`}`;
  return db
    .select({
      rooms: n(approverOf(staffId), sql`${meetingBookings.status} = 'pending'`),
      undertake: n(undertakerOf(staffId), sql`${meetingBookings.status} = 'approved' and ${meetingBookings.undertakenAt} is null`),
    })
    .from(sql`(select 1) as one`);
}
