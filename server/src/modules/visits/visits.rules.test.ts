import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../../../../contracts/visits.js';
import { canAddCompanions, canCancel, canCreateSubs, canInviteToMeeting, canTransition, checkWindow, followMain, isExpired, isMeetingBooker, meetingAttendeeStatus, moveReachesSubs, remainingCompanionSlots, reviewPolicy, shapeOf, statusOnSubmit, type OrderShape } from './visits.rules.js';

const allowed: Array<[OrderStatus, OrderStatus]> = [
  ['initiated', 'pending'],
  ['initiated', 'confirmed'],
  ['initiated', 'cancelled'],
  ['pending', 'confirmed'],
  ['pending', 'cancelled'],
  ['confirmed', 'arrived'],
  ['confirmed', 'cancelled'],
];
const key = (a: string, b: string) => `${a}→${b}`;
const allowedSet = new Set(allowed.map(([a, b]) => key(a, b)));
const every = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus]));

describe('state machine: every pair of statuses', () => {
  it.each(every)('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(allowedSet.has(key(from, to)));
  });
  it('cancel is possible exactly before arrival', () => {
    expect(ORDER_STATUSES.filter(canCancel)).toEqual(['initiated', 'pending', 'confirmed']);
  });
});

const main = (kind: OrderShape['kind'], reviewRequired = true): OrderShape => ({ kind, parentId: null, origin: null, reviewRequired });
const sub = (kind: OrderShape['kind'], origin: NonNullable<OrderShape['origin']>): OrderShape => ({ kind, parentId: 'm', origin, reviewRequired: true });

describe('review-rules table', () => {
  it.each([
    ['appointment, main → the host, then the chain', main('appointment'), 'host_chain'],
    ['appointment, sub from companion → nobody, follows the main', sub('appointment', 'companion'), 'follows_main'],
    ['appointment, sub from help_fill → the host, separately', sub('appointment', 'help_fill'), 'host'],
    ['appointment, sub from forward_fill → the host, separately', sub('appointment', 'forward_fill'), 'host'],
    ['invitation, main, 需要审核 → the host', main('invitation', true), 'host'],
    ['invitation, main, 不需要审核 → confirmed on submission', main('invitation', false), 'none'],
    ['invitation, sub from companion → follows the main', sub('invitation', 'companion'), 'follows_main'],
    ['invitation, sub from help_fill → follows the main', sub('invitation', 'help_fill'), 'follows_main'],
    ['invitation, sub from forward_fill → follows the main', sub('invitation', 'forward_fill'), 'follows_main'],
    ['walk-in → the host', main('walk_in'), 'host'],
    ['meeting attendee, internal → nobody (confirmed at once)', { ...main('meeting'), internalAttendee: true }, 'none'],
    ['meeting attendee, external → the applicant or a co-booker', { ...main('meeting'), internalAttendee: false }, 'bookers'],
  ] as const)('%s', (_n, o, expected) => expect(reviewPolicy(o)).toBe(expected));
  it('an order row with an attendee staff id is an internal attendee', () => {
    expect(reviewPolicy(shapeOf({ kind: 'meeting', parentId: null, origin: null, reviewRequired: false, attendeeStaffId: 's1' }))).toBe('none');
    expect(reviewPolicy(shapeOf({ kind: 'meeting', parentId: null, origin: null, reviewRequired: true, attendeeStaffId: null }))).toBe('bookers');
  });
});

describe('meeting attendees', () => {
  it('internal attendees are created confirmed; external ones initiated, waiting for their link', () => {
    expect(meetingAttendeeStatus(true)).toBe('confirmed');
    expect(meetingAttendeeStatus(false)).toBe('initiated');
  });
  it('an external attendee goes to review (pending) on submission', () => {
    expect(statusOnSubmit({ ...main('meeting'), internalAttendee: false }, null)).toBe('pending');
  });
  it('the applicant and every co-booker are bookers; nobody else', () => {
    const b = { applicantId: 'a', coBookerIds: ['c1', 'c2'] };
    expect(['a', 'c1', 'c2', 'x'].map((id) => isMeetingBooker(id, b))).toEqual([true, true, true, false]);
  });
  it('invitations are open for an approved booking until the meeting starts', () => {
    const now = new Date('2026-11-24T08:00:00Z');
    const at = (iso: string) => new Date(iso);
    expect(canInviteToMeeting({ status: 'approved', startAt: at('2026-11-24T08:15:00Z') }, now)).toBe(true);
    expect(canInviteToMeeting({ status: 'approved', startAt: now }, now)).toBe(false);
    for (const status of ['pending', 'rejected', 'cancelled']) expect(canInviteToMeeting({ status, startAt: at('2026-11-25T08:00:00Z') }, now)).toBe(false);
  });
  it('meeting orders never have subs', () => {
    expect(canCreateSubs({ ...main('meeting'), status: 'confirmed' })).toBe(false);
  });
});

describe('status on submission', () => {
  it.each([
    ['appointment main', main('appointment'), null, 'pending'],
    ['invitation main, review on', main('invitation', true), null, 'pending'],
    ['invitation main, review off', main('invitation', false), null, 'confirmed'],
    ['companion, main pending', sub('appointment', 'companion'), 'pending', 'pending'],
    ['companion, main confirmed', sub('appointment', 'companion'), 'confirmed', 'confirmed'],
    ['companion, main arrived', sub('appointment', 'companion'), 'arrived', 'confirmed'],
    ['companion, main cancelled', sub('appointment', 'companion'), 'cancelled', null],
    ['invitation forward_fill, main confirmed', sub('invitation', 'forward_fill'), 'confirmed', 'confirmed'],
    ['appointment help_fill, main cancelled (independent)', sub('appointment', 'help_fill'), 'cancelled', 'pending'],
  ] as const)('%s → %s', (_n, o, mainStatus, expected) => expect(statusOnSubmit(o, mainStatus)).toBe(expected));
});

describe('subs following their main', () => {
  it.each([
    ['main confirmed, sub pending → confirmed', 'pending', 'confirmed', null, { to: 'confirmed', cancelReason: null }],
    ['main confirmed, sub initiated → waits (takes confirmed on submission)', 'initiated', 'confirmed', null, null],
    ['main rejected, sub pending → cancelled (cascaded)', 'pending', 'cancelled', 'rejected', { to: 'cancelled', cancelReason: 'cascaded' }],
    ['main withdrawn, sub initiated → cancelled (cascaded)', 'initiated', 'cancelled', 'withdrawn_by_visitor', { to: 'cancelled', cancelReason: 'cascaded' }],
    ['main cancelled, sub confirmed → cancelled (cascaded)', 'confirmed', 'cancelled', 'withdrawn_by_host', { to: 'cancelled', cancelReason: 'cascaded' }],
    ['main cancelled, sub arrived → stays', 'arrived', 'cancelled', 'expired', null],
    ['main arrived, sub confirmed → stays', 'confirmed', 'arrived', null, null],
  ] as const)('%s', (_n, subStatus, mainStatus, reason, expected) => {
    expect(followMain({ status: subStatus }, { status: mainStatus, cancelReason: reason })).toEqual(expected);
  });
});

describe('sub orders can never create subs', () => {
  it.each([
    ['appointment main, pending', { ...main('appointment'), status: 'pending' as const }, true],
    ['invitation main, confirmed', { ...main('invitation'), status: 'confirmed' as const }, true],
    ['appointment main, cancelled', { ...main('appointment'), status: 'cancelled' as const }, false],
    ['companion sub', { ...sub('appointment', 'companion'), status: 'pending' as const }, false],
    ['help_fill sub', { ...sub('appointment', 'help_fill'), status: 'pending' as const }, false],
    ['forward_fill sub', { ...sub('invitation', 'forward_fill'), status: 'confirmed' as const }, false],
    ['walk-in', { ...main('walk_in'), status: 'pending' as const }, false],
  ])('%s → %s', (_n, o, expected) => expect(canCreateSubs(o)).toBe(expected));
});

describe('who adds companions (添加同行人员)', () => {
  it.each([
    ['appointment', 'visitor', true],
    ['appointment', 'host', false],
    ['invitation', 'visitor', true],
    ['invitation', 'host', true],
    ['meeting', 'host', false],
    ['walk_in', 'visitor', false],
  ] as const)('%s by the %s → %s', (kind, by, expected) => expect(canAddCompanions(kind, by)).toBe(expected));
});

describe('companion limit', () => {
  it.each([
    [2, 0, 2],
    [2, 2, 0],
    [2, 3, 0],
    [0, 0, 0],
    [null, 100, Number.POSITIVE_INFINITY],
  ] as const)('limit %s with %s subs leaves %s', (limit, n, left) => expect(remainingCompanionSlots(limit, n)).toBe(left));
});

describe('window rules', () => {
  const now = new Date('2026-11-24T02:00:00Z');
  const at = (h: number) => new Date(now.getTime() + h * 3600_000);
  it.each([
    ['end before start', at(2), at(1), 24, 'WINDOW_END_BEFORE_START'],
    ['end equals start', at(1), at(1), 24, 'WINDOW_END_BEFORE_START'],
    ['start in the past', at(-1), at(1), 24, 'WINDOW_IN_PAST'],
    ['longer than the unit allows', at(1), at(26), 24, 'WINDOW_TOO_LONG'],
    ['exactly the maximum', at(1), at(25), 24, null],
    ['an ordinary afternoon', at(1), at(3), 24, null],
  ] as const)('%s → %s', (_n, s, e, max, expected) => expect(checkWindow(s, e, now, max)).toBe(expected));

  it.each([
    ['pending, end passed', 'pending', -1, true],
    ['initiated, end passed', 'initiated', -1, true],
    ['pending, end ahead', 'pending', 1, false],
    ['confirmed, end passed (not expired: it was approved)', 'confirmed', -1, false],
  ] as const)('%s → %s', (_n, status, h, expected) => expect(isExpired({ status, endAt: at(h) }, now)).toBe(expected));
});

describe('which moves of a main can move its subs', () => {
  it('exactly those for which followMain moves some sub: a confirmation or a cancellation', () => {
    for (const to of ORDER_STATUSES) {
      const movesSome = ORDER_STATUSES.some((subStatus) => followMain({ status: subStatus }, { status: to, cancelReason: to === 'cancelled' ? 'rejected' : null }) !== null);
      expect(moveReachesSubs(to), to).toBe(movesSome);
    }
  });
});
