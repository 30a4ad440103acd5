/**
 * Creating visit orders (SPEC §2), for the use-case services: the window and the companion phones
 * checked, a visitor registered by someone else (帮同伴填写, the kiosk), an order created — or
 * created and submitted at once (访客预约) — subs for companions, the idempotency key's once-only
 * rule, and the row lock that keeps the invitation companion limit. What happens to an order once
 * it exists (moves, review, notices, who may see it) is VisitsCore's.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { isValidPhone, maskPhone, type IdType } from '../../../../contracts/identity.js';
import { visitors } from '../../db/schema/index.js';
import type { ActorRole, OrderStatus, SubOrigin } from '../../../../contracts/visits.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { canCreateSubs, checkWindow, remainingCompanionSlots, shapeOf, statusOnSubmit } from './visits.rules.js';
import { createLink } from './links.js';
import { cardOf, detailOf, type OrderDetail, type TransitionRow } from './visits.view.js';
import type { Review, SubmitHost, VisitsCore, Who } from './visits.core.js';

type Trail = Array<Omit<TransitionRow, 'seq'>>;
/** whose idempotency keys: v a visitor's, s a staff member's, k a kiosk's */
type OnceScope = 'v' | 's' | 'k';

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}

export class OrderIntake {
  constructor(
    private readonly ctx: AppContext,
    private readonly core: VisitsCore,
  ) {}

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

  /**
   * A main order created and submitted in one go by its visitor (访客预约): written in its submitted
   * state at once with both trail entries (发起, 提交) in one statement, then what a submission sets
   * off (as move and submit do) from what the caller has in hand — the host, the unit's chain, the
   * names — instead of reading it back.
   */
  async createSubmitted(tx: Tx, o: Omit<repo.NewOrder, 'status'>, actor: Actor, known: { host: SubmitHost; who: Who }): Promise<{ row: OrderRow; trail: Trail; review: Review }> {
    const now = this.ctx.clock.now();
    const shape = shapeOf({ kind: o.kind, parentId: null, origin: null, reviewRequired: o.reviewRequired ?? true, attendeeStaffId: o.attendeeStaffId ?? null });
    const to = statusOnSubmit(shape, null);
    if (!to || o.parentId) throw new Error('createSubmitted: a main order that can be submitted');
    // submitted with a plate: the plate waits for the unit's vehicle reviewers (车辆审核), apart from the order's review
    const plateSubmitted = !!o.plate;
    const row = await repo.insertOrder(tx, {
      ...o,
      status: to,
      cancelReason: null,
      submittedAt: now,
      visitorId: o.visitorId ?? actor.id,
      ...(plateSubmitted ? { vehicleStatus: 'pending' } : {}),
      ...(to === 'confirmed' ? { decidedAt: now } : {}),
    });
    const entry = { orderId: row.id, at: now, actorType: actor.type, actorId: actor.id, actorRole: 'visitor', reason: null, comment: null };
    const trail: Trail = [
      { ...entry, action: 'create', fromStatus: null, toStatus: 'initiated' },
      { ...entry, action: 'submit', fromStatus: 'initiated', toStatus: to },
    ];
    await repo.insertTransitions(tx, trail);
    await this.core.afterMove(tx, { ...row, status: 'initiated' }, row, actor, plateSubmitted, { hasSubs: false, who: known.who });
    let review: Review = { steps: [], names: new Map() };
    if (to === 'pending') review = await this.core.enterReview(tx, row, known);
    if (to === 'confirmed') await this.core.notifyVisitorOf(tx, 'order_approved', row, {}, known.who);
    return { row, trail, review };
  }

  /** The detail of an order createSubmitted has just written, for its own visitor, from what is in hand (no read-back). */
  submittedDetail(
    main: OrderRow,
    k: { host: SubmitHost; me: { id: string; name: string }; companions: { subs: OrderRow[]; names: Map<string, string> }; trail: Trail; review: Review },
    viewer: Actor,
  ): OrderDetail {
    const card = cardOf(
      main,
      {
        staff: new Map([[main.hostId, { name: k.host.name, unitName: k.host.unitName, departmentName: k.host.departmentName }]]),
        visitors: new Map([[k.me.id, { name: k.me.name }], ...[...k.companions.names].map(([id, name]) => [id, { name }] as const)]),
        subs: k.companions.subs,
        meetings: new Map(),
      },
      viewer,
    );
    const names = new Map([...k.review.names, [k.me.id, k.me.name] as const]);
    return detailOf(this.ctx, main, card, { transitions: k.trail, steps: k.review.steps, names, parent: null }, viewer);
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
    replay: (tx: Tx, first: OrderRow) => Promise<T> = (tx, first) => this.core.detail(tx, first, actor) as Promise<T>,
    /** `false`: `run` looks the key up itself (in a statement it sends anyway) and replays */
    lookup = true,
  ): Promise<T> {
    const { ctx } = this;
    const storedKey = this.storedKey(actor, key, prefix);
    try {
      return await ctx.db.transaction(async (tx) => {
        const dup = storedKey && lookup ? await repo.findByIdempotencyKey(tx, storedKey) : undefined;
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

  /**
   * Create subs from companion phones: known visitors submit with the main (appointment) or get a
   * link (invitation). Returns the subs as they now are, and the names of the known companions.
   * `inviter`: the inviter's name when the caller has it.
   */
  async addCompanionSubs(tx: Tx, main: OrderRow, phones: string[], actor: Actor, inviter?: string): Promise<{ subs: OrderRow[]; names: Map<string, string> }> {
    const out = { subs: [] as OrderRow[], names: new Map<string, string>() };
    for (const phone of phones) {
      const known = await repo.findVisitorByPhone(tx, phone);
      if (known) out.names.set(known.id, known.name);
      let sub = await this.createOrder(tx, this.subOf(main, 'companion', { visitorId: known?.id ?? null, phone, createdByVisitorId: main.createdByVisitorId }), actor, actor.type === 'staff' ? 'host' : 'visitor');
      // appointment: a companion already in the visitor library is submitted together with the main
      if (main.kind === 'appointment' && known && !known.blocked && main.status !== 'initiated') {
        sub = await this.core.submit(tx, sub, { type: 'visitor', id: known.id }, null, main.status as OrderStatus);
      } else {
        const link = await createLink(this.ctx, tx, { purpose: 'companion', orderId: sub.id, phone, until: main.endAt });
        await this.core.notify(tx, 'companion_link', sub, { kind: known ? 'visitor' : 'phone', id: known?.id, phone }, { inviterName: inviter ?? (await this.inviterName(tx, main)) }, link.url);
      }
      out.subs.push(sub);
    }
    return out;
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
}
