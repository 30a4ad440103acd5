/**
 * 会议邀约 (S6), 我的会议 (S7) and 会议邀约审核 (S8). Each attendee of a meeting is a visit order of
 * kind `meeting` (SPEC §2): internal attendees (staff) are confirmed at once; external ones get an
 * SMS link, register if unknown, submit, and are reviewed by the meeting's applicant or a co-booker
 * (the review itself is the visits module's POST /api/visits/:id/review). Confirmed attendees'
 * credentials go to the gates of the room's building (X4, the access module).
 */
import { and, asc, desc, eq, gte, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { buildings, meetingBookings, meetingRooms, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { isValidPhone, maskPhone } from '../../../../contracts/identity.js';
import type { CancelReason, OrderStatus } from '../../../../contracts/visits.js';
import type { VehicleStatus } from '../../../../contracts/vehicles.js';
import type { BookingStatus, InviteBody, MeetingAttendee, MeetingSummary } from '../../../../contracts/meetings.js';
import type { Actor } from '../identity/session.js';
import { audit } from '../audit/audit.js';
import { VisitsService } from '../visits/visits.service.js';
import { canInviteToMeeting, isMeetingBooker } from '../visits/visits.rules.js';
import { bookedBy } from '../../db/schema/index.js';

export type InviteInput = InviteBody;
type Attendee = MeetingAttendee;

const LIVE: OrderStatus[] = ['initiated', 'pending', 'confirmed', 'arrived'];

type BookingRow = typeof meetingBookings.$inferSelect;

export class MeetingInvitesService {
  private readonly visits: VisitsService;
  constructor(private readonly ctx: AppContext) {
    this.visits = new VisitsService(ctx);
  }

  private async loadBooking(tx: Tx, id: string, forUpdate = false): Promise<BookingRow | undefined> {
    const q = tx.select().from(meetingBookings).where(eq(meetingBookings.id, id)).limit(1);
    const [b] = forUpdate ? await q.for('update') : await q;
    return b;
  }

  /** The booking if the actor may see its meeting: a booker, or an invited internal attendee. */
  private async visibleBooking(tx: Tx, id: string, actor: Actor): Promise<BookingRow> {
    const b = await this.loadBooking(tx, id);
    if (!b) throw new AppError('NOT_FOUND');
    if (isMeetingBooker(actor.id, b)) return b;
    const [mine] = await tx
      .select({ id: visitOrders.id })
      .from(visitOrders)
      .where(and(eq(visitOrders.meetingId, b.id), eq(visitOrders.attendeeStaffId, actor.id), ne(visitOrders.status, 'cancelled')))
      .limit(1);
    if (!mine) throw new AppError('NOT_FOUND');
    return b;
  }

  private async summary(tx: Tx, b: BookingRow): Promise<MeetingSummary> {
    const [room] = await tx
      .select({ name: meetingRooms.name, floor: meetingRooms.floor, location: meetingRooms.location, building: buildings.name })
      .from(meetingRooms)
      .leftJoin(buildings, eq(buildings.id, meetingRooms.buildingId))
      .where(eq(meetingRooms.id, b.roomId));
    const [applicant] = await tx.select({ name: staff.name }).from(staff).where(eq(staff.id, b.applicantId));
    return {
      id: b.id,
      title: b.title,
      roomName: room?.name ?? '',
      location: [room?.building, room?.floor, room?.location].filter(Boolean).join(' ') || null,
      startAt: b.startAt.toISOString(),
      endAt: b.endAt.toISOString(),
      status: b.status as BookingStatus,
      applicantName: applicant?.name ?? '',
    };
  }

  private async attendeesOf(tx: Tx, b: BookingRow, viewer: Actor): Promise<Attendee[]> {
    const rows = await tx
      .select({
        id: visitOrders.id,
        attendeeStaffId: visitOrders.attendeeStaffId,
        inviteeName: visitOrders.inviteeName,
        visitorName: visitors.name,
        phone: visitOrders.visitorPhone,
        status: visitOrders.status,
        cancelReason: visitOrders.cancelReason,
        plate: visitOrders.plate,
        vehicleStatus: visitOrders.vehicleStatus,
        unitName: units.name,
        company: visitors.company,
      })
      .from(visitOrders)
      .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
      .leftJoin(staff, eq(staff.id, visitOrders.attendeeStaffId))
      .leftJoin(units, eq(units.id, staff.unitId))
      .where(eq(visitOrders.meetingId, b.id))
      .orderBy(asc(visitOrders.createdAt));
    const booker = isMeetingBooker(viewer.id, b);
    return rows.map((r) => ({
      orderId: r.id,
      type: r.attendeeStaffId ? 'internal' : 'external',
      name: r.visitorName ?? r.inviteeName ?? '',
      phoneMasked: maskPhone(r.phone),
      unitName: r.unitName ?? r.company ?? null,
      status: r.status as OrderStatus,
      cancelReason: r.cancelReason as CancelReason | null,
      plate: booker ? r.plate : null,
      vehicleStatus: (r.plate ? (r.vehicleStatus ?? 'pending') : 'none') as VehicleStatus,
      canReview: booker && r.status === 'pending' && !r.attendeeStaffId,
    }));
  }

  /** S6 会议邀约: invite internal and external attendees (any number of times, before the meeting starts). */
  async invite(actor: Actor, bookingId: string, input: InviteInput) {
    const external = input.external.map((e) => ({ name: e.name.trim(), phone: e.phone.trim() }));
    for (const e of external) if (!isValidPhone(e.phone)) throw new AppError('PHONE_INVALID', { phone: maskPhone(e.phone) });
    const internalIds = [...new Set(input.internal)];
    if (internalIds.length === 0 && external.length === 0) throw new AppError('MEETING_ATTENDEES_REQUIRED');
    return this.ctx.db.transaction(async (tx) => {
      // the booking row lock serialises invitations to one meeting (no attendee twice, capacity)
      const b = await this.loadBooking(tx, bookingId, true);
      if (!b || !isMeetingBooker(actor.id, b)) throw new AppError('NOT_FOUND');
      if (!canInviteToMeeting(b, this.ctx.clock.now())) throw new AppError('MEETING_NOT_INVITABLE');
      const people = internalIds.length
        ? await tx
            .select({ id: staff.id, name: staff.name, phone: staff.phone })
            .from(staff)
            .where(and(inArray(staff.id, internalIds), isNull(staff.deletedAt), eq(staff.active, true)))
        : [];
      if (people.length !== internalIds.length) throw new AppError('STAFF_NOT_FOUND');
      const [room] = await tx.select({ name: meetingRooms.name, capacity: meetingRooms.capacity }).from(meetingRooms).where(eq(meetingRooms.id, b.roomId));
      const [applicant] = await tx.select({ unitId: staff.unitId }).from(staff).where(eq(staff.id, b.applicantId));
      const ref = { id: b.id, title: b.title, roomName: room?.name ?? '', applicantId: b.applicantId, applicantUnitId: applicant!.unitId, startAt: b.startAt, endAt: b.endAt };
      let added = 0;
      for (const p of people) if (await this.visits.addMeetingAttendee(tx, ref, { staffId: p.id, name: p.name, phone: p.phone }, actor)) added++;
      for (const e of external) if (await this.visits.addMeetingAttendee(tx, ref, e, actor)) added++;
      const [{ n }] = (await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(visitOrders)
        .where(and(eq(visitOrders.meetingId, b.id), inArray(visitOrders.status, LIVE)))) as [{ n: number }];
      if (room && Number(n) > room.capacity) throw new AppError('MEETING_FULL', { capacity: room.capacity });
      await tx
        .update(meetingBookings)
        .set({
          meetingType: input.meetingType ?? b.meetingType,
          chair: input.chair ?? b.chair,
          devices: input.devices ?? b.devices,
          inviteRemark: input.remark ?? b.inviteRemark,
          updatedAt: this.ctx.clock.now(),
        })
        .where(eq(meetingBookings.id, b.id));
      await audit(tx, actor, 'meeting.invite', { type: 'meeting_booking', id: b.id }, { internal: people.length, external: external.length, added });
      return { added, skipped: people.length + external.length - added, attendees: await this.attendeesOf(tx, b, actor) };
    });
  }

  /** 参会人员 of one meeting: its bookers and its internal attendees may see the list (phones masked). */
  async attendees(actor: Actor, bookingId: string) {
    return this.ctx.db.transaction(async (tx) => {
      const b = await this.visibleBooking(tx, bookingId, actor);
      await audit(tx, actor, 'meeting.attendees.read', { type: 'meeting_booking', id: b.id });
      return { items: await this.attendeesOf(tx, b, actor) };
    });
  }

  /** One meeting as its bookers and attendees see it (S7 detail). */
  async meeting(actor: Actor, bookingId: string) {
    return this.ctx.db.transaction(async (tx) => {
      const b = await this.visibleBooking(tx, bookingId, actor);
      const coBookers = b.coBookerIds.length ? await tx.select({ name: staff.name }).from(staff).where(inArray(staff.id, b.coBookerIds)) : [];
      const attendees = await this.attendeesOf(tx, b, actor);
      const mine = await tx
        .select({ id: visitOrders.id, status: visitOrders.status })
        .from(visitOrders)
        .where(and(eq(visitOrders.meetingId, b.id), eq(visitOrders.attendeeStaffId, actor.id)))
        .orderBy(desc(visitOrders.createdAt))
        .limit(1);
      const booker = isMeetingBooker(actor.id, b);
      return {
        ...(await this.summary(tx, b)),
        coBookerNames: coBookers.map((c) => c.name),
        meetingType: b.meetingType,
        chair: b.chair,
        devices: b.devices,
        remark: b.inviteRemark,
        myStatus: (mine[0]?.status as OrderStatus | undefined) ?? null,
        isBooker: booker,
        canInvite: booker && canInviteToMeeting(b, this.ctx.clock.now()),
        attendees,
      };
    });
  }

  /** S7 我的会议: meetings I am invited to as an internal attendee (upcoming: not ended yet). */
  async myMeetings(actor: Actor, q: { tab: 'upcoming' | 'history'; page: number; pageSize: number }) {
    return this.ctx.db.transaction(async (tx) => {
      const now = this.ctx.clock.now();
      const where = and(
        eq(visitOrders.attendeeStaffId, actor.id),
        eq(visitOrders.kind, 'meeting'),
        q.tab === 'upcoming' ? gte(meetingBookings.endAt, now) : lt(meetingBookings.endAt, now),
      );
      const base = tx
        .select({ booking: meetingBookings, orderStatus: visitOrders.status, orderId: visitOrders.id })
        .from(visitOrders)
        .innerJoin(meetingBookings, eq(meetingBookings.id, visitOrders.meetingId))
        .where(where);
      const rows = await base.orderBy(q.tab === 'upcoming' ? asc(meetingBookings.startAt) : desc(meetingBookings.startAt)).limit(q.pageSize).offset((q.page - 1) * q.pageSize);
      const [{ n }] = (await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(visitOrders)
        .innerJoin(meetingBookings, eq(meetingBookings.id, visitOrders.meetingId))
        .where(where)) as [{ n: number }];
      const items = [];
      for (const r of rows) items.push({ ...(await this.summary(tx, r.booking)), orderId: r.orderId, myStatus: r.orderStatus as OrderStatus });
      return { items, total: Number(n) };
    });
  }

  /**
   * 会议邀约审核: meetings I booked (or co-booked) that have external attendees, with progress
   * (参会人员 confirmed/total, 车辆审核 plates confirmed/total) and the attendees to review.
   * 待处理: some attendee waits for review; 已处理: none waits.
   */
  async approvals(actor: Actor, q: { tab: 'pending' | 'done'; page: number; pageSize: number }) {
    return this.ctx.db.transaction(async (tx) => {
      const mine = bookedBy(actor.id);
      const hasExternal = sql`exists (select 1 from ${visitOrders} o where o.meeting_id = ${meetingBookings.id} and o.attendee_staff_id is null)`;
      const hasPending = sql`exists (select 1 from ${visitOrders} o where o.meeting_id = ${meetingBookings.id} and o.attendee_staff_id is null and o.status = 'pending')`;
      const where = and(mine, hasExternal, q.tab === 'pending' ? hasPending : sql`not ${hasPending}`);
      const rows = await tx
        .select()
        .from(meetingBookings)
        .where(where)
        .orderBy(q.tab === 'pending' ? asc(meetingBookings.startAt) : desc(meetingBookings.startAt))
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize);
      const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(meetingBookings).where(where)) as [{ n: number }];
      const items = [];
      for (const b of rows) {
        const attendees = (await this.attendeesOf(tx, b, actor)).filter((a) => a.type === 'external');
        const counted = attendees.filter((a) => a.status !== 'cancelled' || a.cancelReason === 'rejected');
        const withPlate = counted.filter((a) => a.plate);
        items.push({
          ...(await this.summary(tx, b)),
          progress: {
            attendees: { done: counted.filter((a) => a.status === 'confirmed' || a.status === 'arrived').length, total: counted.length },
            // 车辆审核 n/m: plates approved by the unit's vehicle reviewers / plates given
            vehicles: { done: withPlate.filter((a) => a.vehicleStatus === 'approved').length, total: withPlate.length },
          },
          pending: attendees.filter((a) => a.status === 'pending').length,
          attendees,
        });
      }
      await audit(tx, actor, 'meeting.approvals.list', { type: 'meeting_booking' }, { tab: q.tab, count: items.length });
      return { items, total: Number(n) };
    });
  }
}
