/**
 * A room's calendar for the staff app (S4 会议预订): the week strip with what is taken each day, the
 * day's bookable cells, and the 协同订会人员 picker — reads only. A room the staff member may not book
 * is ROOM_NOT_FOUND (findRoom, shared with the bookings use cases).
 */
import { and, asc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { buildings, departments, meetingBookings, meetingRooms, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { maskPhone } from '../../../../contracts/identity.js';
import type { BookingRoom, RoomDay, RoomWeek, StaffHit } from '../../../../contracts/meetings.js';
import type { Actor } from '../identity/session.js';
import { staffUnitOf } from './rooms.service.js';
import { LIVE_STATUSES, addDays, atMinute, dayCells, dayIn, takenSpans } from './bookings.rules.js';

type RoomRow = typeof meetingRooms.$inferSelect;

/**
 * The room, or ROOM_NOT_FOUND. `bookableBy`: only a room that staff member may book — enabled,
 * and shared or their own unit's (another unit's room is as if it did not exist).
 */
export async function findRoom(tx: Tx, id: string, opts: { bookableBy?: string } = {}): Promise<RoomRow> {
  const [room] = await tx.select().from(meetingRooms).where(eq(meetingRooms.id, id)).limit(1);
  if (!room) throw new AppError('ROOM_NOT_FOUND');
  if (opts.bookableBy) {
    if (!room.enabled) throw new AppError('ROOM_NOT_FOUND');
    if (room.unitId && room.unitId !== (await staffUnitOf(tx, opts.bookableBy))) throw new AppError('ROOM_NOT_FOUND');
  }
  return room;
}


export class RoomCalendarService {
  constructor(private readonly ctx: AppContext) {}

  private get tz() {
    return this.ctx.config.TZ_CENTER;
  }
  private now() {
    return this.ctx.clock.now();
  }


  private async roomView(r: RoomRow): Promise<BookingRoom> {
    const [b] = r.buildingId ? await this.ctx.db.select({ name: buildings.name }).from(buildings).where(eq(buildings.id, r.buildingId)) : [];
    return {
      id: r.id,
      name: r.name,
      buildingName: b?.name ?? null,
      floor: r.floor,
      location: r.location,
      capacity: r.capacity,
      seatingStyles: r.seatingStyles,
      services: r.services,
      openFrom: r.openFrom,
      openTo: r.openTo,
      slotMinutes: r.slotMinutes,
      reviewRequired: r.reviewRequired,
    };
  }

  private liveBetween(tx: Tx, roomId: string, from: Date, to: Date) {
    return tx
      .select({ id: meetingBookings.id, title: meetingBookings.title, startAt: meetingBookings.startAt, endAt: meetingBookings.endAt, applicantId: meetingBookings.applicantId, coBookerIds: meetingBookings.coBookerIds })
      .from(meetingBookings)
      .where(and(eq(meetingBookings.roomId, roomId), inArray(meetingBookings.status, [...LIVE_STATUSES]), lt(meetingBookings.startAt, to), gt(meetingBookings.endAt, from)))
      .orderBy(asc(meetingBookings.startAt));
  }

  async week(actor: Actor, roomId: string, from?: string): Promise<RoomWeek> {
    const room = await findRoom(this.ctx.db, roomId, { bookableBy: actor.id });
    const today = dayIn(this.now(), this.tz);
    const first = from ?? today;
    const days = Array.from({ length: 7 }, (_x, i) => addDays(first, i));
    const rows = await this.liveBetween(this.ctx.db, room.id, atMinute(first, 0, this.tz), atMinute(days[6]!, 1440, this.tz));
    return {
      room: await this.roomView(room),
      today,
      days: days.map((date) => {
        const open = atMinute(date, room.openFrom, this.tz);
        const close = atMinute(date, room.openTo, this.tz);
        const that = rows.filter((b) => b.startAt < close && b.endAt > open);
        return {
          date,
          count: that.length,
          taken: takenSpans({ day: date, room, bookings: that, tz: this.tz }).map((s) => ({ startAt: s.startAt.toISOString(), endAt: s.endAt.toISOString(), fromMinute: s.fromMinute, toMinute: s.toMinute })),
        };
      }),
    };
  }

  async day(actor: Actor, roomId: string, date: string): Promise<RoomDay> {
    const room = await findRoom(this.ctx.db, roomId, { bookableBy: actor.id });
    const rows = await this.liveBetween(this.ctx.db, room.id, atMinute(date, 0, this.tz), atMinute(date, 1440, this.tz));
    const bookings = rows.map((b) => ({ id: b.id, title: b.title, startAt: b.startAt, endAt: b.endAt, mine: b.applicantId === actor.id || b.coBookerIds.includes(actor.id) }));
    return {
      room: await this.roomView(room),
      date,
      cells: dayCells({ day: date, room, now: this.now(), bookings, tz: this.tz }).map((c) => ({
        startAt: c.startAt.toISOString(),
        endAt: c.endAt.toISOString(),
        state: c.state,
        title: c.booking?.title ?? null,
        mine: c.booking?.mine ?? false,
        bookingId: c.booking?.mine ? c.booking.id : null,
      })),
    };
  }

  // ——— 协同订会人员 picker ———

  async staffSearch(actor: Actor, q: string): Promise<{ items: StaffHit[] }> {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.ctx.db
      .select({ id: staff.id, name: staff.name, phone: staff.phone, unitName: units.name, departmentName: departments.name })
      .from(staff)
      .innerJoin(units, eq(units.id, staff.unitId))
      .leftJoin(departments, eq(departments.id, staff.departmentId))
      .where(and(eq(staff.active, true), isNull(staff.deletedAt), ne(staff.id, actor.id), or(sql`${staff.name} ilike ${like}`, sql`${staff.phone} like ${`${q.replace(/\D/g, '') || '-'}%`}`)))
      .orderBy(asc(staff.name), asc(staff.id))
      .limit(20);
    return { items: rows.map((r) => ({ id: r.id, name: r.name, unitName: r.unitName, departmentName: r.departmentName, phoneMasked: maskPhone(r.phone) })) };
  }
}
