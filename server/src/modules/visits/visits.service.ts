/**
 * Visit orders (SPEC §2): appointments, invitations, companions, help-fill and forward-fill subs,
 * review by the host and the approval chain, cancellation, cascade and expiry. Every method begins
 * with the access check (an order the actor may not see is NOT_FOUND), does its writes in one
 * transaction with the transition trail, audit and notifications (jobs, sent after commit).
 */
import { orderAccessChanged } from '../access/access.hooks.js';
import { and, eq, exists, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import { meetingBookings, orderCc, orderChainSteps, orderTransitions, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { checkIdNumber, isValidPhone, maskIdNumber, maskName, maskPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import { findOpenUpload, insertFaceConsent, markUploadUsed, withdrawFaceConsents } from '../visitors/visitors.repository.js';
import { deletePhotoNow } from '../../platform/photos.js';
import type { CancelReason, OrderKind, OrderStatus, SubOrigin, ActorRole, TrailAction } from '../../../../contracts/visits.js';
import { audit } from '../audit/audit.js';
import { raiseAlert } from '../alerts/alerts.service.js';
import { createSession, type Actor } from '../identity/session.js';
import { notifyVisit, type VisitEvent } from '../notify/notify.service.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { canAddCompanions, canCancel, canCreateSubs, checkWindow, followMain, isExpired, isMeetingBooker, meetingAttendeeStatus, remainingCompanionSlots, reviewPolicy, shapeOf, statusOnSubmit, subFollowsMain } from './visits.rules.js';
import { createLink, markLinkUsed, resolveLink } from './links.js';
import { windowVars } from '../../platform/when.js';
import { CODE_REFRESH_S, signCode, verifyCode } from './codes.js';
import { buildCards, buildDetail, meetingInfoOf, type OrderCard, type OrderDetail } from './visits.view.js';

export interface AppointmentInput {
  hostPhone: string;
  reason: string;
  remark?: string | null;
  startAt: string;
  endAt: string;
  plate?: string | null;
  companionPhones: string[];
  idempotencyKey?: string;
}
export interface InvitationInput {
  visitorPhone: string;
  name?: string | null;
  idType?: IdType | null;
  idNumber?: string | null;
  company?: string | null;
  position?: string | null;
  reason: string;
  remark?: string | null;
  startAt: string;
  endAt: string;
  reviewRequired: boolean;
  companionLimit: number;
  companionPhones: string[];
  plate?: string | null;
  idempotencyKey?: string;
}
export interface HelpFillInput {
  name: string;
  phone: string;
  idType: IdType;
  idNumber: string;
  company?: string | null;
  position?: string | null;
  plate?: string | null;
}
export interface WalkInInput {
  name: string;
  idType: IdType;
  idNumber: string;
  phone: string;
  company?: string | null;
  position?: string | null;
  hostId: string;
  reason: string;
  remark?: string | null;
  visitType?: string | null;
  startAt?: string | null;
  endAt?: string | null;
  temperature?: number | null;
  photoUploadId?: string | null;
  replacePhoto?: boolean;
}
/** The booking a meeting attendee order belongs to (meetings module → visits). */
export interface MeetingRef {
  id: string;
  title: string;
  roomName: string;
  applicantId: string;
  applicantUnitId: string;
  startAt: Date;
  endAt: Date;
}

export interface ListQuery {
  scope: 'recent' | 'history';
  status: 'all' | OrderStatus;
  page: number;
  pageSize: number;
}

type Step = { actor: Actor; role: ActorRole; action: TrailAction; comment?: string | null };
type Notice = Parameters<typeof notifyVisit>[2];

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}

export class VisitsService {
  constructor(private readonly ctx: AppContext) {}

  // ——— helpers ———

  private parseWindow(startAt: string, endAt: string, maxHours: number) {
    const start = new Date(startAt);
    const end = new Date(endAt);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new AppError('VALIDATION_FAILED', { field: 'startAt/endAt' });
    const err = checkWindow(start, end, this.ctx.clock.now(), maxHours);
    if (err) throw new AppError(err);
    return { start, end };
  }

  private normalisePhones(phones: string[], exclude: string[]): string[] {
    const out: string[] = [];
    for (const raw of phones) {
      const p = raw.trim();
      if (!isValidPhone(p)) throw new AppError('PHONE_INVALID', { phone: maskPhone(p) });
      if (out.includes(p) || exclude.includes(p)) throw new AppError('COMPANION_DUPLICATE', { phone: maskPhone(p) });
      out.push(p);
    }
    return out;
  }

  private async vars(tx: Tx, o: OrderRow, extra: Record<string, string> = {}): Promise<Record<string, string>> {
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

  private async notify(tx: Tx, event: VisitEvent, o: OrderRow, recipient: Notice['recipient'], extra: Record<string, string> = {}, link?: string) {
    await notifyVisit(this.ctx, tx, { event, orderId: o.id, recipient, vars: await this.vars(tx, o, extra), link });
  }

  private async notifyVisitorOf(tx: Tx, event: VisitEvent, o: OrderRow, extra: Record<string, string> = {}) {
    await this.notify(tx, event, o, { kind: o.visitorId ? 'visitor' : 'phone', id: o.visitorId ?? undefined, phone: o.visitorPhone }, extra);
  }

  /** Record a status change (or a review step that keeps the status) and apply it. */
  private async move(tx: Tx, o: OrderRow, to: OrderStatus, s: Step & { cancelReason?: CancelReason | null; set?: Partial<repo.NewOrder> }): Promise<OrderRow> {
    const now = this.ctx.clock.now();
    const set: Partial<repo.NewOrder> = { status: to, cancelReason: to === 'cancelled' ? (s.cancelReason ?? null) : null, ...(s.set ?? {}) };
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
    if (to !== o.status) await orderAccessChanged(this.ctx, tx, next);
    if (!o.parentId && to !== o.status) await this.cascade(tx, next, s.actor);
    return next;
  }

  /** Subs that follow their main take its confirmation or cancellation. */
  private async cascade(tx: Tx, main: OrderRow, actor: Actor) {
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
  private async enterReview(tx: Tx, o: OrderRow) {
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
  private async submit(tx: Tx, o: OrderRow, actor: Actor, plate?: string | null): Promise<OrderRow> {
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

  private async assertNotBlocked(tx: Tx, visitorId: string) {
    const v = await repo.findVisitor(tx, visitorId);
    if (!v) throw new AppError('AUTH_REQUIRED');
    if (v.blocked) throw new AppError('VISITOR_BLOCKED');
    return v;
  }

  /** Insert an order in 已发起 with its "create" trail entry. */
  private async createOrder(tx: Tx, o: repo.NewOrder, actor: Actor, role: ActorRole): Promise<OrderRow> {
    const row = await repo.insertOrder(tx, { ...o, status: 'initiated' });
    await repo.insertTransition(tx, { orderId: row.id, at: this.ctx.clock.now(), actorType: actor.type, actorId: actor.id, actorRole: role, action: 'create', fromStatus: null, toStatus: 'initiated' });
    return row;
  }

  /** A sub order under `main`: same host, unit, reason and window. */
  private subOf(main: OrderRow, origin: SubOrigin, who: { visitorId: string | null; phone: string; createdByVisitorId: string | null; plate?: string | null }): repo.NewOrder {
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

  /** Run a create use case once per idempotency key: a repeat (or a concurrent twin) gets the first order. */
  private async once(actor: Actor, key: string | undefined, prefix: 'v' | 's', run: (tx: Tx, storedKey: string | null) => Promise<OrderDetail>): Promise<OrderDetail> {
    const { ctx } = this;
    const storedKey = key ? `${prefix}:${actor.id}:${key}` : null;
    try {
      return await ctx.db.transaction(async (tx) => {
        const dup = storedKey ? await repo.findByIdempotencyKey(tx, storedKey) : undefined;
        return dup ? this.detail(tx, dup, actor) : run(tx, storedKey);
      });
    } catch (e) {
      if (storedKey && isUniqueViolation(e)) {
        const dup = await repo.findByIdempotencyKey(ctx.db, storedKey);
        if (dup) return ctx.db.transaction((tx) => this.detail(tx, dup, actor));
      }
      throw e;
    }
  }

  /** Create subs from companion phones: known visitors submit with the main (appointment) or get a link (invitation). */
  private async addCompanionSubs(tx: Tx, main: OrderRow, phones: string[], actor: Actor) {
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

  private async inviterName(tx: Tx, main: OrderRow): Promise<string> {
    if (main.createdByStaffId) return (await repo.findStaff(tx, main.createdByStaffId))?.name ?? '';
    if (main.visitorId) return (await repo.findVisitor(tx, main.visitorId))?.name ?? '';
    return '';
  }

  /** Lock the main order and check room for `adding` more subs (invitation limit) — under the row lock. */
  private async lockMainForSubs(tx: Tx, mainId: string, adding: number): Promise<OrderRow> {
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

  private async detail(tx: Tx, o: OrderRow, viewer: Actor): Promise<OrderDetail> {
    return buildDetail(tx, this.ctx, o, viewer);
  }

  /** Who may see an order: its visitor, the visitor who created/forwarded it, its host, its chain nodes, its CC. */
  private async canSee(tx: Tx, o: OrderRow, a: Actor): Promise<boolean> {
    if (a.type === 'visitor') {
      if (o.visitorId === a.id || o.createdByVisitorId === a.id) return true;
      // the visitor of a main order sees its subs (companions' statuses in the detail)
      return !!o.parentId && (await repo.findOrder(tx, o.parentId))?.visitorId === a.id;
    }
    if (a.type === 'staff') {
      if (o.hostId === a.id || (o.attendeeStaffId && o.attendeeStaffId === a.id)) return true;
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

  private async loadVisible(tx: Tx, id: string, a: Actor, forUpdate = false): Promise<OrderRow> {
    const o = await repo.findOrder(tx, id, { forUpdate });
    if (!o || !(await this.canSee(tx, o, a))) throw new AppError('NOT_FOUND');
    return o;
  }

  // ——— visitor use cases ———

  /** V3/V4 访客预约 with companions. */
  async createAppointment(actor: Actor, input: AppointmentInput): Promise<OrderDetail> {
    if (!isValidPhone(input.hostPhone)) throw new AppError('PHONE_INVALID');
    return this.once(actor, input.idempotencyKey, 'v', async (tx, idempotencyKey) => {
      const me = await this.assertNotBlocked(tx, actor.id);
      const host = await repo.findHostByPhone(tx, input.hostPhone);
      if (!host) throw new AppError('HOST_NOT_FOUND');
      const { start, end } = this.parseWindow(input.startAt, input.endAt, host.maxVisitHours);
      const phones = this.normalisePhones(input.companionPhones, [me.phone]);
      const main = await this.createOrder(
        tx,
        {
          kind: 'appointment',
          visitorId: me.id,
          visitorPhone: me.phone,
          hostId: host.id,
          unitId: host.unitId,
          reason: input.reason,
          remark: input.remark ?? null,
          startAt: start,
          endAt: end,
          plate: input.plate ?? null,
          createdByVisitorId: me.id,
          idempotencyKey,
        } as repo.NewOrder,
        actor,
        'visitor',
      );
      const submitted = await this.submit(tx, main, actor, input.plate);
      await this.addCompanionSubs(tx, submitted, phones, actor);
      await audit(tx, actor, 'visit.create', { type: 'visit_order', id: main.id }, { kind: 'appointment', companions: phones.length });
      return this.detail(tx, (await repo.findOrder(tx, main.id))!, actor);
    });
  }

  /** 添加同行人员 on a main order (visitor who owns it, or the host of an invitation). */
  async addCompanions(actor: Actor, orderId: string, phonesIn: string[]): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const seen = await this.loadVisible(tx, orderId, actor);
      if (actor.type === 'visitor' && seen.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      if (actor.type === 'staff' && seen.hostId !== actor.id) throw new AppError('NOT_FOUND');
      if (seen.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      // the host sees a visitor's appointment but may not add phones (and SMS links) to it
      if (!canAddCompanions(seen.kind as OrderKind, actor.type === 'visitor' ? 'visitor' : 'host')) throw new AppError('FORBIDDEN');
      const existing = (await repo.listSubs(tx, [seen.id])).filter((s) => s.status !== 'cancelled').map((s) => s.visitorPhone);
      const phones = this.normalisePhones(phonesIn, [seen.visitorPhone, ...existing]);
      const main = await this.lockMainForSubs(tx, orderId, phones.length);
      await this.addCompanionSubs(tx, main, phones, actor);
      await audit(tx, actor, 'visit.companions_add', { type: 'visit_order', id: main.id }, { count: phones.length });
      return this.detail(tx, (await repo.findOrder(tx, main.id))!, actor);
    });
  }

  /** V9 帮同伴填写: the visitor fills a companion's details; unknown companions are registered from them. */
  async helpFill(actor: Actor, orderId: string, input: HelpFillInput): Promise<OrderDetail> {
    const { ctx } = this;
    if (!isValidPhone(input.phone)) throw new AppError('PHONE_INVALID');
    const idErr = checkIdNumber(input.idType, input.idNumber);
    if (idErr) throw new AppError(idErr);
    const idNumber = normaliseIdNumber(input.idNumber);
    return ctx.db.transaction(async (tx) => {
      const seen = await this.loadVisible(tx, orderId, actor);
      if (seen.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      await this.assertNotBlocked(tx, actor.id);
      if (seen.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      if (input.phone === seen.visitorPhone) throw new AppError('COMPANION_DUPLICATE');
      const main = await this.lockMainForSubs(tx, orderId, 1);
      let companion = await repo.findVisitorByPhone(tx, input.phone);
      if (!companion) {
        const [v] = await tx
          .insert(visitors)
          .values({
            phone: input.phone,
            name: input.name,
            idType: input.idType,
            idNumberEnc: ctx.crypto.encrypt(idNumber),
            idNumberIdx: ctx.crypto.blindIndex(idNumber),
            company: input.company ?? null,
            position: input.position ?? null,
            registeredVia: 'help_fill',
          })
          .returning();
        companion = v!;
        await audit(tx, actor, 'visitor.register_by_companion', { type: 'visitor', id: companion.id });
      }
      const sub = await this.createOrder(tx, this.subOf(main, 'help_fill', { visitorId: companion.id, phone: companion.phone, createdByVisitorId: actor.id, plate: input.plate }), actor, 'visitor');
      if (companion.blocked) throw new AppError('VISITOR_BLOCKED');
      const submitted = await this.submit(tx, sub, actor, input.plate);
      await audit(tx, actor, 'visit.help_fill', { type: 'visit_order', id: submitted.id }, { main: main.id });
      return this.detail(tx, (await repo.findOrder(tx, submitted.id))!, actor);
    });
  }

  /** V10 批量转发同伴填写: a link several companions can use until it expires or the limit is reached. */
  async forwardLink(actor: Actor, orderId: string) {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.loadVisible(tx, orderId, actor);
      if (o.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      if (o.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      await this.lockMainForSubs(tx, orderId, 1);
      const link = await createLink(this.ctx, tx, { purpose: 'forward', orderId: o.id, until: o.endAt });
      await audit(tx, actor, 'visit.forward_link', { type: 'visit_order', id: o.id });
      return { url: link.url, expiresAt: link.expiresAt.toISOString() };
    });
  }

  async cancel(actor: Actor, orderId: string, comment?: string | null): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.loadVisible(tx, orderId, actor, true);
      const asVisitor = actor.type === 'visitor' && (o.visitorId === actor.id || o.createdByVisitorId === actor.id);
      const asHost = actor.type === 'staff' && o.hostId === actor.id;
      if (!asVisitor && !asHost) throw new AppError('NOT_FOUND');
      if (!canCancel(o.status as OrderStatus)) throw new AppError('ORDER_NOT_CANCELLABLE');
      const reason: CancelReason = asHost ? 'withdrawn_by_host' : 'withdrawn_by_visitor';
      const next = await this.move(tx, o, 'cancelled', { actor, role: asHost ? 'host' : 'visitor', action: 'cancel', cancelReason: reason, comment });
      if (asHost) await this.notifyVisitorOf(tx, 'order_cancelled', next, { status: '已取消' });
      else {
        const host = await repo.findStaff(tx, o.hostId);
        if (host && o.status === 'pending') await this.notify(tx, 'order_cancelled', next, { kind: 'staff', id: host.id, phone: host.phone }, { status: '已取消' });
      }
      await audit(tx, actor, 'visit.cancel', { type: 'visit_order', id: o.id }, { reason });
      return this.detail(tx, (await repo.findOrder(tx, o.id))!, actor);
    });
  }

  /**
   * A meeting booking was cancelled: every live attendee order of it is cancelled (withdrawn by
   * the host, i.e. the booking's side), with its trail entry and a message to external attendees.
   * Runs in the caller's transaction (the booking cancellation). Returns how many were cancelled.
   */
  async cancelMeetingOrders(tx: Tx, meetingId: string, actor: Actor): Promise<number> {
    const rows = await tx.select().from(visitOrders).where(and(eq(visitOrders.meetingId, meetingId), inArray(visitOrders.status, ['initiated', 'pending', 'confirmed']))).for('update');
    for (const o of rows) {
      const next = await this.move(tx, o, 'cancelled', { actor, role: 'host', action: 'cancel', cancelReason: 'withdrawn_by_host' });
      if (!o.attendeeStaffId) await this.notifyVisitorOf(tx, 'order_cancelled', next, { status: '已取消' });
    }
    return rows.length;
  }

  /**
   * The visitor was put on the blocklist (A2): every open order of theirs — as the visitor, or an
   * invitation to their phone not yet taken up — is cancelled with the reason 已列入黑名单 (subs
   * that follow a main follow it) and the host is told. Runs in the caller's transaction (the
   * blocking). Returns how many were cancelled.
   */
  async cancelForBlocked(tx: Tx, visitor: { id: string; phone: string }, actor: Actor): Promise<number> {
    const rows = await tx
      .select()
      .from(visitOrders)
      .where(
        and(
          or(eq(visitOrders.visitorId, visitor.id), and(isNull(visitOrders.visitorId), eq(visitOrders.visitorPhone, visitor.phone))),
          inArray(visitOrders.status, ['initiated', 'pending', 'confirmed']),
        ),
      )
      .orderBy(visitOrders.createdAt)
      .for('update');
    let n = 0;
    for (const row of rows) {
      // a sub cancelled by its main's cascade a moment ago is not cancelled twice
      const o = await repo.findOrder(tx, row.id);
      if (!o || !canCancel(o.status as OrderStatus)) continue;
      const next = await this.move(tx, o, 'cancelled', { actor, role: 'admin', action: 'cancel', cancelReason: 'blocked' });
      const host = o.attendeeStaffId ? undefined : await repo.findStaff(tx, o.hostId);
      if (host) await this.notify(tx, 'order_cancelled', next, { kind: 'staff', id: host.id, phone: host.phone }, { status: '已取消', comment: '原因：访客已列入黑名单。' });
      n++;
    }
    return n;
  }

  /**
   * A gate reported a granted pass in (X4, access module): a confirmed order becomes 已到达 with its
   * trail entry (actor: the device) and the host is told (visitor_arrived; not for an internal
   * meeting attendee). Runs in the caller's transaction (the pass event's); the caller checks the
   * window. Returns the order when it moved, null when it was not confirmed.
   */
  async markArrived(tx: Tx, orderId: string, via: { deviceId: string; method: string }): Promise<OrderRow | null> {
    const o = await repo.findOrder(tx, orderId, { forUpdate: true });
    if (!o || o.status !== 'confirmed') return null;
    const actor: Actor = { type: 'system', id: `device:${via.deviceId}` };
    const next = await this.move(tx, o, 'arrived', { actor, role: 'system', action: 'arrive', comment: via.method, set: { arrivedAt: this.ctx.clock.now() } });
    const host = o.attendeeStaffId ? undefined : await repo.findStaff(tx, o.hostId);
    if (host) await this.notify(tx, 'visitor_arrived', next, { kind: 'staff', id: host.id, phone: host.phone });
    return next;
  }

  /**
   * 会议邀约 (S6): one attendee's order of kind meeting for the meeting's window, hosted by its
   * applicant. Internal attendees (staff) are confirmed at once; external ones get an SMS link to
   * register (if unknown) and submit, and are then reviewed by the applicant or a co-booker.
   * Someone who already holds a live order for this meeting is not invited twice (returns null).
   * Runs in the caller's transaction.
   */
  async addMeetingAttendee(tx: Tx, m: MeetingRef, who: { staffId?: string; name: string; phone: string }, actor: Actor): Promise<OrderRow | null> {
    const [dup] = await tx
      .select({ id: visitOrders.id })
      .from(visitOrders)
      .where(and(eq(visitOrders.meetingId, m.id), eq(visitOrders.visitorPhone, who.phone), inArray(visitOrders.status, ['initiated', 'pending', 'confirmed', 'arrived'])))
      .limit(1);
    if (dup) return null;
    const internal = !!who.staffId;
    const known = internal ? undefined : await repo.findVisitorByPhone(tx, who.phone);
    const row = await this.createOrder(
      tx,
      {
        kind: 'meeting',
        visitorId: known?.id ?? null,
        visitorPhone: who.phone,
        inviteeName: who.name,
        hostId: m.applicantId,
        unitId: m.applicantUnitId,
        reason: m.title,
        remark: null,
        startAt: m.startAt,
        endAt: m.endAt,
        reviewRequired: !internal,
        createdByStaffId: actor.id,
        meetingId: m.id,
        attendeeStaffId: who.staffId ?? null,
      } as repo.NewOrder,
      actor,
      'booker',
    );
    if (meetingAttendeeStatus(internal) === 'confirmed') {
      return this.move(tx, row, 'confirmed', { actor, role: 'booker', action: 'confirm', set: { submittedAt: this.ctx.clock.now() } });
    }
    const link = await createLink(this.ctx, tx, { purpose: 'meeting', orderId: row.id, phone: who.phone, until: m.endAt });
    const applicant = await repo.findStaff(tx, m.applicantId);
    await this.notify(
      tx,
      'meeting_invitation',
      row,
      { kind: known ? 'visitor' : 'phone', id: known?.id, phone: who.phone },
      { meetingTitle: m.title, roomName: m.roomName, applicantName: applicant?.name ?? '', visitorName: who.name },
      link.url,
    );
    return row;
  }

  // ——— links ———

  private async linkOrder(tx: Tx, token: string) {
    const claims = await resolveLink(this.ctx, tx, token);
    if (claims.used && claims.purpose !== 'forward') throw new AppError('LINK_USED');
    const o = await repo.findOrder(tx, claims.orderId);
    if (!o) throw new AppError('LINK_INVALID');
    if (claims.purpose !== 'forward' && (o.status !== 'initiated' || o.visitorPhone !== claims.phone)) throw new AppError(o.status === 'initiated' ? 'LINK_INVALID' : 'LINK_USED');
    return { claims, order: o };
  }

  async getLink(token: string) {
    return this.ctx.db.transaction(async (tx) => {
      const { claims, order } = await this.linkOrder(tx, token);
      const main = order.parentId ? await repo.findOrder(tx, order.parentId) : order;
      const host = await repo.findStaff(tx, order.hostId);
      const registered = claims.phone ? !!(await repo.findVisitorByPhone(tx, claims.phone)) : false;
      return {
        purpose: claims.purpose,
        order: {
          hostName: maskName(host?.name ?? ''),
          unitName: host?.unitName ?? '',
          reason: order.reason,
          startAt: order.startAt.toISOString(),
          endAt: order.endAt.toISOString(),
          inviterName: maskName(await this.inviterName(tx, main ?? order)),
        },
        meeting: await meetingInfoOf(tx, order),
        phone: claims.phone ? maskPhone(claims.phone) : null,
        registered,
      };
    });
  }

  /** Signed-in-by-link: the phone the link was sent to gets a session (visitor, or 'phone' to register first). */
  async linkSession(token: string, reply: FastifyReply, ua?: string) {
    return this.ctx.db.transaction(async (tx) => {
      const { claims } = await this.linkOrder(tx, token);
      if (!claims.phone) throw new AppError('LINK_INVALID');
      const v = await repo.findVisitorByPhone(tx, claims.phone);
      // a link lives much longer than an SMS code, so the session it opens is short (1 hour)
      if (v) await createSession(this.ctx, tx, reply, { type: 'visitor', id: v.id }, ua, 1);
      else await createSession(this.ctx, tx, reply, { type: 'phone', id: claims.phone }, ua, 1);
      return { registered: !!v };
    });
  }

  /** Submit through a link: own initiated order (companion/invitation) or a new forward_fill sub. */
  async submitLink(actor: Actor, token: string, input: { plate?: string | null }): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { claims, order } = await this.linkOrder(tx, token);
      const me = await this.assertNotBlocked(tx, actor.id);
      let result: OrderRow;
      if (claims.purpose === 'forward') {
        if (order.visitorId === me.id) throw new AppError('COMPANION_DUPLICATE');
        const main = await this.lockMainForSubs(tx, order.id, 1);
        const dup = (await repo.listSubs(tx, [main.id])).find((s) => s.visitorPhone === me.phone && s.status !== 'cancelled');
        if (dup) throw new AppError('COMPANION_DUPLICATE');
        const sub = await this.createOrder(tx, this.subOf(main, 'forward_fill', { visitorId: me.id, phone: me.phone, createdByVisitorId: main.visitorId }), actor, 'visitor');
        result = await this.submit(tx, sub, actor, input.plate);
      } else {
        if (me.phone !== claims.phone) throw new AppError('LINK_WRONG_PHONE');
        const locked = (await repo.findOrder(tx, order.id, { forUpdate: true }))!;
        result = await this.submit(tx, { ...locked, visitorId: me.id }, actor, input.plate);
        await markLinkUsed(this.ctx, tx, claims);
      }
      await audit(tx, actor, 'visit.submit_link', { type: 'visit_order', id: result.id }, { purpose: claims.purpose });
      return this.detail(tx, (await repo.findOrder(tx, result.id))!, actor);
    });
  }

  // ——— staff use cases ———

  /** S1 访客邀约. */
  async createInvitation(actor: Actor, input: InvitationInput): Promise<OrderDetail> {
    const { ctx } = this;
    if (!isValidPhone(input.visitorPhone)) throw new AppError('PHONE_INVALID');
    if (input.idNumber) {
      const err = checkIdNumber(input.idType ?? 'prc_id', input.idNumber);
      if (err) throw new AppError(err);
    }
    if (input.companionPhones.length > input.companionLimit) throw new AppError('COMPANION_LIMIT_REACHED', { left: input.companionLimit });
    return this.once(actor, input.idempotencyKey, 's', async (tx, idempotencyKey) => {
      const host = await repo.findStaff(tx, actor.id);
      if (!host) throw new AppError('AUTH_REQUIRED');
      const { start, end } = this.parseWindow(input.startAt, input.endAt, host.maxVisitHours);
      const phones = this.normalisePhones(input.companionPhones, [input.visitorPhone]);
      const known = await repo.findVisitorByPhone(tx, input.visitorPhone);
      const main = await this.createOrder(
        tx,
        {
          kind: 'invitation',
          visitorId: known?.id ?? null,
          visitorPhone: input.visitorPhone,
          inviteeName: input.name ?? null,
          inviteeIdType: input.idNumber ? (input.idType ?? 'prc_id') : null,
          inviteeIdNumberEnc: input.idNumber ? ctx.crypto.encrypt(normaliseIdNumber(input.idNumber)) : null,
          inviteeCompany: input.company ?? null,
          inviteePosition: input.position ?? null,
          hostId: host.id,
          unitId: host.unitId,
          reason: input.reason,
          remark: input.remark ?? null,
          startAt: start,
          endAt: end,
          plate: input.plate ?? null,
          reviewRequired: input.reviewRequired,
          companionLimit: input.companionLimit,
          createdByStaffId: host.id,
          idempotencyKey,
        } as repo.NewOrder,
        actor,
        'host',
      );
      const link = await createLink(ctx, tx, { purpose: 'invitation', orderId: main.id, phone: input.visitorPhone, until: end });
      await this.notify(tx, 'invitation_sent', main, { kind: known ? 'visitor' : 'phone', id: known?.id, phone: input.visitorPhone }, {}, link.url);
      await this.addCompanionSubs(tx, main, phones, actor);
      await audit(tx, actor, 'visit.invite', { type: 'visit_order', id: main.id }, { companions: phones.length, reviewRequired: input.reviewRequired });
      return this.detail(tx, (await repo.findOrder(tx, main.id))!, actor);
    });
  }

  /** 审核通过 / 审核不通过 by the host (step 0) or the current approval-chain node. */
  async review(actor: Actor, orderId: string, decision: 'approve' | 'reject', comment?: string | null): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const o = await repo.findOrder(tx, orderId, { forUpdate: true });
      if (!o || o.status !== 'pending') throw new AppError('NOT_FOUND');
      const policy = reviewPolicy(shapeOf(o));
      if (policy === 'follows_main' || policy === 'none') throw new AppError('NOT_FOUND');
      const steps = await repo.listChainSteps(tx, o.id);
      const me = await repo.findStaff(tx, actor.id);
      let role: ActorRole;
      if (policy === 'bookers') {
        const b = o.meetingId ? await repo.findMeeting(tx, o.meetingId) : undefined;
        if (!b || !isMeetingBooker(actor.id, b)) throw new AppError('NOT_FOUND');
        role = 'booker';
      } else if (o.chainStep === 0) {
        if (o.hostId !== actor.id) throw new AppError('NOT_FOUND');
        role = 'host';
      } else {
        const step = steps.find((s) => s.position === o.chainStep);
        const mine = step && (step.staffId === actor.id || (step.role && me?.roles.includes(step.role) && me.unitId === o.unitId));
        if (!mine) throw new AppError('NOT_FOUND');
        role = 'chain_node';
        await repo.updateChainStep(tx, o.id, o.chainStep, { status: decision === 'approve' ? 'approved' : 'rejected', decidedBy: actor.id, decidedAt: this.ctx.clock.now(), comment: comment ?? null });
      }
      let next: OrderRow;
      if (decision === 'reject') {
        next = await this.move(tx, o, 'cancelled', { actor, role, action: 'reject', cancelReason: 'rejected', comment });
        await this.notifyVisitorOf(tx, 'order_rejected', next, { comment: comment ?? '' });
      } else {
        const nextStep = steps.find((s) => s.position === o.chainStep + 1);
        if (nextStep && policy === 'host_chain' && role !== 'booker') {
          next = await this.move(tx, o, 'pending', { actor, role, action: 'approve', comment, set: { chainStep: nextStep.position } });
          const approvers = nextStep.staffId ? await repo.findStaffByIds(tx, [nextStep.staffId]) : await repo.findStaffWithRole(tx, o.unitId, nextStep.role!);
          for (const s of approvers) await this.notify(tx, 'order_submitted', next, { kind: 'staff', id: s.id, phone: s.phone });
        } else {
          next = await this.move(tx, o, 'confirmed', { actor, role, action: 'approve', comment });
          await this.notifyVisitorOf(tx, 'order_approved', next);
        }
      }
      await audit(tx, actor, decision === 'approve' ? 'visit.approve' : 'visit.reject', { type: 'visit_order', id: o.id }, { step: o.chainStep });
      return this.detail(tx, (await repo.findOrder(tx, o.id))!, actor);
    });
  }

  // ——— reads ———

  async get(actor: Actor, id: string): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.loadVisible(tx, id, actor);
      if (actor.type === 'staff') await audit(tx, actor, 'visit.read', { type: 'visit_order', id: o.id });
      return this.detail(tx, o, actor);
    });
  }

  private scopeWhere(q: ListQuery): SQL {
    const dayStart = this.ctx.clock.startOfDay();
    const parts: SQL[] = [q.scope === 'recent' ? gte(visitOrders.startAt, dayStart) : lt(visitOrders.startAt, dayStart)];
    if (q.status !== 'all') parts.push(eq(visitOrders.status, q.status));
    return and(...parts)!;
  }

  async listMine(actor: Actor, q: ListQuery): Promise<{ items: OrderCard[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const { rows, total } = await repo.pageOrders(tx, and(eq(visitOrders.visitorId, actor.id), this.scopeWhere(q)), q.page, q.pageSize);
      return { items: await buildCards(tx, this.ctx, rows, actor), total };
    });
  }

  async listHosted(actor: Actor, q: ListQuery): Promise<{ items: OrderCard[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const { rows, total } = await repo.pageOrders(tx, and(eq(visitOrders.hostId, actor.id), ne(visitOrders.kind, 'meeting'), this.scopeWhere(q)), q.page, q.pageSize);
      await audit(tx, actor, 'visit.list', { type: 'visit_order' }, { scope: q.scope, status: q.status, count: rows.length });
      return { items: await buildCards(tx, this.ctx, rows, actor), total };
    });
  }

  /** 待处理: orders waiting for me now (host step, or my chain node). */
  private async pendingWhere(tx: Tx, actor: Actor): Promise<SQL> {
    const me = await repo.findStaff(tx, actor.id);
    const roles = me?.roles ?? [];
    const reviewable = sql`not (${visitOrders.parentId} is not null and (${visitOrders.kind} = 'invitation' or ${visitOrders.origin} = 'companion')) and not (${visitOrders.kind} = 'invitation' and ${visitOrders.reviewRequired} = false)`;
    const asNode = exists(
      tx
        .select({ one: sql`1` })
        .from(orderChainSteps)
        .where(
          and(
            eq(orderChainSteps.orderId, visitOrders.id),
            eq(orderChainSteps.position, visitOrders.chainStep),
            or(eq(orderChainSteps.staffId, actor.id), roles.length ? and(inArray(orderChainSteps.role, roles), eq(visitOrders.unitId, me?.unitId ?? actor.id)) : sql`false`),
          ),
        ),
    );
    // meeting attendees are reviewed under 会议邀约审核, not here
    return and(eq(visitOrders.status, 'pending'), ne(visitOrders.kind, 'meeting'), reviewable, or(and(eq(visitOrders.hostId, actor.id), eq(visitOrders.chainStep, 0)), and(sql`${visitOrders.chainStep} > 0`, asNode)))!;
  }

  async listApprovals(actor: Actor, tab: 'pending' | 'done' | 'cc', page: number, pageSize: number) {
    return this.ctx.db.transaction(async (tx) => {
      let where: SQL;
      if (tab === 'pending') where = await this.pendingWhere(tx, actor);
      else if (tab === 'done')
        where = exists(
          tx
            .select({ one: sql`1` })
            .from(orderTransitions)
            .where(and(eq(orderTransitions.orderId, visitOrders.id), eq(orderTransitions.actorId, actor.id), inArray(orderTransitions.action, ['approve', 'reject']), ne(visitOrders.kind, 'meeting'))),
        );
      else where = exists(tx.select({ one: sql`1` }).from(orderCc).where(and(eq(orderCc.orderId, visitOrders.id), eq(orderCc.staffId, actor.id))));
      const { rows, total } = await repo.pageOrders(tx, where, page, pageSize);
      await audit(tx, actor, 'visit.list', { type: 'visit_order' }, { tab, count: rows.length });
      return { items: await buildCards(tx, this.ctx, rows, actor), total };
    });
  }

  async counts(actor: Actor) {
    return this.ctx.db.transaction(async (tx) => {
      const where = await this.pendingWhere(tx, actor);
      const [r] = await tx.select({ n: sql<number>`count(*)::int` }).from(visitOrders).where(where);
      const [m] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(visitOrders)
        .innerJoin(meetingBookings, eq(meetingBookings.id, visitOrders.meetingId))
        .where(and(eq(visitOrders.status, 'pending'), eq(visitOrders.kind, 'meeting'), repo.bookedBy(actor.id)));
      return { visitsPending: Number(r?.n ?? 0), meetingsPending: Number(m?.n ?? 0) };
    });
  }

  // ——— appointment code (V8) ———

  /** Only the order's own visitor, only for a confirmed order (never in the host's 我的邀约). */
  async code(actor: Actor, id: string) {
    const o = await this.ctx.db.transaction((tx) => repo.findOrder(tx, id));
    if (!o || o.visitorId !== actor.id) throw new AppError('NOT_FOUND');
    if (o.status !== 'confirmed') throw new AppError('CODE_NOT_AVAILABLE');
    const { token, expiresAt } = await signCode(this.ctx, o.id);
    return { token, expiresAt: expiresAt.toISOString(), refreshAfterSeconds: CODE_REFRESH_S };
  }

  /** A kiosk (or a gate through the API) checks a scanned code. */
  async verifyAppointmentCode(actor: Actor, token: string) {
    const orderId = await verifyCode(this.ctx, token);
    return this.ctx.db.transaction(async (tx) => {
      const o = await repo.findOrder(tx, orderId);
      if (!o) throw new AppError('CODE_INVALID');
      const v = o.visitorId ? await repo.findVisitor(tx, o.visitorId) : undefined;
      const host = await repo.findStaff(tx, o.hostId);
      // a blocklisted holder is refused whatever the order says, and the desk is alerted
      const reason = v?.blocked ? 'VISITOR_BLOCKED' : o.status === 'confirmed' ? null : `ORDER_${o.status.toUpperCase()}`;
      if (v?.blocked) await raiseAlert(this.ctx, tx, { kind: 'blocked_visitor', source: 'kiosk', orderId: o.id, visitorId: v.id, personName: v.name, reason });
      await audit(tx, actor, 'visit.code_verify', { type: 'visit_order', id: o.id }, { status: o.status, ...(reason ? { refused: reason } : {}) });
      return {
        valid: reason === null,
        reason,
        order: { id: o.id, visitorName: v?.name ?? '', hostName: maskName(host?.name ?? ''), unitName: host?.unitName ?? '', startAt: o.startAt.toISOString(), endAt: o.endAt.toISOString(), status: o.status as OrderStatus },
      };
    });
  }

  // ——— kiosk walk-ins (K1) ———

  /** Host search at the kiosk: visit-permission staff by name fragment or phone digits. */
  async kioskHosts(q: string) {
    const rows = await repo.searchHosts(this.ctx.db, q.trim(), 20);
    return { items: rows.map((h) => ({ ...h, name: maskName(h.name) })) };
  }

  /** 当日访客来访: today's walk-ins (center time), newest first. */
  async todayWalkIns() {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      const rows = await repo.walkInsSince(tx, ctx.clock.startOfDay(), 100);
      return {
        items: rows.map((r) => ({
          orderId: r.orderId,
          name: r.name,
          phoneMasked: maskPhone(r.phone),
          idNumberMasked: r.idNumberEnc ? maskIdNumber(ctx.crypto.decrypt(r.idNumberEnc)) : null,
          idType: r.idType,
          company: r.company,
          hostId: r.hostId,
          hostName: maskName(r.hostName),
          reason: r.reason,
          status: r.status as OrderStatus,
          createdAt: r.createdAt.toISOString(),
        })),
      };
    });
  }

  /** 访客最后来访: the visitor (by phone or exact ID number) and their last visit. */
  async lastVisit(actor: Actor, q: { phone?: string; idNumber?: string }) {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      let v = q.phone ? await repo.findVisitorByPhone(tx, q.phone) : undefined;
      if (!v && q.idNumber) v = await repo.findVisitorByIdIndex(tx, ctx.crypto.blindIndex(normaliseIdNumber(q.idNumber)));
      if (!v) return { visitor: null, lastVisit: null };
      const last = await repo.lastOrderOf(tx, v.id);
      await audit(tx, actor, 'visitor.read', { type: 'visitor', id: v.id }, { via: 'kiosk' });
      return {
        visitor: {
          name: v.name,
          phone: v.phone,
          idType: v.idType,
          idNumberMasked: v.idNumberEnc ? maskIdNumber(ctx.crypto.decrypt(v.idNumberEnc)) : null,
          company: v.company,
          position: v.position,
          hasPhoto: !!v.photoKey,
          blocked: v.blocked,
        },
        lastVisit: last ? { hostId: last.hostId, hostName: maskName(last.hostName), unitName: last.unitName, reason: last.reason, startAt: last.startAt.toISOString() } : null,
      };
    });
  }

  /**
   * K1 现场登记: the visitor library is matched by phone (else created from the details); the order
   * is confirmed at the desk where the host's unit allows it, otherwise the host reviews it.
   */
  async createWalkIn(actor: Actor, input: WalkInInput) {
    const { ctx } = this;
    if (!isValidPhone(input.phone)) throw new AppError('PHONE_INVALID');
    const idErr = checkIdNumber(input.idType, input.idNumber);
    if (idErr) throw new AppError(idErr);
    const idNumber = normaliseIdNumber(input.idNumber);
    const now = ctx.clock.now();
    // a blocklisted person — by this phone, or by this ID number under another phone — is refused
    // and the desk alerted (the alert is committed although the registration is not)
    const blocked = await ctx.db.transaction(async (tx) => {
      const byPhone = await repo.findVisitorByPhone(tx, input.phone);
      const v = byPhone?.blocked ? byPhone : await repo.findVisitorByIdIndex(tx, ctx.crypto.blindIndex(idNumber));
      if (!v?.blocked) return false;
      await raiseAlert(ctx, tx, { kind: 'blocked_visitor', source: 'kiosk', visitorId: v.id, personName: v.name, reason: 'VISITOR_BLOCKED' });
      return true;
    });
    if (blocked) throw new AppError('VISITOR_BLOCKED');
    const oldKeys: string[] = [];
    const result = await ctx.db.transaction(async (tx) => {
      const host = await repo.findStaff(tx, input.hostId);
      if (!host || !host.visitPermission) throw new AppError('HOST_NOT_FOUND');
      const start = input.startAt ? new Date(input.startAt) : now;
      const end = input.endAt ? new Date(input.endAt) : new Date(ctx.clock.startOfDay().getTime() + 24 * 3600_000 - 60_000);
      const err = checkWindow(start, end, new Date(now.getTime() - 5 * 60_000), host.maxVisitHours);
      if (err) throw new AppError(err);
      let v = await repo.findVisitorByPhone(tx, input.phone);
      if (v?.blocked) throw new AppError('VISITOR_BLOCKED');
      const upload = input.photoUploadId ? await findOpenUpload(tx, input.photoUploadId, actor.sessionId ?? '', new Date(now.getTime() - 3600_000)) : undefined;
      if (input.photoUploadId && !upload) throw new AppError('UPLOAD_NOT_FOUND');
      if (!v) {
        const [created] = await tx
          .insert(visitors)
          .values({
            phone: input.phone,
            name: input.name,
            idType: input.idType,
            idNumberEnc: ctx.crypto.encrypt(idNumber),
            idNumberIdx: ctx.crypto.blindIndex(idNumber),
            company: input.company ?? null,
            position: input.position ?? null,
            registeredVia: 'kiosk',
            photoKey: upload?.storageKey ?? null,
          })
          .returning();
        v = created!;
        if (upload) await insertFaceConsent(tx, v.id, upload.consentVersion, upload.consentAt);
        await audit(tx, actor, 'visitor.register_at_kiosk', { type: 'visitor', id: v.id });
      } else if (upload && (input.replacePhoto || !v.photoKey)) {
        // 替换注册照片: the library photo becomes the one just taken (old object deleted after commit)
        if (v.photoKey) oldKeys.push(v.photoKey);
        await withdrawFaceConsents(tx, v.id, now);
        await tx.update(visitors).set({ photoKey: upload.storageKey, updatedAt: now }).where(eq(visitors.id, v.id));
        await insertFaceConsent(tx, v.id, upload.consentVersion, upload.consentAt);
        await audit(tx, actor, 'visitor.photo_replace', { type: 'visitor', id: v.id }, { via: 'kiosk' });
      }
      if (upload) await markUploadUsed(tx, upload.id, now);
      const remark = [input.visitType ? `访问类型：${input.visitType}` : null, input.temperature != null ? `体温：${input.temperature.toFixed(1)}℃` : null, input.remark ?? null].filter(Boolean).join('；') || null;
      const order = await this.createOrder(
        tx,
        { kind: 'walk_in', visitorId: v.id, visitorPhone: v.phone, hostId: host.id, unitId: host.unitId, reason: input.reason, remark, startAt: start, endAt: end } as repo.NewOrder,
        actor,
        'desk',
      );
      const unit = await repo.findUnit(tx, host.unitId);
      let next: OrderRow;
      if (unit?.allowDeskConfirm) {
        next = await this.move(tx, order, 'confirmed', { actor, role: 'desk', action: 'approve', set: { submittedAt: now } });
        await this.notify(tx, 'order_approved', next, { kind: 'staff', id: host.id, phone: host.phone });
      } else {
        next = await this.move(tx, order, 'pending', { actor, role: 'desk', action: 'submit', set: { submittedAt: now } });
        await this.enterReview(tx, next);
      }
      await audit(tx, actor, 'visit.walk_in', { type: 'visit_order', id: order.id }, { deskConfirmed: !!unit?.allowDeskConfirm });
      return { order: (await buildCards(tx, ctx, [(await repo.findOrder(tx, order.id))!], actor))[0]!, visitor: { name: v.name, blocked: v.blocked } };
    });
    for (const k of oldKeys) await deletePhotoNow(ctx, k).catch(() => {});
    return result;
  }

  // ——— jobs ———

  /** Cancel as expired every waiting order whose end has passed. Returns how many. */
  async expireDue(limit = 500): Promise<number> {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      let n = 0;
      for (const { id } of await repo.findExpired(tx, now, limit)) {
        const o = await repo.findOrder(tx, id, { forUpdate: true });
        if (!o || !isExpired({ status: o.status as OrderStatus, endAt: o.endAt }, now)) continue;
        const next = await this.move(tx, o, 'cancelled', { actor: { type: 'system', id: 'expiry' }, role: 'system', action: 'expire', cancelReason: 'expired' });
        if (o.status === 'pending') await this.notifyVisitorOf(tx, 'order_expired', next);
        n++;
      }
      return n;
    });
  }
}

