/**
 * What happens to a visit order once it exists, shared by every use case (SPEC §2): the status
 * move with its trail, access told (hook), webhooks and the cascade to subs; entering review;
 * submitting; notifications; who may see an order and its detail. Creating orders is
 * OrderIntake's (order-intake.ts). The use-case services (orders, reviews, link flow, walk-ins,
 * and VisitsService for other modules) each hold one and call it inside their own transaction.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { maskPhone } from '../../../../contracts/identity.js';
import type { CancelReason, OrderStatus, ActorRole, TrailAction } from '../../../../contracts/visits.js';
import type { Actor } from '../identity/session.js';
import type { ArrivalVia, LeaveVia } from '../../../../contracts/lobby.js';
import { notifyVisit, type VisitEvent } from '../notify/notify.service.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { followMain, isMeetingBooker, moveReachesSubs, reviewPolicy, shapeOf, statusOnSubmit, subFollowsMain } from './visits.rules.js';
import { windowVars } from '../../platform/when.js';
import { buildDetail, type OrderDetail } from './visits.view.js';
import { emitOrderEvents, orderEventsOf } from './visits.webhooks.js';

type Step = { actor: Actor; role: ActorRole; action: TrailAction; comment?: string | null };
/** What a notification's words need of an order's people, when the caller has them in hand (else they are read). */
export interface Who {
  hostName: string;
  unitName: string;
  visitorName: string;
}
/** A submission's host as findHostWithChain reads it. */
export type SubmitHost = { id: string; name: string; phone: string; unitName: string; departmentName: string | null; chain: repo.ChainRef | null };
/** What enterReview wrote: the chain snapshot, and the names of its person nodes. */
export type Review = { steps: Array<{ position: number; staffId: string | null; role: string | null; status: string }>; names: Map<string, string> };
type Notice = Parameters<typeof notifyVisit>[2];

export class VisitsCore {
  constructor(private readonly ctx: AppContext) {}

  async vars(tx: Tx, o: OrderRow, extra: Record<string, string> = {}, who?: Who): Promise<Record<string, string>> {
    if (!who) {
      const host = await repo.findStaff(tx, o.hostId);
      const v = o.visitorId ? await repo.findVisitor(tx, o.visitorId) : undefined;
      who = { hostName: host?.name ?? '', unitName: host?.unitName ?? '', visitorName: v?.name ?? o.inviteeName ?? maskPhone(o.visitorPhone) };
    }
    return {
      centerName: this.ctx.config.CENTER_NAME,
      visitorName: who.visitorName,
      hostName: who.hostName,
      unitName: who.unitName,
      reason: o.reason,
      ...windowVars(this.ctx.config.TZ_CENTER, o.startAt, o.endAt),
      ...extra,
    };
  }

  async notify(tx: Tx, event: VisitEvent, o: OrderRow, recipient: Notice['recipient'], extra: Record<string, string> = {}, link?: string, who?: Who) {
    await notifyVisit(this.ctx, tx, { event, orderId: o.id, recipient, vars: await this.vars(tx, o, extra, who), link, unitId: o.unitId });
  }

  async notifyVisitorOf(tx: Tx, event: VisitEvent, o: OrderRow, extra: Record<string, string> = {}, who?: Who) {
    await this.notify(tx, event, o, { kind: o.visitorId ? 'visitor' : 'phone', id: o.visitorId ?? undefined, phone: o.visitorPhone }, extra, undefined, who);
  }

  /** Record a status change (or a review step that keeps the status) and apply it. */
  async move(tx: Tx, o: OrderRow, to: OrderStatus, s: Step & { cancelReason?: CancelReason | null; set?: Partial<repo.NewOrder> }): Promise<OrderRow> {
    const now = this.ctx.clock.now();
    const set: Partial<repo.NewOrder> = { status: to, cancelReason: to === 'cancelled' ? (s.cancelReason ?? null) : null, ...(s.set ?? {}) };
    // submitted with a plate: the plate waits for the unit's vehicle reviewers (车辆审核), apart from the order's review
    const plateSubmitted = o.status === 'initiated' && (to === 'pending' || to === 'confirmed') && !!(set.plate ?? o.plate) && !o.vehicleStatus;
    if (plateSubmitted) set.vehicleStatus = 'pending';
    if (to === 'confirmed' || (to === 'cancelled' && s.cancelReason === 'rejected')) set.decidedAt = now;
    await repo.updateOrder(tx, o.id, set);
    await repo.insertTransition(tx, {
      orderId: o.id,
      at: now,
      actorType: s.actor.type,
      actorId: s.actor.id,
      actorRole: s.role,
      action: s.action,
      fromStatus: o.status,
      toStatus: to,
      reason: to === 'cancelled' ? (s.cancelReason ?? null) : null,
      comment: s.comment ?? null,
    });
    const next = { ...o, ...set } as OrderRow;
    await this.afterMove(tx, o, next, s.actor, plateSubmitted);
    return next;
  }

  /**
   * What follows every move from `o` to `next`: open screens told, a submitted plate's reviewers
   * told, access told (hook), webhooks, and the subs that follow a main moved with it
   * (`hasSubs: false`: the caller knows there are none — an order created a moment ago).
   */
  async afterMove(tx: Tx, o: Pick<OrderRow, 'status' | 'parentId' | 'unitId'>, next: OrderRow, actor: Actor, plateSubmitted: boolean, opts: { hasSubs?: boolean; who?: Who } = {}) {
    // open dashboards and 在场人员 screens fetch again once this commits
    this.ctx.live.changed('visits');
    if (plateSubmitted) {
      for (const r of await repo.findVehicleReviewers(tx, o.unitId)) await this.notify(tx, 'vehicle_submitted', next, { kind: 'staff', id: r.id, phone: r.phone }, { plate: next.plate ?? '' }, undefined, opts.who);
    }
    if (next.status !== o.status) await this.ctx.hooks.emit(tx, 'order.changed', next);
    // webhooks (X8): order.submitted / approved / rejected / cancelled / arrived, enqueued in this transaction
    await emitOrderEvents(this.ctx, tx, orderEventsOf(o.status as OrderStatus, next.status as OrderStatus, next.cancelReason), next);
    if (!o.parentId && next.status !== o.status && opts.hasSubs !== false && moveReachesSubs(next.status as OrderStatus)) await this.cascade(tx, next, actor);
  }

  /**
   * 已到达: the move with when, how and where (gate or kiosk), and the host told (visitor_arrived;
   * not for an internal meeting attendee). The caller holds the order's row lock.
   */
  /** `visitorName`: the caller has read the visitor already (a gate's pass reads the holder with the order). */
  async arrive(tx: Tx, o: OrderRow, s: Step & { at: Date; via: ArrivalVia; where: string | null; visitorName?: string }): Promise<OrderRow> {
    const next = await this.move(tx, o, 'arrived', { ...s, set: { arrivedAt: s.at, arrivedVia: s.via, arrivedWhere: s.where } });
    if (o.visitorId) await repo.touchVisitorLastVisit(tx, o.visitorId, s.at);
    const host = o.attendeeStaffId ? undefined : await repo.findStaff(tx, o.hostId);
    if (host) {
      // the host is in hand: the message's words read only the visitor
      const name = s.visitorName ?? (o.visitorId ? (await repo.findVisitor(tx, o.visitorId))?.name : undefined);
      const who: Who = { hostName: host.name, unitName: host.unitName ?? '', visitorName: name ?? o.inviteeName ?? maskPhone(o.visitorPhone) };
      await this.notify(tx, 'visitor_arrived', next, { kind: 'staff', id: host.id, phone: host.phone }, {}, undefined, who);
    }
    return next;
  }

  /**
   * Left the site: when, how and where, with a trail entry (the status stays 已到达). A check-out at
   * the kiosk or the automatic one ends the visit, so the gates drop the person; an exit gate's pass
   * does not (a visitor may step out and come back inside the window).
   */
  async leave(tx: Tx, o: OrderRow, s: Step & { at: Date; via: LeaveVia; where: string | null }): Promise<OrderRow> {
    const next = await this.move(tx, o, 'arrived', { ...s, set: { leftAt: s.at, leftVia: s.via, leftWhere: s.where } });
    if (s.via !== 'gate') await this.ctx.hooks.emit(tx, 'order.changed', next);
    await emitOrderEvents(this.ctx, tx, ['order.left'], next);
    return next;
  }

  /** Subs that follow their main take its confirmation or cancellation. */
  async cascade(tx: Tx, main: OrderRow, actor: Actor) {
    for (const sub of await repo.listSubs(tx, [main.id])) {
      if (!subFollowsMain(shapeOf(sub))) continue;
      const change = followMain({ status: sub.status as OrderStatus }, { status: main.status as OrderStatus, cancelReason: main.cancelReason as CancelReason | null });
      if (!change) continue;
      await this.move(tx, sub, change.to, { actor, role: 'system', action: 'cascade', cancelReason: change.cancelReason });
      if (change.to === 'confirmed') await this.notifyVisitorOf(tx, 'order_approved', sub);
      else await this.notifyVisitorOf(tx, 'order_cancelled', sub, { status: '已取消' });
    }
  }

  /**
   * The order has just become pending: snapshot the chain (host_chain), tell the host, CC. `known`:
   * the caller read the host, the unit's chain and the people's names already (a new submission);
   * then the chain's person nodes are named in the answer too.
   */
  async enterReview(tx: Tx, o: OrderRow, known?: { host: SubmitHost; who: Who }): Promise<Review> {
    const review: Review = { steps: [], names: new Map() };
    const policy = reviewPolicy(shapeOf(o));
    if (policy === 'host_chain') {
      const chain: repo.ChainRef | null | undefined = known ? known.host.chain : ((await repo.findChain(tx, o.unitId, o.kind)) as repo.ChainRef | undefined);
      if (chain) {
        review.steps = chain.nodes.map((n, i) => ({ position: i + 1, staffId: n.type === 'person' ? n.staffId : null, role: n.type === 'role' ? n.role : null, status: 'waiting' }));
        await repo.insertChainSteps(
          tx,
          chain.nodes.map((n, i) => ({ orderId: o.id, position: i + 1, nodeType: n.type, staffId: n.type === 'person' ? n.staffId : null, role: n.type === 'role' ? n.role : null })),
        );
        await repo.insertCc(tx, o.id, chain.ccStaffIds);
        const persons = known ? review.steps.map((s) => s.staffId).filter((x): x is string => !!x) : [];
        const people = await repo.findStaffByIds(tx, [...new Set([...chain.ccStaffIds, ...persons])]);
        for (const s of people) review.names.set(s.id, s.name);
        for (const s of people.filter((p) => chain.ccStaffIds.includes(p.id))) await this.notify(tx, 'order_cc', o, { kind: 'staff', id: s.id, phone: s.phone }, {}, undefined, known?.who);
      }
    }
    if (policy === 'host' || policy === 'host_chain') {
      const host = known ? known.host : await repo.findStaff(tx, o.hostId);
      if (host) await this.notify(tx, 'order_submitted', o, { kind: 'staff', id: host.id, phone: host.phone }, {}, undefined, known?.who);
    }
    if (policy === 'bookers' && o.meetingId) {
      const b = await repo.findMeeting(tx, o.meetingId);
      if (b) for (const s of await repo.findStaffByIds(tx, [b.applicantId, ...b.coBookerIds])) await this.notify(tx, 'order_submitted', o, { kind: 'staff', id: s.id, phone: s.phone });
    }
    return review;
  }

  /** Submit an initiated order for the visitor who now holds it (`mainStatus`: a sub's main's, when the caller holds the main). */
  async submit(tx: Tx, o: OrderRow, actor: Actor, plate?: string | null, mainStatus?: OrderStatus): Promise<OrderRow> {
    if (o.status !== 'initiated') throw new AppError('ORDER_NOT_SUBMITTABLE');
    const main = o.parentId && !mainStatus ? await repo.findOrder(tx, o.parentId) : undefined;
    const to = statusOnSubmit(shapeOf(o), mainStatus ?? (main?.status as OrderStatus) ?? null);
    if (!to) throw new AppError('ORDER_NOT_SUBMITTABLE');
    const next = await this.move(tx, o, to, {
      actor,
      role: 'visitor',
      action: 'submit',
      set: { submittedAt: this.ctx.clock.now(), visitorId: o.visitorId ?? actor.id, ...(plate ? { plate } : {}) },
    });
    if (to === 'pending') await this.enterReview(tx, next);
    if (to === 'confirmed') await this.notifyVisitorOf(tx, 'order_approved', next);
    return next;
  }

  async detail(tx: Tx, o: OrderRow, viewer: Actor): Promise<OrderDetail> {
    return buildDetail(tx, this.ctx, o, viewer);
  }

  /** Who may see an order: its visitor, the visitor who created/forwarded it, its host, its chain nodes, its CC. */
  async canSee(tx: Tx, o: OrderRow, a: Actor): Promise<boolean> {
    if (a.type === 'visitor') {
      if (o.visitorId === a.id || o.createdByVisitorId === a.id) return true;
      // the visitor of a main order sees its subs (companions' statuses in the detail)
      return !!o.parentId && (await repo.findOrder(tx, o.parentId))?.visitorId === a.id;
    }
    if (a.type === 'staff') {
      if (o.hostId === a.id || (o.attendeeStaffId && o.attendeeStaffId === a.id)) return true;
      // the vehicle reviewers (and cc) of the order's unit see an order with a plate
      if (o.vehicleStatus && (await repo.isVehicleReviewer(tx, o.unitId, a.id))) return true;
      if (o.meetingId) {
        const b = await repo.findMeeting(tx, o.meetingId);
        return !!b && isMeetingBooker(a.id, b);
      }
      if (await repo.isCc(tx, o.parentId ?? o.id, a.id)) return true;
      const me = await repo.findStaff(tx, a.id);
      const steps = await repo.listChainSteps(tx, o.id);
      return steps.some((s) => s.staffId === a.id || (s.role && me?.roles.includes(s.role) && me.unitId === o.unitId));
    }
    return false;
  }

  async loadVisible(tx: Tx, id: string, a: Actor, forUpdate = false): Promise<OrderRow> {
    const o = await repo.findOrder(tx, id, { forUpdate });
    if (!o || !(await this.canSee(tx, o, a))) throw new AppError('NOT_FOUND');
    return o;
  }
}
