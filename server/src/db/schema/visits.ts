import { sql, type SQL } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid, bigserial, jsonb, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';
import { staff, units } from './org.js';
import { visitors } from './visitors.js';

/**
 * Visit orders (单据, SPEC §2): one person's permission to visit one host in one window.
 * A main order (parent_id null) may have sub orders (origin companion / help_fill / forward_fill);
 * subs never have subs (checked here and in the rules).
 */
export const visitOrders = pgTable(
  'visit_orders',
  {
    id: id(),
    /** appointment | invitation | meeting | walk_in */
    kind: text('kind').notNull(),
    parentId: uuid('parent_id'),
    /** null for a main order; companion | help_fill | forward_fill for a sub */
    origin: text('origin'),
    /** initiated | pending | confirmed | arrived | cancelled */
    status: text('status').notNull(),
    /** rejected | withdrawn_by_visitor | withdrawn_by_host | cascaded | expired */
    cancelReason: text('cancel_reason'),
    /** null while an unknown person has not registered yet (status initiated) */
    visitorId: uuid('visitor_id').references(() => visitors.id),
    visitorPhone: text('visitor_phone').notNull(),
    /** details typed by whoever created the order for a not-yet-registered person (prefill) */
    inviteeName: text('invitee_name'),
    inviteeIdType: text('invitee_id_type'),
    inviteeIdNumberEnc: text('invitee_id_number_enc'),
    inviteeCompany: text('invitee_company'),
    inviteePosition: text('invitee_position'),
    hostId: uuid('host_id')
      .notNull()
      .references(() => staff.id),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    reason: text('reason').notNull(),
    remark: text('remark'),
    startAt: tstz('start_at').notNull(),
    endAt: tstz('end_at').notNull(),
    plate: text('plate'),
    /** 车辆通行状态 of the plate: null (no plate) | pending | approved | rejected (S8 车辆审核) */
    vehicleStatus: text('vehicle_status'),
    vehicleReviewedBy: uuid('vehicle_reviewed_by'),
    vehicleReviewedAt: tstz('vehicle_reviewed_at'),
    vehicleComment: text('vehicle_comment'),
    /** a barrier saw the vehicle come in / go out */
    vehicleInAt: tstz('vehicle_in_at'),
    vehicleOutAt: tstz('vehicle_out_at'),
    /** invitation: 邀约审核 需要审核 (true) / 不需要审核 (false) */
    reviewRequired: boolean('review_required').notNull().default(true),
    /** invitation: 限制同行人员数量 — at most this many subs of all origins (null: no limit) */
    companionLimit: integer('companion_limit'),
    /** visitor who created it (appointment main, help_fill) or forwarded the link (forward_fill: 转发邀请人) */
    createdByVisitorId: uuid('created_by_visitor_id'),
    createdByStaffId: uuid('created_by_staff_id'),
    /** the approval chain step now waiting: 0 = host, 1..n = order_chain_steps.position */
    chainStep: integer('chain_step').notNull().default(0),
    /**
     * The node of step `chain_step` (> 0), copied from order_chain_steps when the order moves to it
     * (null at step 0): a person node's staff, or a role node's role (held in the order's unit).
     * What 审批中心 counts and lists by (visit_orders_review_node / _role); the steps stay the record.
     */
    chainStaffId: uuid('chain_staff_id'),
    chainRole: text('chain_role'),
    submittedAt: tstz('submitted_at'),
    decidedAt: tstz('decided_at'),
    arrivedAt: tstz('arrived_at'),
    /** how the visitor came in: gate | kiosk (contracts/lobby.ts) */
    arrivedVia: text('arrived_via'),
    /** the gate's or kiosk's name */
    arrivedWhere: text('arrived_where'),
    leftAt: tstz('left_at'),
    /** how the visitor left: gate | kiosk | auto */
    leftVia: text('left_via'),
    leftWhere: text('left_where'),
    /** when the host and reception were told that the visitor overstays (told once) */
    overstayNotifiedAt: tstz('overstay_notified_at'),
    /** client-supplied key so that a double submit creates one order */
    idempotencyKey: text('idempotency_key'),
    /** kind meeting: the booking (meeting_bookings.id) this attendee order belongs to */
    meetingId: uuid('meeting_id'),
    /** kind meeting, internal attendee: the staff member (confirmed at once, SPEC §2) */
    attendeeStaffId: uuid('attendee_staff_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('visit_orders_visitor').on(t.visitorId, t.startAt),
    index('visit_orders_host').on(t.hostId, t.startAt),
    // 记录查询 (A8): orders by their start, newest first (keyset pages of the export), and per unit
    index('visit_orders_start').on(t.startAt, t.id),
    index('visit_orders_unit_start').on(t.unitId, t.startAt),
    index('visit_orders_parent').on(t.parentId),
    index('visit_orders_meeting').on(t.meetingId).where(sql`${t.meetingId} is not null`),
    // 车辆审核 待审核 (list and badge): the plates waiting, per unit
    index('visit_orders_vehicle_pending').on(t.unitId, t.createdAt).where(sql`${t.vehicleStatus} = 'pending' and ${t.status} <> 'cancelled'`),
    // 审批中心 待处理 (list and badge), one index per branch: the host's step, a person node, a role node
    index('visit_orders_review_host').on(t.hostId).where(sql`${awaitingReview(t)} and ${t.chainStep} = 0`),
    index('visit_orders_review_node').on(t.chainStaffId).where(sql`${awaitingReview(t)} and ${t.chainStep} > 0`),
    index('visit_orders_review_role').on(t.unitId, t.chainRole).where(sql`${awaitingReview(t)} and ${t.chainStep} > 0`),
    // 会议邀约审核: attendees waiting for the meeting's bookers
    index('visit_orders_meeting_pending').on(t.meetingId).where(sql`${t.status} = 'pending' and ${t.kind} = 'meeting'`),
    // the kiosk finds today's orders by phone (K2), registered or not
    index('visit_orders_phone').on(t.visitorPhone, t.startAt),
    index('visit_orders_phone_initiated').on(t.visitorPhone).where(sql`${t.status} = 'initiated'`),
    index('visit_orders_pending_end').on(t.endAt).where(sql`${t.status} in ('initiated','pending')`),
    // the orders of today and later (admin 首页 counts today's visits): end_at past the start of today
    index('visit_orders_end').on(t.endAt),
    // who is on site now (在场访客, overstay and automatic check-out sweeps)
    index('visit_orders_on_site').on(t.endAt).where(sql`${t.status} = 'arrived' and ${t.leftAt} is null`),
    // the same two for one unit (a 单位管理员's 首页): without them the planner ANDs the small partial
    // index with visit_orders_unit_start, reading every order the unit ever had (44,000 at P4, 5 ms)
    index('visit_orders_on_site_unit').on(t.unitId, t.endAt).where(sql`${t.status} = 'arrived' and ${t.leftAt} is null`),
    index('visit_orders_pending_end_unit').on(t.unitId, t.endAt).where(sql`${t.status} in ('initiated','pending')`),
    uniqueIndex('visit_orders_idempotency').on(t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    check('visit_orders_window', sql`${t.endAt} > ${t.startAt}`),
    check('visit_orders_sub_origin', sql`(${t.parentId} is null) = (${t.origin} is null)`),
    check('visit_orders_cancel_reason', sql`(${t.status} = 'cancelled') = (${t.cancelReason} is not null)`),
  ],
);

/**
 * SQL: the order waits for a review in 审批中心 — pending, and reviewed by its host and chain by the
 * review-rules table (visits.rules.ts reviewPolicy 'host_chain' or 'host'): not a sub that follows
 * its main (invitation subs, companions), not an invitation without 需要审核, not a meeting attendee
 * (会议邀约审核 counts those). The partial indexes visit_orders_review_* are defined with this very
 * text, so that a query written with it can use them.
 */
export function awaitingReview(t: { status: AnyPgColumn; kind: AnyPgColumn; parentId: AnyPgColumn; origin: AnyPgColumn; reviewRequired: AnyPgColumn }): SQL {
  return sql`${t.status} = 'pending' and ${t.kind} <> 'meeting' and not (${t.parentId} is not null and (${t.kind} = 'invitation' or ${t.origin} = 'companion')) and not (${t.kind} = 'invitation' and ${t.reviewRequired} = false)`;
}

/** Every status change and review decision (who, when, from, to, reason, comment). */
export const orderTransitions = pgTable(
  'order_transitions',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    at: tstz('at').notNull(),
    /** visitor | staff | admin | kiosk | system */
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    /** the capacity in which they acted: visitor | host | chain_node | system | desk */
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason'),
    comment: text('comment'),
  },
  (t) => [index('order_transitions_order').on(t.orderId, t.seq)],
);

/** Approval chains (X3, A6): per unit and order kind, ordered nodes and CC recipients. */
export const approvalChains = pgTable(
  'approval_chains',
  {
    id: id(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    kind: text('kind').notNull(),
    /** [{type:'person', staffId} | {type:'role', role}] in order */
    nodes: jsonb('nodes').notNull().default(sql`'[]'::jsonb`),
    ccStaffIds: uuid('cc_staff_ids').array().notNull().default(sql`'{}'::uuid[]`),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('approval_chains_unit_kind').on(t.unitId, t.kind)],
);

/** The chain as it stood when the order was submitted (later edits don't move orders in flight). */
export const orderChainSteps = pgTable(
  'order_chain_steps',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    position: integer('position').notNull(),
    nodeType: text('node_type').notNull(),
    staffId: uuid('staff_id'),
    role: text('role'),
    /** waiting | approved | rejected */
    status: text('status').notNull().default('waiting'),
    decidedBy: uuid('decided_by'),
    decidedAt: tstz('decided_at'),
    comment: text('comment'),
  },
  (t) => [uniqueIndex('order_chain_steps_pk').on(t.orderId, t.position), index('order_chain_steps_staff').on(t.staffId)],
);

export const orderCc = pgTable(
  'order_cc',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    staffId: uuid('staff_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('order_cc_pk').on(t.orderId, t.staffId), index('order_cc_staff').on(t.staffId)],
);

/** Single-use record of the former signed (JWT) link tokens, verified until the last one expires (decision 0011). */
export const linkTokenUses = pgTable('link_token_uses', {
  jti: text('jti').primaryKey(),
  usedAt: tstz('used_at').notNull(),
  orderId: uuid('order_id'),
});

/**
 * Short SMS links (/l/<code>): an opaque random code, stored only as its SHA-256, for one purpose
 * and one order (companion / invitation / meeting: one phone too, and used once; forward: reusable
 * until it expires).
 */
export const shortLinks = pgTable(
  'short_links',
  {
    codeHash: text('code_hash').primaryKey(),
    /** companion | invitation | meeting | forward */
    purpose: text('purpose').notNull(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    phone: text('phone'),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('short_links_order').on(t.orderId)],
);

/** Notification templates per event (A4). */
export const notificationTemplates = pgTable('notification_templates', {
  event: text('event').primaryKey(),
  /** sms | voice | none */
  channel: text('channel').notNull().default('sms'),
  content: text('content').notNull(),
  appendCodeLink: boolean('append_code_link').notNull().default(false),
  enabled: boolean('enabled').notNull().default(true),
  updatedAt: updatedAt(),
});

/**
 * A unit's own wording of an event's message (A4, decision 0015): used for that unit's orders,
 * bookings and personnel requests instead of the center's template; deleting the row goes back to
 * the center's. Edited by the unit's 单位管理员 or a 系统管理员.
 */
export const unitNotificationTemplates = pgTable(
  'unit_notification_templates',
  {
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    channel: text('channel').notNull().default('sms'),
    content: text('content').notNull(),
    appendCodeLink: boolean('append_code_link').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('unit_notification_templates_unit_event').on(t.unitId, t.event)],
);


/**
 * Kiosk check-ins and check-outs (K2): one row per attempt, keyed by the kiosk's idempotency key so
 * that a retried or replayed (offline) attempt is applied once and answers what the first did.
 */
export const kioskChecks = pgTable(
  'kiosk_checks',
  {
    id: id(),
    deviceId: uuid('device_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** check_in | check_out */
    kind: text('kind').notNull(),
    at: tstz('at').notNull(),
    /** offline: when it happened at the kiosk */
    occurredAt: tstz('occurred_at'),
    temperature: text('temperature'),
    healthCode: text('health_code'),
    /** [{ orderId, ok, refusal }] */
    results: jsonb('results').notNull(),
  },
  (t) => [uniqueIndex('kiosk_checks_key').on(t.deviceId, t.idempotencyKey)],
);
