/**
 * The visit-order rules of SPEC §2, pure: the state machine, who reviews what, how subs follow
 * their main, the companion limit and the window rules. No I/O; exhaustively tested.
 */
import type { CancelReason, OrderKind, OrderStatus, SubOrigin } from '../../../../contracts/visits.js';

/** Every allowed status change; anything else is refused. */
export const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  initiated: ['pending', 'confirmed', 'cancelled'],
  pending: ['confirmed', 'cancelled'],
  confirmed: ['arrived', 'cancelled'],
  arrived: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface OrderShape {
  kind: OrderKind;
  parentId: string | null;
  origin: SubOrigin | null;
  reviewRequired: boolean;
  /** kind meeting: the attendee is staff (internal) rather than an external visitor */
  internalAttendee?: boolean;
}

/** The rules' view of an order row. */
export function shapeOf(o: { kind: string; parentId: string | null; origin: string | null; reviewRequired: boolean; attendeeStaffId?: string | null }): OrderShape {
  return { kind: o.kind as OrderKind, parentId: o.parentId, origin: o.origin as SubOrigin | null, reviewRequired: o.reviewRequired, internalAttendee: !!o.attendeeStaffId };
}

/**
 * Who reviews an order (the review-rules table):
 * - 'host_chain': the host, then the approval-chain nodes (appointment main);
 * - 'host': the host alone (help_fill / forward_fill subs of an appointment; an invitation main with 需要审核);
 * - 'follows_main': nobody — takes the main's state (appointment companions; every invitation sub);
 * - 'bookers': the meeting's applicant or any co-booker (meeting attendee, external);
 * - 'none': confirmed on submission (invitation main with 不需要审核) or at once (meeting attendee, internal).
 */
export type ReviewPolicy = 'host_chain' | 'host' | 'follows_main' | 'bookers' | 'none';

export function reviewPolicy(o: OrderShape): ReviewPolicy {
  if (o.kind === 'appointment') {
    if (!o.parentId) return 'host_chain';
    return o.origin === 'companion' ? 'follows_main' : 'host';
  }
  if (o.kind === 'invitation') {
    if (o.parentId) return 'follows_main';
    return o.reviewRequired ? 'host' : 'none';
  }
  if (o.kind === 'walk_in') return 'host';
  if (o.kind === 'meeting') return o.internalAttendee ? 'none' : 'bookers';
  return 'none';
}

/**
 * The status an order takes when its visitor submits it. A sub that follows its main takes the
 * main's state (a pending main → pending; confirmed → confirmed; a main still initiated → the sub
 * waits in pending with it). Returns null when it can't be submitted (main cancelled/arrived).
 */
export function statusOnSubmit(o: OrderShape, mainStatus: OrderStatus | null): OrderStatus | null {
  const p = reviewPolicy(o);
  if (p === 'follows_main') {
    if (mainStatus === 'confirmed' || mainStatus === 'arrived') return 'confirmed';
    if (mainStatus === 'pending' || mainStatus === 'initiated') return 'pending';
    return null;
  }
  return p === 'none' ? 'confirmed' : 'pending';
}

/** The status a meeting attendee's order is created in: internal attendees are confirmed at once. */
export function meetingAttendeeStatus(internal: boolean): OrderStatus {
  return internal ? 'confirmed' : 'initiated';
}

/** Who may review a meeting attendee's order: the meeting's applicant or one of its co-bookers. */
export function isMeetingBooker(staffId: string, booking: { applicantId: string; coBookerIds: readonly string[] }): boolean {
  return booking.applicantId === staffId || booking.coBookerIds.includes(staffId);
}

/** 会议邀约 is open to the applicant and co-bookers of an approved booking until the meeting starts. */
export function canInviteToMeeting(booking: { status: string; startAt: Date }, now: Date): boolean {
  return booking.status === 'approved' && now.getTime() < booking.startAt.getTime();
}

/** What a sub that follows its main does when the main changes. null: nothing. */
export function followMain(
  sub: { status: OrderStatus },
  main: { status: OrderStatus; cancelReason: CancelReason | null },
): { to: OrderStatus; cancelReason: CancelReason | null } | null {
  if (main.status === 'confirmed' && sub.status === 'pending') return { to: 'confirmed', cancelReason: null };
  if (main.status === 'cancelled' && (sub.status === 'initiated' || sub.status === 'pending' || sub.status === 'confirmed')) {
    return { to: 'cancelled', cancelReason: 'cascaded' };
  }
  return null;
}

/** Only a main's confirmation or cancellation can move its subs (followMain): any other move need not look for them. */
export function moveReachesSubs(to: OrderStatus): boolean {
  return to === 'confirmed' || to === 'cancelled';
}

/** Subs follow the main's cancellation only where they follow the main at all. */
export function subFollowsMain(o: OrderShape): boolean {
  return reviewPolicy(o) === 'follows_main';
}

/** 帮同伴填写 / 批量转发同伴填写 / adding companions: main orders of appointments and invitations only. */
export function canCreateSubs(o: OrderShape & { status: OrderStatus }): boolean {
  return o.parentId === null && (o.kind === 'appointment' || o.kind === 'invitation') && o.status !== 'cancelled' && o.status !== 'arrived';
}

/**
 * Who adds companion phones (添加同行人员 — each phone gets an SMS link) to a main order: the order's
 * own visitor, to their appointment or invitation; the host, to an invitation only — never to a
 * visitor's appointment (the visitor decides who comes with them).
 */
export function canAddCompanions(kind: OrderKind, by: 'visitor' | 'host'): boolean {
  return kind === 'invitation' || (kind === 'appointment' && by === 'visitor');
}

/** Invitation companion limit: all subs of all three origins count (cancelled ones don't). */
export function remainingCompanionSlots(limit: number | null, activeSubs: number): number {
  return limit === null ? Number.POSITIVE_INFINITY : Math.max(0, limit - activeSubs);
}

export function canCancel(status: OrderStatus): boolean {
  return status === 'initiated' || status === 'pending' || status === 'confirmed';
}

export type WindowError = 'WINDOW_END_BEFORE_START' | 'WINDOW_IN_PAST' | 'WINDOW_TOO_LONG';
/** End after start, start not in the past (a minute's grace for the form), length within the unit's maximum. */
export function checkWindow(start: Date, end: Date, now: Date, maxHours: number): WindowError | null {
  if (end.getTime() <= start.getTime()) return 'WINDOW_END_BEFORE_START';
  if (start.getTime() < now.getTime() - 60_000) return 'WINDOW_IN_PAST';
  if (end.getTime() - start.getTime() > maxHours * 3600_000) return 'WINDOW_TOO_LONG';
  return null;
}

/** A pending (or still initiated) order whose end has passed is cancelled as expired. */
export function isExpired(o: { status: OrderStatus; endAt: Date }, now: Date): boolean {
  return (o.status === 'pending' || o.status === 'initiated') && o.endAt.getTime() <= now.getTime();
}
