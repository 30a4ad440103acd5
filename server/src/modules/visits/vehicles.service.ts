/**
 * 车辆审核 (S8, A6): the plate on an order (V3 appointment, S1 invitation, a meeting attendee's
 * submission) is reviewed by the vehicle reviewers set for the order's unit, apart from the order's
 * own review. Its state (车辆通行状态 无 / 待确认 / 已通过 / 未通过) shows on every card; an approved
 * plate goes to the parking barriers for the order's window (the access reconciler). Someone who
 * is not a vehicle reviewer of the order's unit gets 404, as for every other review.
 */
import { and, desc, eq, inArray, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import { unitReviewers, visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderStatus } from '../../../../contracts/visits.js';
import { buildCards, buildDetail, type OrderCard, type OrderDetail } from './visits.view.js';
import { VisitsCore } from './visits.core.js';

export type VehicleTab = 'pending' | 'done' | 'cc';

/** The units whose plates this staff member reviews (or is copied on). */
async function unitsOf(tx: Tx, staffId: string, cc: boolean): Promise<string[]> {
  const rows = await tx
    .select({ unitId: unitReviewers.unitId })
    .from(unitReviewers)
    .where(and(eq(unitReviewers.staffId, staffId), eq(unitReviewers.kind, 'vehicle'), eq(unitReviewers.cc, cc)));
  return rows.map((r) => r.unitId);
}

/** 车辆审核 待审核: a plate waiting on an order that is not cancelled (the partial index visit_orders_vehicle_pending). */
const platesWaiting = sql`${visitOrders.vehicleStatus} = 'pending' and ${visitOrders.status} <> 'cancelled'`;

/** SQL: the plates waiting for this vehicle reviewer (not cc) — the 审批中心 badge. */
export const vehiclesWaitingFor = (staffId: string): SQL =>
  sql`${platesWaiting} and ${visitOrders.unitId} in (select ${unitReviewers.unitId} from ${unitReviewers} where ${unitReviewers.staffId} = ${staffId} and ${unitReviewers.kind} = 'vehicle' and not ${unitReviewers.cc})`;

export class VehiclesService {
  private readonly core: VisitsCore;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
  }

  /** 车辆审核 待审核 / 已审核 / 抄送我: orders with a plate of the units this person reviews (or is copied on). */
  async list(actor: Actor, tab: VehicleTab, page: number, pageSize: number): Promise<{ items: OrderCard[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const units = await unitsOf(tx, actor.id, tab === 'cc');
      let where: SQL | undefined;
      if (!units.length) where = sql`false`;
      else if (tab === 'pending') where = and(inArray(visitOrders.unitId, units), platesWaiting);
      else if (tab === 'done') where = and(inArray(visitOrders.unitId, units), inArray(visitOrders.vehicleStatus, ['approved', 'rejected']));
      else where = and(inArray(visitOrders.unitId, units), isNotNull(visitOrders.vehicleStatus));
      const [t] = await tx.select({ n: sql<number>`count(*)::int` }).from(visitOrders).where(where);
      const rows = await tx
        .select()
        .from(visitOrders)
        .where(where)
        .orderBy(desc(visitOrders.createdAt))
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      await audit(tx, actor, 'visit.vehicle_list', { type: 'visit_order' }, { tab, count: rows.length });
      return { items: await buildCards(tx, this.ctx, rows, actor), total: Number(t?.n ?? 0) };
    });
  }

  /** 审核通过 / 审核不通过 (a comment required) by a vehicle reviewer of the order's unit; the barriers follow. */
  async review(actor: Actor, orderId: string, decision: 'approve' | 'reject', comment?: string | null): Promise<OrderDetail> {
    if (decision === 'reject' && !comment?.trim()) throw new AppError('COMMENT_REQUIRED');
    return this.ctx.db.transaction(async (tx) => {
      const o = await repo.findOrder(tx, orderId, { forUpdate: true });
      if (!o || !o.plate || !o.vehicleStatus) throw new AppError('NOT_FOUND');
      if (!(await unitsOf(tx, actor.id, false)).includes(o.unitId)) throw new AppError('NOT_FOUND');
      if (o.vehicleStatus !== 'pending' || o.status === 'cancelled') throw new AppError('VEHICLE_NOT_REVIEWABLE');
      const next = await this.core.move(tx, o, o.status as OrderStatus, {
        actor,
        role: 'vehicle_reviewer',
        action: decision === 'approve' ? 'vehicle_approve' : 'vehicle_reject',
        comment: [o.plate, comment?.trim()].filter(Boolean).join(' · '),
        set: { vehicleStatus: decision === 'approve' ? 'approved' : 'rejected', vehicleReviewedBy: actor.id, vehicleReviewedAt: this.ctx.clock.now(), vehicleComment: comment?.trim() || null },
      });
      // the barriers take (or never get) the plate for the order's window
      await this.ctx.hooks.emit(tx, 'order.changed', next);
      await audit(tx, actor, decision === 'approve' ? 'visit.vehicle_approve' : 'visit.vehicle_reject', { type: 'visit_order', id: o.id }, { unitId: o.unitId });
      return buildDetail(tx, this.ctx, next, actor);
    });
  }
}
