/**
 * The visitor library (访客库, A2), administrators only: search, detail with visit history, the
 * face photo, and the blocklist (blocked visitors cannot submit orders; blocking cancels their open
 * orders and takes their credentials off every gate; gates and the kiosk refuse them and alert). ID numbers are found by the blind index of the exact normalised
 * number and shown masked; every read of a visitor's record or photo is audited in the same
 * transaction.
 */
import type { FastifyRequest } from 'fastify';
import { maskIdNumber, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { adminUnitScope, requireActor } from '../identity/session.js';
import * as repo from './visitor-library.repository.js';
import { presenceOf } from '../visits/presence.js';
import { VisitsService } from '../visits/visits.service.js';

/** how many orders the detail shows */
export const HISTORY_LIMIT = 50;

export interface VisitorListQuery {
  q?: string;
  blocked?: boolean;
  page: number;
  pageSize: number;
}

export class VisitorLibraryService {
  private readonly visits: VisitsService;
  constructor(private readonly ctx: AppContext) {
    this.visits = new VisitsService(ctx);
  }

  /** GET /api/admin/visitors: name or phone (contains) or the exact ID number; newest first. */
  async list(req: FastifyRequest, query: VisitorListQuery) {
    const actor = requireActor(req, 'admin');
    const q = query.q?.trim() || undefined;
    const idNumber = q ? normaliseIdNumber(q) : '';
    // any text of ID-number shape may be one: compare its blind index, never the number itself
    // a 单位管理员's library: the visitors who have had an order with their unit
    const filter: repo.VisitorFilter = { q, blocked: query.blocked, unitId: adminUnitScope(req) ?? undefined, idNumberIdx: /^[0-9A-Z]{5,}$/.test(idNumber) ? this.ctx.crypto.blindIndex(idNumber) : undefined };
    return this.ctx.db.transaction(async (tx) => {
      const total = await repo.countVisitors(tx, filter);
      const rows = await repo.listVisitors(tx, filter, { limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      // names and phones are personal data: who looked is recorded (not the search text)
      await audit(tx, actor, 'visitor.list', { type: 'visitor' }, { search: Boolean(q), blocked: query.blocked, page: query.page, count: rows.length });
      return { items: rows.map((v) => this.summary(v)), total, page: query.page, pageSize: query.pageSize };
    });
  }

  /** GET /api/admin/visitors/:id: the record (ID masked), face consent and visit history; audited. */
  async detail(req: FastifyRequest, id: string) {
    const actor = requireActor(req, 'admin');
    const scope = adminUnitScope(req);
    return this.ctx.db.transaction(async (tx) => {
      const v = await repo.findVisitor(tx, id, { unitId: scope });
      if (!v) throw new AppError('NOT_FOUND');
      const consent = await repo.latestFaceConsent(tx, id);
      // a 单位管理员 sees the visits to their unit only
      const history = await repo.visitHistory(tx, id, HISTORY_LIMIT, scope);
      const visitCount = await repo.countVisits(tx, id, scope);
      await audit(tx, actor, 'visitor.read', { type: 'visitor', id });
      return {
        ...this.summary(v),
        registeredVia: v.registeredVia,
        updatedAt: v.updatedAt.toISOString(),
        faceConsent: consent
          ? {
              status: consent.withdrawnAt ? ('withdrawn' as const) : ('granted' as const),
              version: consent.textVersion,
              grantedAt: consent.grantedAt.toISOString(),
              withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
            }
          : null,
        visitCount,
        history: history.map(({ arrivedVia: _av, arrivedWhere: _aw, leftAt: _la, leftVia: _lv, leftWhere: _lw, ...h }) => ({
          ...h,
          startAt: h.startAt.toISOString(),
          endAt: h.endAt.toISOString(),
          arrivedAt: h.arrivedAt?.toISOString() ?? null,
          // arrival and leave: when, how and where (gate, kiosk, automatic)
          presence: presenceOf({ ...h, arrivedVia: _av, arrivedWhere: _aw, leftAt: _la, leftVia: _lv, leftWhere: _lw }, this.ctx.clock.now(), this.ctx.config.VISIT_OVERSTAY_MINUTES),
        })),
      };
    });
  }

  /** GET /api/admin/visitors/:id/photo: the JPEG; the read is audited in the same transaction. */
  async photo(req: FastifyRequest, id: string): Promise<Buffer> {
    const actor = requireActor(req, 'admin');
    const scope = adminUnitScope(req);
    return this.ctx.db.transaction(async (tx) => {
      const v = await repo.findVisitor(tx, id, { unitId: scope });
      if (!v?.photoKey) throw new AppError('NOT_FOUND');
      const jpeg = await this.ctx.storage.get(v.photoKey);
      if (!jpeg) throw new AppError('NOT_FOUND');
      await audit(tx, actor, 'visitor.photo.read', { type: 'visitor', id });
      return jpeg;
    });
  }

  /** PATCH /api/admin/visitors/:id/block: 加入黑名单 (reason required) / 移出黑名单. */
  async setBlocked(req: FastifyRequest, id: string, input: { blocked: boolean; reason?: string | null }) {
    const actor = requireActor(req, 'admin');
    const reason = input.reason?.trim() || null;
    if (input.blocked && !reason) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'reason' });
    return this.ctx.db.transaction(async (tx) => {
      const cur = await repo.findVisitor(tx, id, { lock: true });
      if (!cur) throw new AppError('NOT_FOUND');
      const v = await repo.setBlocked(tx, id, input.blocked, input.blocked ? reason : null, this.ctx.clock.now());
      let cancelled = 0;
      if (input.blocked && !cur.blocked) {
        // off every gate at once (the re-sync consent withdrawal uses; the reconciler refuses a
        // blocked holder, so even an order already 已到达 loses its credentials), and every open
        // order cancelled. Unblocking restores nothing by itself.
        await this.ctx.hooks.emit(tx, 'holder.changed', { visitorId: id });
        cancelled = await this.visits.cancelForBlocked(tx, { id, phone: cur.phone }, actor);
      }
      await audit(tx, actor, input.blocked ? 'visitor.block' : 'visitor.unblock', { type: 'visitor', id }, { reason, wasBlocked: cur.blocked, ...(input.blocked ? { cancelled } : {}) });
      return { ...this.summary(v), cancelledOrders: cancelled };
    });
  }

  private summary(v: repo.VisitorRow) {
    return {
      id: v.id,
      name: v.name,
      phone: v.phone,
      idType: v.idType as IdType,
      idNumberMasked: v.idNumberEnc ? maskIdNumber(this.ctx.crypto.decrypt(v.idNumberEnc)) : null,
      company: v.company,
      position: v.position,
      hasPhoto: Boolean(v.photoKey),
      blocked: v.blocked,
      blockedReason: v.blockedReason,
      lastVisitAt: v.lastVisitAt?.toISOString() ?? null,
      createdAt: v.createdAt.toISOString(),
    };
  }
}
