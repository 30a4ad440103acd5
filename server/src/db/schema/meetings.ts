import { eq, or, sql, type SQL } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';
import { buildings, staff, units } from './org.js';

/**
 * Meeting rooms (A5). Open hours are minutes after local midnight in the center's zone
 * (480 = 08:00, 1440 = 24:00); bookings sit on a grid of `slot_minutes` (15).
 */
export const meetingRooms = pgTable(
  'meeting_rooms',
  {
    id: id(),
    name: text('name').notNull(),
    buildingId: uuid('building_id').references(() => buildings.id),
    /**
     * The unit whose room this is (局大会议室): listed and bookable for that unit's staff only, and
     * managed by its 单位管理员. Null: one of the center's shared rooms, for every unit's staff.
     */
    unitId: uuid('unit_id').references(() => units.id),
    floor: text('floor'),
    location: text('location'),
    capacity: integer('capacity').notNull(),
    /** encrypted private storage key of the room photo (not personal data, but one storage for all) */
    photoKey: text('photo_key'),
    /** 排位形式 offered: 课桌式, 剧院式, 回字形, U形, … */
    seatingStyles: text('seating_styles').array().notNull().default(sql`'{}'::text[]`),
    /** 会务需求 offered: 电视/投影, 电脑, 席签, 茶水, 矿泉水, … */
    services: text('services').array().notNull().default(sql`'{}'::text[]`),
    openFrom: integer('open_from').notNull().default(480),
    openTo: integer('open_to').notNull().default(1440),
    slotMinutes: integer('slot_minutes').notNull().default(15),
    /** 会议室审核: bookings wait for an approver when true, are approved at once when false */
    reviewRequired: boolean('review_required').notNull().default(false),
    approverIds: uuid('approver_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** 会议承接: staff who undertake (prepare) meetings in this room */
    undertakerIds: uuid('undertaker_ids').array().notNull().default(sql`'{}'::uuid[]`),
    enabled: boolean('enabled').notNull().default(true),
    sort: integer('sort').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('meeting_rooms_unit').on(t.unitId),
    check('meeting_rooms_capacity', sql`${t.capacity} > 0`),
    check('meeting_rooms_hours', sql`${t.openFrom} >= 0 and ${t.openTo} <= 1440 and ${t.openFrom} < ${t.openTo}`),
  ],
);

/**
 * Room bookings (S4). Two live bookings (pending/approved) of one room never overlap: an EXCLUDE
 * constraint (btree_gist) added by hand in migration 0004, so concurrent submissions can't both win.
 */
export const meetingBookings = pgTable(
  'meeting_bookings',
  {
    id: id(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => meetingRooms.id),
    /** 会议名称 */
    title: text('title').notNull(),
    applicantId: uuid('applicant_id')
      .notNull()
      .references(() => staff.id),
    /** 协同订会人员 */
    coBookerIds: uuid('co_booker_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** 结算单位 */
    settlementUnitId: uuid('settlement_unit_id')
      .notNull()
      .references(() => units.id),
    /** 排位形式 */
    seating: text('seating').notNull(),
    /** 人数 */
    headcount: integer('headcount').notNull(),
    /** 会务需求 chosen */
    services: text('services').array().notNull().default(sql`'{}'::text[]`),
    remark: text('remark'),
    startAt: tstz('start_at').notNull(),
    endAt: tstz('end_at').notNull(),
    /** pending (会议室审核) | approved | rejected | cancelled */
    status: text('status').notNull(),
    reviewedBy: uuid('reviewed_by'),
    reviewedAt: tstz('reviewed_at'),
    reviewComment: text('review_comment'),
    /** 会议承接确认 */
    undertakenBy: uuid('undertaken_by'),
    undertakenAt: tstz('undertaken_at'),
    cancelledAt: tstz('cancelled_at'),
    /** 会议邀约 details (S6): 会议类型, 主持人, 设备, 备注 */
    meetingType: text('meeting_type'),
    chair: text('chair'),
    devices: text('devices'),
    inviteRemark: text('invite_remark'),
    idempotencyKey: text('idempotency_key'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('meeting_bookings_room').on(t.roomId, t.startAt),
    index('meeting_bookings_applicant').on(t.applicantId, t.startAt),
    // bookedBy: the bookings a staff member co-books (co_booker_ids @> {id})
    index('meeting_bookings_co_bookers').using('gin', t.coBookerIds),
    // 审批中心 badges: 会议室审核 待审核 and 会议承接确认 待确认, per room, not yet over
    index('meeting_bookings_review').on(t.roomId, t.endAt).where(sql`${t.status} = 'pending'`),
    index('meeting_bookings_undertake').on(t.roomId, t.endAt).where(sql`${t.status} = 'approved' and ${t.undertakenAt} is null`),
    check('meeting_bookings_window', sql`${t.endAt} > ${t.startAt}`),
    check('meeting_bookings_headcount', sql`${t.headcount} > 0`),
  ],
);

/** SQL: the bookings where `staffId` is the applicant or a co-booker (the meeting's bookers) — used by meetings and the visits' badges alike. */
export const bookedBy = (staffId: string): SQL => or(eq(meetingBookings.applicantId, staffId), sql`${meetingBookings.coBookerIds} @> array[${staffId}::uuid]`)!;
