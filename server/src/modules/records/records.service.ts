/**
 * 记录查询 (A8), 访客记录: every order, filtered by the day it starts (the center's calendar), unit,
 * host, kind, status and the visitor — a name (contains), a phone (exact, or its last digits) or an
 * ID number, found by the blind index of the exact normalised number, never by the number itself.
 * Administrators only; every read is audited in the same transaction (names, phones and masked ID
 * numbers are personal data). The order's own view (trail, chain, companions, presence) comes from
 * the visits module (VisitsService.adminDetail), its passes from the access module.
 */
import type { FastifyRequest } from 'fastify';
import { maskIdNumber, maskPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import { visitorSearchBy, type OrderRecordDetail, type OrderRecordFilter, type OrderRecordPage, type OrderRecordRow } from '../../../../contracts/records.js';
import type { CancelReason, OrderKind, OrderStatus, SubOrigin } from '../../../../contracts/visits.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { auditedReport } from '../../platform/reports.js';
import { adminUnitScope, assertInUnitScope, requireActor } from '../identity/session.js';
import { presenceOf } from '../visits/presence.js';
import { VisitsService } from '../visits/visits.service.js';
import { vehicleOf } from '../visits/visits.view.js';
import { listPassEvents } from '../access/pass-events.service.js';
import * as repo from './records.repository.js';

/** the passes an order's detail shows (a visit has a handful) */
const DETAIL_PASSES = 100;

export class RecordsService {
  private readonly visits: VisitsService;
  constructor(private readonly ctx: AppContext) {
    this.visits = new VisitsService(ctx);
  }

  /**
   * The filter as the queries take it: days → instants in the center's time zone (from's 00:00 up
   * to the day after to), the visitor text → name, phone, its last digits or an ID number's blind
   * index. A range that ends before it starts is VALIDATION_FAILED.
   */
  where(f: OrderRecordFilter): repo.OrderWhere {
    const { clock } = this.ctx;
    if (f.from && f.to && f.from > f.to) throw new AppError('VALIDATION_FAILED', { field: 'from/to' });
    const w: repo.OrderWhere = { unitId: f.unitId, hostId: f.hostId, kind: f.kind, status: f.status };
    if (f.from) w.from = clock.startOfDay(f.from);
    // the next day's start: 36 h on lands inside it whatever daylight saving does
    if (f.to) w.to = clock.startOfDay(clock.dayOf(new Date(clock.startOfDay(f.to).getTime() + 36 * 3600_000)));
    const text = f.visitor?.trim();
    if (text) {
      const by = visitorSearchBy(text);
      const compact = text.replace(/\s+/g, '');
      if (by === 'phone') w.phone = compact;
      else if (by === 'phone_suffix') w.phoneSuffix = compact;
      else if (by === 'id_number') w.idNumberIdx = this.ctx.crypto.blindIndex(normaliseIdNumber(compact));
      else w.name = text;
    }
    return w;
  }

  /** The filter as the audit log keeps it: the visitor text masked (a phone, an ID number) and how it was read. */
  auditFilter(f: OrderRecordFilter): Record<string, unknown> {
    const text = f.visitor?.trim();
    const by = text ? visitorSearchBy(text) : null;
    const shown = !text ? null : by === 'phone' ? maskPhone(text) : by === 'id_number' ? maskIdNumber(normaliseIdNumber(text)) : text;
    return { dateFrom: f.from ?? null, dateTo: f.to ?? null, unitId: f.unitId ?? null, hostId: f.hostId ?? null, kind: f.kind ?? null, orderStatus: f.status ?? null, visitor: shown, searchBy: by };
  }

  /** A 单位管理员's filter is their unit's (naming another unit: 404 NOT_FOUND). */
  scoped<F extends OrderRecordFilter>(req: FastifyRequest, f: F): F {
    const scope = adminUnitScope(req);
    if (f.unitId) assertInUnitScope(scope, f.unitId);
    return scope ? { ...f, unitId: scope } : f;
  }

  /** GET /api/admin/records/orders */
  async list(req: FastifyRequest, asked: OrderRecordFilter & { page: number; pageSize: number }): Promise<OrderRecordPage> {
    const actor = requireActor(req, 'admin');
    const f = this.scoped(req, asked);
    const w = this.where(f);
    // read on the reports database (the replica, when there is one), audited on the primary
    const { total, rows } = await auditedReport(
      this.ctx,
      async (tx) => ({ total: await repo.countOrders(tx, w), rows: await repo.pageOrders(tx, w, { limit: f.pageSize, offset: (f.page - 1) * f.pageSize }) }),
      (tx, r) => audit(tx, actor, 'records.orders.read', { type: 'visit_order' }, { ...this.auditFilter(f), page: f.page, count: r.rows.length }),
    );
    return { items: rows.map((r) => this.row(r)), total, page: f.page, pageSize: f.pageSize };
  }

  /** GET /api/admin/records/orders/:id */
  async detail(req: FastifyRequest, id: string): Promise<OrderRecordDetail> {
    const actor = requireActor(req, 'admin');
    return this.ctx.db.transaction(async (tx: Tx) => {
      const r = await repo.findOrderRow(tx, id);
      if (!r) throw new AppError('NOT_FOUND');
      assertInUnitScope(adminUnitScope(req), r.o.unitId);
      const order = await this.visits.adminDetail(tx, id, actor);
      const passes = await listPassEvents(tx, { orderId: id, page: 1, pageSize: DETAIL_PASSES });
      await audit(tx, actor, 'records.order.read', { type: 'visit_order', id });
      return { record: this.row(r), order, passes: passes.items };
    });
  }

  /** One row of 访客记录 (the table and the Excel file): the ID number only masked. */
  row(r: repo.RecordRow): OrderRecordRow {
    const o = r.o;
    const idEnc = r.visitorIdNumberEnc ?? o.inviteeIdNumberEnc;
    return {
      id: o.id,
      parentId: o.parentId,
      origin: o.origin as SubOrigin | null,
      kind: o.kind as OrderKind,
      status: o.status as OrderStatus,
      cancelReason: o.cancelReason as CancelReason | null,
      visitorName: r.visitorName ?? o.inviteeName,
      phone: o.visitorPhone,
      idType: ((r.visitorIdNumberEnc ? r.visitorIdType : o.inviteeIdType) as IdType | null) ?? null,
      idNumberMasked: idEnc ? maskIdNumber(this.ctx.crypto.decrypt(idEnc)) : null,
      company: r.visitorCompany ?? o.inviteeCompany,
      unitId: o.unitId,
      unitName: r.unitName,
      hostId: o.hostId,
      hostName: r.hostName,
      reason: o.reason,
      startAt: o.startAt.toISOString(),
      endAt: o.endAt.toISOString(),
      presence: presenceOf(o, this.ctx.clock.now(), this.ctx.config.VISIT_OVERSTAY_MINUTES),
      plate: o.plate,
      vehicleStatus: vehicleOf(o).status,
      createdAt: o.createdAt.toISOString(),
    };
  }
}
