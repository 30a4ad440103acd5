/**
 * The kiosk (K1): host search, today's walk-ins, a visitor's last visit, 现场登记 and the scanned
 * 访客预约码 check. Blocklisted people are refused and the desk alerted.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { checkIdNumber, isValidPhone, maskIdNumber, maskName, maskPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import { VisitorsService } from '../visitors/visitors.service.js';
import { deletePhotoNow } from '../../platform/photos.js';
import type { OrderStatus } from '../../../../contracts/visits.js';
import { audit } from '../audit/audit.js';
import { raiseAlert } from '../alerts/alerts.service.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { checkWindow } from './visits.rules.js';
import { verifyCode } from './codes.js';
import { buildCards } from './visits.view.js';
import { VisitsCore } from './visits.core.js';
import { OrderIntake } from './order-intake.js';

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
  /** one per registration at the kiosk: a retried or replayed (offline) walk-in creates one order */
  idempotencyKey?: string | null;
}

type WalkInResult = { order: Awaited<ReturnType<typeof buildCards>>[number]; visitor: { name: string; blocked: boolean }; replay?: true };

export class WalkInService {
  private readonly core: VisitsCore;
  private readonly intake: OrderIntake;
  private readonly visitors: VisitorsService;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
    this.intake = new OrderIntake(ctx, this.core);
    this.visitors = new VisitorsService(ctx);
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
      // the gates' rule (passes.service): confirmed, or arrived and not checked out at a kiosk / automatically —
      // a slip printed at check-in goes on opening the gates until the visitor checks out
      const reason = v?.blocked
        ? 'VISITOR_BLOCKED'
        : !['confirmed', 'arrived'].includes(o.status)
          ? `ORDER_${o.status.toUpperCase()}`
          : o.leftVia === 'kiosk' || o.leftVia === 'auto'
            ? 'CHECKED_OUT'
            : null;
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

  /**
   * The host list the kiosk keeps for searching while the server cannot be reached: full names (the
   * kiosk searches them and shows them masked, as online), never a phone.
   */
  async kioskHostDirectory() {
    return { items: await repo.hostDirectory(this.ctx.db, 5000) };
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
    // the same registration again (a retry after a lost answer, the offline queue): the first result
    const first = await this.intake.findOnce(actor, input.idempotencyKey, 'k');
    if (first) return ctx.db.transaction((tx) => this.replayWalkIn(tx, first, actor));
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
    const result = await this.intake.once(actor, input.idempotencyKey, 'k', async (tx, idempotencyKey) => {
      const host = await repo.findStaff(tx, input.hostId);
      if (!host || !host.visitPermission) throw new AppError('HOST_NOT_FOUND');
      const start = input.startAt ? new Date(input.startAt) : now;
      const end = input.endAt ? new Date(input.endAt) : new Date(ctx.clock.startOfDay().getTime() + 24 * 3600_000 - 60_000);
      const err = checkWindow(start, end, new Date(now.getTime() - 5 * 60_000), host.maxVisitHours);
      if (err) throw new AppError(err);
      let v = await repo.findVisitorByPhone(tx, input.phone);
      if (v?.blocked) throw new AppError('VISITOR_BLOCKED');
      const upload = input.photoUploadId ? await this.visitors.takeKioskUpload(tx, actor, input.photoUploadId) : undefined;
      if (!v) {
        v = await this.intake.registerVisitor(tx, { ...input, idNumber }, 'kiosk', upload?.storageKey);
        if (upload) await this.visitors.applyKioskUpload(tx, actor, v.id, upload, 'registered');
        await audit(tx, actor, 'visitor.register_at_kiosk', { type: 'visitor', id: v.id });
      } else if (upload) {
        // 替换注册照片: the library photo becomes the one just taken (old object deleted after commit)
        oldKeys.push(...(await this.visitors.applyKioskUpload(tx, actor, v.id, upload, input.replacePhoto || !v.photoKey ? 'replace' : 'discard')));
      }
      const remark = [input.visitType ? `访问类型：${input.visitType}` : null, input.temperature != null ? `体温：${input.temperature.toFixed(1)}℃` : null, input.remark ?? null].filter(Boolean).join('；') || null;
      const order = await this.intake.createOrder(
        tx,
        { kind: 'walk_in', visitorId: v.id, visitorPhone: v.phone, hostId: host.id, unitId: host.unitId, reason: input.reason, remark, startAt: start, endAt: end, idempotencyKey } as repo.NewOrder,
        actor,
        'desk',
      );
      const unit = await repo.findUnit(tx, host.unitId);
      let next: OrderRow;
      if (unit?.allowDeskConfirm) {
        next = await this.core.move(tx, order, 'confirmed', { actor, role: 'desk', action: 'approve', set: { submittedAt: now } });
        await this.core.notify(tx, 'order_approved', next, { kind: 'staff', id: host.id, phone: host.phone });
      } else {
        next = await this.core.move(tx, order, 'pending', { actor, role: 'desk', action: 'submit', set: { submittedAt: now } });
        await this.core.enterReview(tx, next);
      }
      await audit(tx, actor, 'visit.walk_in', { type: 'visit_order', id: order.id }, { deskConfirmed: !!unit?.allowDeskConfirm });
      return { order: (await buildCards(tx, ctx, [(await repo.findOrder(tx, order.id))!], actor))[0]!, visitor: { name: v.name, blocked: v.blocked } } as WalkInResult;
    }, (tx, dup) => this.replayWalkIn(tx, dup, actor));
    for (const k of oldKeys) await deletePhotoNow(ctx, k).catch(() => {});
    return result;
  }

  /** The answer to a walk-in already registered under the same key: its order as it stands now. */
  private async replayWalkIn(tx: Tx, first: OrderRow, actor: Actor): Promise<WalkInResult> {
    const v = first.visitorId ? await repo.findVisitor(tx, first.visitorId) : undefined;
    return { order: (await buildCards(tx, this.ctx, [first], actor))[0]!, visitor: { name: v?.name ?? '', blocked: v?.blocked ?? false }, replay: true };
  }
}
