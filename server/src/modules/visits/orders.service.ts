/**
 * Visit orders as visitors and hosts make them (SPEC §2): V3/V4 访客预约, S1 访客邀约, 添加同行人员,
 * V9 帮同伴填写, V10 批量转发, 取消, the order detail and lists, and the V8 appointment code. Every
 * method begins with the access check (an order the actor may not see is NOT_FOUND) and does its
 * writes in one transaction with the trail, audit and notifications (jobs, sent after commit).
 */
import { and, eq, gte, lt, ne, type SQL } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { checkIdNumber, isValidPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { CancelReason, OrderKind, OrderStatus } from '../../../../contracts/visits.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import { canAddCompanions, canCancel } from './visits.rules.js';
import { createLink } from './links.js';
import { CODE_REFRESH_S, signCode } from './codes.js';
import { buildCards, type OrderCard, type OrderDetail } from './visits.view.js';
import { VisitsCore } from './visits.core.js';
import { OrderIntake } from './order-intake.js';

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

export interface ListQuery {
  scope: 'recent' | 'history';
  status: 'all' | OrderStatus;
  page: number;
  pageSize: number;
}

export class OrdersService {
  private readonly core: VisitsCore;
  private readonly intake: OrderIntake;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
    this.intake = new OrderIntake(ctx, this.core);
  }

  /** What an appointment and an invitation take alike from their form: host, unit, reason, remark, window (within the host's limit), plate. */
  private formFields(host: { id: string; unitId: string; maxVisitHours: number }, input: { reason: string; remark?: string | null; startAt: string; endAt: string; plate?: string | null }) {
    const { start, end } = this.intake.parseWindow(input.startAt, input.endAt, host.maxVisitHours);
    return { hostId: host.id, unitId: host.unitId, reason: input.reason, remark: input.remark ?? null, startAt: start, endAt: end, plate: input.plate ?? null };
  }

  async createAppointment(actor: Actor, input: AppointmentInput): Promise<OrderDetail> {
    if (!isValidPhone(input.hostPhone)) throw new AppError('PHONE_INVALID');
    // the morning rush's request: each statement counts (bench/visits.bench.ts) — the author and the
    // idempotency key in one, the host with the unit's chain in one, the order written as submitted,
    // and the answer built from what was written rather than read back
    return this.intake.once(
      actor,
      input.idempotencyKey,
      'v',
      async (tx, idempotencyKey) => {
        const me = await repo.findSubmitter(tx, actor.id, idempotencyKey);
        if (!me) throw new AppError('AUTH_REQUIRED');
        if (me.dupId) return this.core.detail(tx, (await repo.findOrder(tx, me.dupId))!, actor);
        if (me.blocked) throw new AppError('VISITOR_BLOCKED');
        const host = await repo.findHostWithChain(tx, input.hostPhone, 'appointment');
        if (!host) throw new AppError('HOST_NOT_FOUND');
        const form = this.formFields(host, input);
        const phones = this.intake.normalisePhones(input.companionPhones, [me.phone]);
        const who = { hostName: host.name, unitName: host.unitName, visitorName: me.name };
        const { row: main, trail, review } = await this.intake.createSubmitted(
          tx,
          { kind: 'appointment', visitorId: me.id, visitorPhone: me.phone, ...form, createdByVisitorId: me.id, idempotencyKey },
          actor,
          { host, who },
        );
        const companions = await this.intake.addCompanionSubs(tx, main, phones, actor, me.name);
        await audit(tx, actor, 'visit.create', { type: 'visit_order', id: main.id }, { kind: 'appointment', companions: phones.length });
        return this.intake.submittedDetail(main, { host, me, companions, trail, review }, actor);
      },
      undefined,
      false,
    );
  }

  /** 添加同行人员 on a main order (visitor who owns it, or the host of an invitation). */
  async addCompanions(actor: Actor, orderId: string, phonesIn: string[]): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const seen = await this.core.loadVisible(tx, orderId, actor);
      if (actor.type === 'visitor' && seen.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      if (actor.type === 'staff' && seen.hostId !== actor.id) throw new AppError('NOT_FOUND');
      if (seen.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      // the host sees a visitor's appointment but may not add phones (and SMS links) to it
      if (!canAddCompanions(seen.kind as OrderKind, actor.type === 'visitor' ? 'visitor' : 'host')) throw new AppError('FORBIDDEN');
      const existing = (await repo.listSubs(tx, [seen.id])).filter((s) => s.status !== 'cancelled').map((s) => s.visitorPhone);
      const phones = this.intake.normalisePhones(phonesIn, [seen.visitorPhone, ...existing]);
      const main = await this.intake.lockMainForSubs(tx, orderId, phones.length);
      await this.intake.addCompanionSubs(tx, main, phones, actor);
      await audit(tx, actor, 'visit.companions_add', { type: 'visit_order', id: main.id }, { count: phones.length });
      return this.core.detail(tx, (await repo.findOrder(tx, main.id))!, actor);
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
      const seen = await this.core.loadVisible(tx, orderId, actor);
      if (seen.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      await this.intake.assertNotBlocked(tx, actor.id);
      if (seen.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      if (input.phone === seen.visitorPhone) throw new AppError('COMPANION_DUPLICATE');
      const main = await this.intake.lockMainForSubs(tx, orderId, 1);
      let companion = await repo.findVisitorByPhone(tx, input.phone);
      if (!companion) {
        companion = await this.intake.registerVisitor(tx, { ...input, idNumber }, 'help_fill');
        await audit(tx, actor, 'visitor.register_by_companion', { type: 'visitor', id: companion.id });
      }
      const sub = await this.intake.createOrder(tx, this.intake.subOf(main, 'help_fill', { visitorId: companion.id, phone: companion.phone, createdByVisitorId: actor.id, plate: input.plate }), actor, 'visitor');
      if (companion.blocked) throw new AppError('VISITOR_BLOCKED');
      const submitted = await this.core.submit(tx, sub, actor, input.plate);
      await audit(tx, actor, 'visit.help_fill', { type: 'visit_order', id: submitted.id }, { main: main.id });
      return this.core.detail(tx, (await repo.findOrder(tx, submitted.id))!, actor);
    });
  }

  /** V10 批量转发同伴填写: a link several companions can use until it expires or the limit is reached. */
  async forwardLink(actor: Actor, orderId: string) {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.core.loadVisible(tx, orderId, actor);
      if (o.visitorId !== actor.id) throw new AppError('NOT_FOUND');
      if (o.parentId) throw new AppError('SUB_CANNOT_HAVE_SUBS');
      await this.intake.lockMainForSubs(tx, orderId, 1);
      const link = await createLink(this.ctx, tx, { purpose: 'forward', orderId: o.id, until: o.endAt });
      await audit(tx, actor, 'visit.forward_link', { type: 'visit_order', id: o.id });
      return { url: link.url, expiresAt: link.expiresAt.toISOString() };
    });
  }

  async cancel(actor: Actor, orderId: string, comment?: string | null): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.core.loadVisible(tx, orderId, actor, true);
      const asVisitor = actor.type === 'visitor' && (o.visitorId === actor.id || o.createdByVisitorId === actor.id);
      const asHost = actor.type === 'staff' && o.hostId === actor.id;
      if (!asVisitor && !asHost) throw new AppError('NOT_FOUND');
      if (!canCancel(o.status as OrderStatus)) throw new AppError('ORDER_NOT_CANCELLABLE');
      const reason: CancelReason = asHost ? 'withdrawn_by_host' : 'withdrawn_by_visitor';
      const next = await this.core.move(tx, o, 'cancelled', { actor, role: asHost ? 'host' : 'visitor', action: 'cancel', cancelReason: reason, comment });
      if (asHost) await this.core.notifyVisitorOf(tx, 'order_cancelled', next, { status: '已取消' });
      else {
        const host = await repo.findStaff(tx, o.hostId);
        if (host && o.status === 'pending') await this.core.notify(tx, 'order_cancelled', next, { kind: 'staff', id: host.id, phone: host.phone }, { status: '已取消' });
      }
      await audit(tx, actor, 'visit.cancel', { type: 'visit_order', id: o.id }, { reason });
      return this.core.detail(tx, (await repo.findOrder(tx, o.id))!, actor);
    });
  }


  /** S1 访客邀约. */
  async createInvitation(actor: Actor, input: InvitationInput): Promise<OrderDetail> {
    const { ctx } = this;
    if (!isValidPhone(input.visitorPhone)) throw new AppError('PHONE_INVALID');
    if (input.idNumber) {
      const err = checkIdNumber(input.idType ?? 'prc_id', input.idNumber);
      if (err) throw new AppError(err);
    }
    if (input.companionPhones.length > input.companionLimit) throw new AppError('COMPANION_LIMIT_REACHED', { left: input.companionLimit });
    return this.intake.once(actor, input.idempotencyKey, 's', async (tx, idempotencyKey) => {
      const host = await repo.findStaff(tx, actor.id);
      if (!host) throw new AppError('AUTH_REQUIRED');
      const form = this.formFields(host, input);
      const phones = this.intake.normalisePhones(input.companionPhones, [input.visitorPhone]);
      const known = await repo.findVisitorByPhone(tx, input.visitorPhone);
      const main = await this.intake.createOrder(
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
          ...form,
          reviewRequired: input.reviewRequired,
          companionLimit: input.companionLimit,
          createdByStaffId: host.id,
          idempotencyKey,
        } as repo.NewOrder,
        actor,
        'host',
      );
      const link = await createLink(ctx, tx, { purpose: 'invitation', orderId: main.id, phone: input.visitorPhone, until: form.endAt });
      await this.core.notify(tx, 'invitation_sent', main, { kind: known ? 'visitor' : 'phone', id: known?.id, phone: input.visitorPhone }, {}, link.url);
      await this.intake.addCompanionSubs(tx, main, phones, actor);
      await audit(tx, actor, 'visit.invite', { type: 'visit_order', id: main.id }, { companions: phones.length, reviewRequired: input.reviewRequired });
      return this.core.detail(tx, (await repo.findOrder(tx, main.id))!, actor);
    });
  }


  async get(actor: Actor, id: string): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const o = await this.core.loadVisible(tx, id, actor);
      if (actor.type === 'staff') await audit(tx, actor, 'visit.read', { type: 'visit_order', id: o.id });
      return this.core.detail(tx, o, actor);
    });
  }

  private scopeWhere(q: ListQuery): SQL {
    const dayStart = this.ctx.clock.startOfDay();
    const parts: SQL[] = [q.scope === 'recent' ? gte(visitOrders.startAt, dayStart) : lt(visitOrders.startAt, dayStart)];
    if (q.status !== 'all') parts.push(eq(visitOrders.status, q.status));
    return and(...parts)!;
  }

  /** 我的预约: reads only, nothing written or audited — no transaction (two round trips fewer). */
  async listMine(actor: Actor, q: ListQuery): Promise<{ items: OrderCard[]; total: number }> {
    const db = this.ctx.db;
    const { rows, total } = await repo.pageMyOrders(db, { visitorId: actor.id, scope: q.scope, status: q.status, dayStart: this.ctx.clock.startOfDay(), page: q.page, pageSize: q.pageSize });
    return { items: await buildCards(db, this.ctx, rows, actor), total };
  }

  async listHosted(actor: Actor, q: ListQuery): Promise<{ items: OrderCard[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const { rows, total } = await repo.pageOrders(tx, and(eq(visitOrders.hostId, actor.id), ne(visitOrders.kind, 'meeting'), this.scopeWhere(q)), q.page, q.pageSize);
      await audit(tx, actor, 'visit.list', { type: 'visit_order' }, { scope: q.scope, status: q.status, count: rows.length });
      return { items: await buildCards(tx, this.ctx, rows, actor), total };
    });
  }

  /** Only the order's own visitor, only for a confirmed order (never in the host's 我的邀约). */
  async code(actor: Actor, id: string) {
    const o = await this.ctx.db.transaction((tx) => repo.findOrder(tx, id));
    if (!o || o.visitorId !== actor.id) throw new AppError('NOT_FOUND');
    if (o.status !== 'confirmed') throw new AppError('CODE_NOT_AVAILABLE');
    const { token, expiresAt } = await signCode(this.ctx, o.id);
    return { token, expiresAt: expiresAt.toISOString(), refreshAfterSeconds: CODE_REFRESH_S };
  }
}
