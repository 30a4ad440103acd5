/**
 * What every visit-order use case shares (SPEC §2): the status move with its trail, access sync and
 * cascade to subs; entering review; submitting; creating orders and subs; notifications; who may
 * see an order. The use-case services (orders, reviews, link flow, walk-ins, and VisitsService for
 * other modules) each hold one and call it inside their own transaction.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { isValidPhone, maskPhone, type IdType } from '../../../../contracts/identity.js';
import { visitors } from '../../db/schema/index.js';
import type { CancelReason, OrderStatus, SubOrigin, ActorRole, TrailAction } from '../../../../contracts/visits.js';
import type { Actor } from '../identity/session.js';
import type { ArrivalVia, LeaveVia } from '../../../../contracts/lobby.js';
import { notifyVisit, type VisitEvent } from '../notify/notify.service.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { canCreateSubs, checkWindow, followMain, isMeetingBooker, remainingCompanionSlots, reviewPolicy, shapeOf, statusOnSubmit, subFollowsMain } from './visits.rules.js';
import { createLink } from './links.js';
import { windowVars } from '../../platform/when.js';
import { buildDetail, type OrderDetail } from './visits.view.js';
import { emitOrderEvents, orderEventsOf } from './visits.webhooks.js';

type Step = { actor: Actor; role: ActorRole; action: TrailAction; comment?: string | null };
type Notice = Parameters<typeof notifyVisit>[2];
/** whose idempotency keys: v a visitor's, s a staff member's, k a kiosk's */
type OnceScope = 'v' | 's' | 'k';

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}

export class VisitsCore {
  constructor(private readonly ctx: AppContext) {}

  parseWindow(startAt: string, endAt: string, maxHours: number) {
    const start = new Date(startAt);
    const end = new Date(endAt);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new AppError('VALIDATION_FAILED', { field: 'startAt/endAt' });
    const err = checkWindow(start, end, this.ctx.clock.now(), maxHours);
    if (err) throw new AppError(err);
    return { start, end };
  }

  normalisePhones(phones: string[], exclude: string[]): string[] {
    const out: string[] = [];
    for (const raw of phones) {
      const p = raw.trim();
      if (!isValidPhone(p)) throw new AppError('PHONE_INVALID', { phone: maskPhone(p) });
      if (out.includes(p) || exclude.includes(p)) throw new AppError('COMPANION_DUPLICATE', { phone: maskPhone(p) });
      out.push(p);
    }
    return out;
  }

  async vars(tx: Tx, o: OrderRow, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const host = await repo.findStaff(tx, o.hostId);
    const v = o.visitorId ? await repo.findVisitor(tx, o.visitorId) : undefined;
    return {
      centerName: this.ctx.config.CENTER_NAME,
      visitorName: v?.name ?? o.inviteeName ?? maskPhone(o.visitorPhone),
      hostName: host?.name ?? '',
      unitName: host?.unitName ?? '',
      reason: o.reason,
      ...windowVars(this.ctx.config.TZ_CENTER, o.startAt, o.endAt),
      ...extra,
    };
  }

  async notify(tx: Tx, event: VisitEvent, o: OrderRow, recipient: Notice['recipient'], extra: Record<string, string> = {}, link?: string) {
    await notifyVisit(this.ctx, tx, { event, orderId: o.id, recipient, vars: await this.vars(tx, o, extra), link, unitId: o.unitId });
  }

  async notifyVisitorOf(tx: Tx, event: VisitEvent, o: OrderRow, extra: Record<string, string> = {}) {
    await this.notify(tx, event, o, { kind: o.visitorId ? 'visitor' : 'phone', id: o.visitorId ?? undefined, phone: o.visitorPhone }, extra);
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
    // open dashboards and 在场人员 screens fetch again once this commits
    this.ctx.live.changed('visits');
    if (plateSubmitted) {
      for (const r of await repo.findVehicleReviewers(tx, o.unitId)) await this.notify(tx, 'vehicle_submitted', next, { kind: 'staff', id: r.id, phone: r.phone }, { plate: next.plate ?? '' });
    }
    if (to !== o.status) await this.ctx.hooks.emit(tx, 'order.changed', next);
    // webhooks (X8): order.submitted / approved / rejected / cancelled / arrived, enqueued in this transaction
    await emitOrderEvents(this.ctx, tx, orderEventsOf(o.status as OrderStatus, to, next.cancelReason), next);
    if (!o.parentId && to !== o.status) await this.cascade(tx, next, s.actor);
    return next;
  }

  /**
   * 已到达: the move with when, how and where (gate or kiosk), and the host told (visitor_arrived;
   * not for an internal meeting attendee). The caller holds the order's row lock.
   */
  async arrive(tx: Tx, o: OrderRow, s: Step & { at: Date; via: ArrivalVia; where: string | null }): Promise<OrderRow> {
    const next = await this.move(tx, o, 'arrived', { ...s, set: { arrivedAt: s.at, arrivedVia: s.via, arrivedWhere: s.where } });
    if (o.visitorId) await repo.touchVisitorLastVisit(tx, o.visitorId, s.at);
    const host = o.attendeeStaffId ? undefined : await repo.findStaff(tx, o.hostId);
    if (host) await this.notify(tx, 'visitor_arrived', next, { kind: 'staff', id: host.id, phone: host.phone });
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

  /** The order has just become pending: snapshot the chain (host_chain), tell the host, CC. */
  async enterReview(tx: Tx, o: OrderRow) {
    const policy = reviewPolicy(shapeOf(o));
    if (policy === 'host_chain') {
      const chain = await repo.findChain(tx, o.unitId, o.kind);
      if (chain) {
        const nodes = chain.nodes as Array<{ type: 'person'; staffId: string } | { type: 'role'; role: string }>;
        await repo.insertChainSteps(
          tx,
          nodes.map((n, i) => ({ orderId: o.id, position: i + 1, nodeType: n.type, staffId: n.type === 'person' ? n.staffId : null, role: n.type === 'role' ? n.role : null })),
        );
        await repo.insertCc(tx, o.id, chain.ccStaffIds);
        for (const s of await repo.findStaffByIds(tx, chain.ccStaffIds)) await this.notify(tx, 'order_cc', o, { kind: 'staff', id: s.id, phone: s.phone });
      }
    }
    if (policy === 'host' || policy === 'host_chain') {
      const host = await repo.findStaff(tx, o.hostId);
      if (host) await this.notify(tx, 'order_submitted', o, { kind: 'staff', id: host.id, phone: host.phone });
    }
    if (policy === 'bookers' && o.meetingId) {
      const b = await repo.findMeeting(tx, o.meetingId);
      if (b) for (const s of await repo.findStaffByIds(tx, [b.applicantId, ...b.coBookerIds])) await this.notify(tx, 'order_submitted', o, { kind: 'staff', id: s.id, phone: s.phone });
    }
  }

  /** Submit an initiated order for the visitor who now holds it. */
  async submit(tx: Tx, o: OrderRow, actor: Actor, plate?: string | null): Promise<OrderRow> {
    if (o.status !== 'initiated') throw new AppError('ORDER_NOT_SUBMITTABLE');
    const main = o.parentId ? await repo.findOrder(tx, o.parentId) : undefined;
    const to = statusOnSubmit(shapeOf(o), (main?.status as OrderStatus) ?? null);
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

  async assertNotBlocked(tx: Tx, visitorId: string) {
    const v = await repo.findVisitor(tx, visitorId);
    if (!v) throw new AppError('AUTH_REQUIRED');
    if (v.blocked) throw new AppError('VISITOR_BLOCKED');
    return v;
  }

  /** A visitor registered by someone else (帮同伴填写, the kiosk) from the details given; `idNumber` normalised. */
  async registerVisitor(
    tx: Tx,
    d: { phone: string; name: string; idType: IdType; idNumber: string; company?: string | null; position?: string | null },
    via: 'help_fill' | 'kiosk',
    photoKey?: string | null,
  ) {
    const [v] = await tx
      .insert(visitors)
      .values({
        phone: d.phone,
        name: d.name,
        idType: d.idType,
        idNumberEnc: this.ctx.crypto.encrypt(d.idNumber),
        idNumberIdx: this.ctx.crypto.blindIndex(d.idNumber),
        company: d.company ?? null,
        position: d.position ?? null,
        registeredVia: via,
        photoKey: photoKey ?? null,
      })
      .returning();
    return v!;
  }

  /** Insert an order in 已发起 with its "create" trail entry. */
  async createOrder(tx: Tx, o: repo.NewOrder, actor: Actor, role: ActorRole): Promise<OrderRow> {
    const row = await repo.insertOrder(tx, { ...o, status: 'initiated' });
    await repo.insertTransition(tx, { orderId: row.id, at: this.ctx.clock.now(), actorType: actor.type, actorId: actor.id, actorRole: role, action: 'create', fromStatus: null, toStatus: 'initiated' });
    return row;
  }

  /** A sub order under `main`: same host, unit, reason and window. */
  subOf(main: OrderRow, origin: SubOrigin, who: { visitorId: string | null; phone: string; createdByVisitorId: string | null; plate?: string | null }): repo.NewOrder {
    return {
      kind: main.kind,
      parentId: main.id,
      origin,
      status: 'initiated',
      visitorId: who.visitorId,
      visitorPhone: who.phone,
      hostId: main.hostId,
      unitId: main.unitId,
      reason: main.reason,
      remark: main.remark,
      startAt: main.startAt,
      endAt: main.endAt,
      plate: who.plate ?? null,
      reviewRequired: main.reviewRequired,
      createdByVisitorId: who.createdByVisitorId,
      createdByStaffId: main.createdByStaffId,
    };
  }

  /** The order a client's idempotency key stored (kept per actor and use case: v visitor, s staff, k kiosk). */
  storedKey(actor: Actor, key: string | null | undefined, prefix: OnceScope): string | null {
    return key ? `${prefix}:${actor.id}:${key}` : null;
  }

  /** The order already created under this key, if any. */
  async findOnce(actor: Actor, key: string | null | undefined, prefix: OnceScope): Promise<OrderRow | undefined> {
    const storedKey = this.storedKey(actor, key, prefix);
    return storedKey ? repo.findByIdempotencyKey(this.ctx.db, storedKey) : undefined;
  }

  /**
   * Run a create use case once per idempotency key: a repeat (or a concurrent twin) gets the first
   * order — as its detail, or as `replay` shapes it.
   */
  async once<T = OrderDetail>(
    actor: Actor,
    key: string | null | undefined,
    prefix: OnceScope,
    run: (tx: Tx, storedKey: string | null) => Promise<T>,
    replay: (tx: Tx, first: OrderRow) => Promise<T> = (tx, first) => this.detail(tx, first, actor) as Promise<T>,
  ): Promise<T> {
    const { ctx } = this;
    const storedKey = this.storedKey(actor, key, prefix);
    try {
      return await ctx.db.transaction(async (tx) => {
        const dup = storedKey ? await repo.findByIdempotencyKey(tx, storedKey) : undefined;
        return dup ? replay(tx, dup) : run(tx, storedKey);
      });
    } catch (e) {
      if (storedKey && isUniqueViolation(e)) {
        const dup = await repo.findByIdempotencyKey(ctx.db, storedKey);
        if (dup) return ctx.db.transaction((tx) => replay(tx, dup));
      }
      throw e;
    }
  }

  /** Create subs from companion phones: known visitors submit with the main (appointment) or get a link (invitation). */
  async addCompanionSubs(tx: Tx, main: OrderRow, phones: string[], actor: Actor) {
    for (const phone of phones) {
      const known = await repo.findVisitorByPhone(tx, phone);
      const sub = await this.createOrder(tx, this.subOf(main, 'companion', { visitorId: known?.id ?? null, phone, createdByVisitorId: main.createdByVisitorId }), actor, actor.type === 'staff' ? 'host' : 'visitor');
      // appointment: a companion already in the visitor library is submitted together with the main
      if (main.kind === 'appointment' && known && !known.blocked && main.status !== 'initiated') {
        await this.submit(tx, sub, { type: 'visitor', id: known.id }, null);
      } else {
        const link = await createLink(this.ctx, tx, { purpose: 'companion', orderId: sub.id, phone, until: main.endAt });
        await this.notify(tx, 'companion_link', sub, { kind: known ? 'visitor' : 'phone', id: known?.id, phone }, { inviterName: await this.inviterName(tx, main) }, link.url);
      }
    }
  }

  async inviterName(tx: Tx, main: OrderRow): Promise<string> {
    if (main.createdByStaffId) return (await repo.findStaff(tx, main.createdByStaffId))?.name ?? '';
    if (main.visitorId) return (await repo.findVisitor(tx, main.visitorId))?.name ?? '';
    return '';
  }

  /** Lock the main order and check room for `adding` more subs (invitation limit) — under the row lock. */
  async lockMainForSubs(tx: Tx, mainId: string, adding: number): Promise<OrderRow> {
    const main = await repo.findOrder(tx, mainId, { forUpdate: true });
    if (!main) throw new AppError('NOT_FOUND');
    if (main.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
    if (!canCreateSubs({ kind: main.kind as never, parentId: null, origin: null, reviewRequired: main.reviewRequired, status: main.status as OrderStatus })) throw new AppError('ORDER_NOT_SUBMITTABLE');
    if (main.kind === 'invitation') {
      const left = remainingCompanionSlots(main.companionLimit, await repo.countActiveSubs(tx, main.id));
      if (adding > left) throw new AppError('COMPANION_LIMIT_REACHED', { left });
    }
    return main;
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
