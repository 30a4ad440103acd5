/**
 * Turning order rows into what the apps show (cards and detail), in one place so that the visitor
 * and staff apps see the same shapes. Visitors see hosts' names masked (姜*檬); phones are masked
 * for everyone but their owner.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { maskName, maskPhone } from '../../../../contracts/identity.js';
import { trailLabel, type ActorRole, type CancelReason, type OrderCard, type OrderDetail, type OrderKind, type OrderStatus, type SubOrigin, type TrailAction } from '../../../../contracts/visits.js';

export type { OrderCard, OrderDetail };
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { presenceOf } from './presence.js';
import type { OrderVehicle, VehicleStatus } from '../../../../contracts/vehicles.js';
import { canAddCompanions, canCancel, canCreateSubs, isMeetingBooker, remainingCompanionSlots, reviewPolicy, shapeOf } from './visits.rules.js';

type MeetingInfo = Awaited<ReturnType<typeof repo.findMeetingsForCards>>[number];

/** One order's meeting (name, room, where) — null unless it is a meeting attendee's order. */
export async function meetingInfoOf(tx: Tx, o: OrderRow): Promise<OrderCard['meeting']> {
  if (!o.meetingId) return null;
  return meetingOf(o, new Map((await repo.findMeetingsForCards(tx, [o.meetingId])).map((m) => [m.id, m])));
}
function meetingOf(r: OrderRow, meetings: Map<string, MeetingInfo>): OrderCard['meeting'] {
  const m = r.meetingId ? meetings.get(r.meetingId) : undefined;
  if (!m) return null;
  const location = [m.buildingName, m.floor, m.location].filter(Boolean).join(' ') || null;
  return { id: m.id, title: m.title, roomName: m.roomName, location, internal: !!r.attendeeStaffId };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** 车辆通行状态 of an order: 无 without a plate. */
export function vehicleOf(r: OrderRow): OrderVehicle {
  return {
    plate: r.plate || null,
    status: r.plate ? ((r.vehicleStatus as VehicleStatus | null) ?? 'pending') : 'none',
    comment: r.vehicleComment,
    reviewedAt: iso(r.vehicleReviewedAt),
    inAt: iso(r.vehicleInAt),
    outAt: iso(r.vehicleOutAt),
  };
}

/** What the cards of some orders need besides their rows: hosts, visitor names, subs, meetings, and for staff which reviews are theirs. */
export interface CardParts {
  staff: Map<string, { name: string; unitName: string; departmentName: string | null }>;
  visitors: Map<string, { name: string | null }>;
  subs: OrderRow[];
  meetings: Map<string, MeetingInfo>;
  /** staff viewer: pending orders whose current chain step is theirs */
  pendingSteps?: Map<string, boolean>;
  /** staff viewer: meeting attendee orders of bookings they booked */
  bookerOf?: Map<string, boolean>;
}

async function loadCardParts(tx: Tx, rows: OrderRow[], viewer: Actor): Promise<CardParts> {
  const mains = rows.filter((r) => !r.parentId);
  // independent reads at once (outside a transaction each on its own pooled connection: 我的预约's
  // latency is the slowest of them, not their sum); the visitors wait for the subs they name
  const [subs, staffRows, meetingRows] = await Promise.all([
    repo.listSubs(tx, mains.map((m) => m.id)),
    repo.findStaffByIds(tx, [...new Set(rows.map((r) => r.hostId))]),
    repo.findMeetingsForCards(tx, [...new Set(rows.map((r) => r.meetingId).filter((x): x is string => !!x))]),
  ]);
  const visitorIds = [...new Set([...rows, ...subs].flatMap((r) => [r.visitorId, r.origin === 'forward_fill' ? r.createdByVisitorId : null]).filter((x): x is string => !!x))];
  const visitorRows = await repo.findVisitorsByIds(tx, visitorIds);
  const staffById = new Map(staffRows.map((s) => [s.id, s]));
  const meetings = new Map(meetingRows.map((m) => [m.id, m]));
  const visitorById = new Map(visitorRows.map((v) => [v.id, v]));
  const pendingSteps = new Map<string, boolean>();
  if (viewer.type === 'staff') {
    const me = await repo.findStaff(tx, viewer.id);
    for (const r of rows.filter((x) => x.status === 'pending' && x.chainStep > 0)) {
      const step = (await repo.listChainSteps(tx, r.id)).find((s) => s.position === r.chainStep);
      pendingSteps.set(r.id, !!step && (step.staffId === viewer.id || (!!step.role && !!me?.roles.includes(step.role) && me.unitId === r.unitId)));
    }
  }
  // meeting attendees: the applicant (host) or a co-booker reviews
  const bookerOf = new Map<string, boolean>();
  if (viewer.type === 'staff') {
    for (const r of rows.filter((x) => x.kind === 'meeting' && x.status === 'pending' && x.meetingId)) {
      const b = await repo.findMeeting(tx, r.meetingId!);
      bookerOf.set(r.id, !!b && isMeetingBooker(viewer.id, b));
    }
  }
  return { staff: staffById, visitors: visitorById, subs, meetings, pendingSteps, bookerOf };
}

export async function buildCards(tx: Tx, ctx: AppContext, rows: OrderRow[], viewer: Actor): Promise<OrderCard[]> {
  void ctx;
  if (rows.length === 0) return [];
  const parts = await loadCardParts(tx, rows, viewer);
  return rows.map((r) => cardOf(r, parts, viewer));
}

/** One order's card from its row and what CardParts holds (no I/O). */
export function cardOf(r: OrderRow, parts: CardParts, viewer: Actor): OrderCard {
  const { staff: staffById, visitors: visitorById, subs, meetings } = parts;
  const pendingSteps = parts.pendingSteps ?? new Map<string, boolean>();
  const bookerOf = parts.bookerOf ?? new Map<string, boolean>();
  const isVisitor = viewer.type === 'visitor';
  const host = staffById.get(r.hostId);
  const v = r.visitorId ? visitorById.get(r.visitorId) : undefined;
  const mine = subs.filter((s) => s.parentId === r.id);
  const shape = shapeOf(r);
  const policy = reviewPolicy(shape);
  const active = mine.filter((s) => s.status !== 'cancelled').length;
  const room = remainingCompanionSlots(r.kind === 'invitation' ? r.companionLimit : null, active) > 0;
  const subsAllowed = canCreateSubs({ ...shape, status: r.status as OrderStatus });
  const owner = isVisitor && r.visitorId === viewer.id;
  const hostViewer = viewer.type === 'staff' && r.hostId === viewer.id;
  const review =
    viewer.type === 'staff' &&
    r.status === 'pending' &&
    (((policy === 'host' || policy === 'host_chain') && ((r.chainStep === 0 && hostViewer) || (r.chainStep > 0 && !!pendingSteps.get(r.id)))) ||
      (policy === 'bookers' && !!bookerOf.get(r.id)));
  return {
    id: r.id,
    kind: r.kind as OrderKind,
    origin: r.origin as SubOrigin | null,
    parentId: r.parentId,
    status: r.status as OrderStatus,
    cancelReason: r.cancelReason as CancelReason | null,
    host: { id: r.hostId, name: viewer.type !== 'staff' && viewer.type !== 'admin' ? maskName(host?.name ?? '') : (host?.name ?? ''), unitName: host?.unitName ?? '', departmentName: host?.departmentName ?? null },
    visitor: { name: v?.name ?? r.inviteeName ?? null, phoneMasked: maskPhone(r.visitorPhone) },
    startAt: r.startAt.toISOString(),
    endAt: r.endAt.toISOString(),
    reason: r.reason,
    remark: r.remark,
    plate: r.plate,
    vehicle: vehicleOf(r),
    companions: mine.map((s) => ({
      id: s.id,
      origin: s.origin as SubOrigin,
      name: (s.visitorId ? visitorById.get(s.visitorId)?.name : null) ?? null,
      phoneMasked: maskPhone(s.visitorPhone),
      status: s.status as OrderStatus,
      cancelReason: s.cancelReason as CancelReason | null,
    })),
    forwardedBy: r.origin === 'forward_fill' && r.createdByVisitorId ? (visitorById.get(r.createdByVisitorId)?.name ?? null) : null,
    submittedAt: iso(r.submittedAt),
    createdAt: r.createdAt.toISOString(),
    companionLimit: r.companionLimit,
    reviewRequired: r.reviewRequired,
    meeting: meetingOf(r, meetings),
    actions: {
      cancel: canCancel(r.status as OrderStatus) && ((isVisitor && (owner || r.createdByVisitorId === viewer.id)) || hostViewer),
      addCompanions: subsAllowed && room && ((owner && canAddCompanions(r.kind as OrderKind, 'visitor')) || (hostViewer && canAddCompanions(r.kind as OrderKind, 'host'))),
      helpFill: subsAllowed && room && owner,
      forward: subsAllowed && room && owner,
      review,
    },
  };
}

/**
 * One action, one trail entry: a visitor (or the desk) who books creates the order and submits it
 * in the same request, which the log keeps as two rows (发起, 提交). A create immediately followed by
 * a submit of the same actor shows as the one 提交 (from no status); a create that someone else
 * submits later (an invitation, a companion's link) keeps both entries.
 */
export function mergeCreateSubmit<T extends Pick<TransitionRow, 'action' | 'actorType' | 'actorId' | 'fromStatus'>>(rows: T[]): T[] {
  const out: T[] = [];
  for (const r of rows) {
    const prev = out.at(-1);
    if (prev && prev.action === 'create' && r.action === 'submit' && prev.actorType === r.actorType && prev.actorId === r.actorId) {
      out[out.length - 1] = { ...r, fromStatus: prev.fromStatus };
    } else out.push(r);
  }
  return out;
}

export type TransitionRow = Awaited<ReturnType<typeof repo.listTransitions>>[number];
type StepRow = Pick<Awaited<ReturnType<typeof repo.listChainSteps>>[number], 'position' | 'staffId' | 'role' | 'status'>;

/** What a detail shows besides its card: the trail, the chain, the names of who acted, the main of a sub. */
export interface DetailParts {
  transitions: Array<Omit<TransitionRow, 'seq'>>;
  steps: StepRow[];
  /** staff and visitor names by id (trail actors, chain nodes) */
  names: Map<string, string>;
  parent: { id: string; visitorName: string | null } | null;
}

export async function buildDetail(tx: Tx, ctx: AppContext, o: OrderRow, viewer: Actor): Promise<OrderDetail> {
  const [card] = await buildCards(tx, ctx, [o], viewer);
  const transitions = await repo.listTransitions(tx, o.id);
  const staffIds = transitions.filter((t) => t.actorType === 'staff' && t.actorId).map((t) => t.actorId!);
  const visitorIds = transitions.filter((t) => t.actorType === 'visitor' && t.actorId).map((t) => t.actorId!);
  const steps = await repo.listChainSteps(tx, o.id);
  const stepStaff = steps.map((s) => s.staffId).filter((x): x is string => !!x);
  const staffRows = await repo.findStaffByIds(tx, [...new Set([...staffIds, ...stepStaff])]);
  const visitorRows = await repo.findVisitorsByIds(tx, [...new Set(visitorIds)]);
  const names = new Map<string, string>([...staffRows.map((s) => [s.id, s.name] as const), ...visitorRows.map((v) => [v.id, v.name] as const)]);
  const parent = o.parentId ? await repo.findOrder(tx, o.parentId) : undefined;
  const parentVisitor = parent?.visitorId ? (await repo.findVisitorsByIds(tx, [parent.visitorId]))[0] : undefined;
  return detailOf(ctx, o, card!, { transitions, steps, names, parent: parent ? { id: parent.id, visitorName: parentVisitor?.name ?? null } : null }, viewer);
}

/** An order's detail from its card and DetailParts (no I/O): what a use case that has just written them answers with. */
export function detailOf(ctx: AppContext, o: OrderRow, card: OrderCard, p: DetailParts, viewer: Actor): OrderDetail {
  const display = (id: string | null, type: string) => {
    if (type === 'system') return '系统';
    const n = (id && p.names.get(id)) || '';
    return viewer.type === 'visitor' && type === 'staff' ? maskName(n) : n;
  };
  return {
    ...card,
    trail: mergeCreateSubmit(p.transitions).map((t) => ({
      at: t.at.toISOString(),
      actorName: display(t.actorId, t.actorType),
      actorRole: t.actorRole as ActorRole,
      action: t.action as TrailAction,
      fromStatus: t.fromStatus as OrderStatus | null,
      toStatus: t.toStatus as OrderStatus,
      reason: t.reason,
      comment: t.comment,
      label: trailLabel(t.actorRole as ActorRole, t.action as TrailAction),
    })),
    chain: p.steps.map((s) => ({
      position: s.position,
      name: s.staffId ? (p.names.get(s.staffId) ?? '') : (s.role ?? ''),
      status: s.status as 'waiting' | 'approved' | 'rejected',
    })),
    parent: p.parent,
    appointmentCodeAvailable: viewer.type === 'visitor' && o.status === 'confirmed' && o.visitorId === viewer.id,
    presence: presenceOf(o, ctx.clock.now(), ctx.config.VISIT_OVERSTAY_MINUTES),
  };
}
