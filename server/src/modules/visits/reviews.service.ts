/**
 * Review (SPEC §2): 审核通过 / 审核不通过 by the host, the approval chain's current node or a
 * meeting's bookers, and the 审批中心 lists and badges.
 */
import { and, eq, exists, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import { awaitingReview, bookedBy, meetingBookings, orderCc, orderTransitions, staff, visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { ActorRole } from '../../../../contracts/visits.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { isMeetingBooker, reviewPolicy, shapeOf } from './visits.rules.js';
import { buildCards, type OrderDetail } from './visits.view.js';
import { VisitsCore } from './visits.core.js';
import { vehiclesWaitingFor } from './vehicles.service.js';
import { PersonnelReviewService } from '../personnel/review.service.js';

export class ReviewsService {
  private readonly core: VisitsCore;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
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
        next = await this.core.move(tx, o, 'cancelled', { actor, role, action: 'reject', cancelReason: 'rejected', comment });
        await this.core.notifyVisitorOf(tx, 'order_rejected', next, { comment: comment ?? '' });
      } else {
        const nextStep = steps.find((s) => s.position === o.chainStep + 1);
        if (nextStep && policy === 'host_chain' && role !== 'booker') {
          // the next node waits: copied onto the order for 审批中心 (visit_orders_review_node / _role)
          next = await this.core.move(tx, o, 'pending', { actor, role, action: 'approve', comment, set: { chainStep: nextStep.position, chainStaffId: nextStep.staffId, chainRole: nextStep.role } });
          const approvers = nextStep.staffId ? await repo.findStaffByIds(tx, [nextStep.staffId]) : await repo.findStaffWithRole(tx, o.unitId, nextStep.role!);
          for (const s of approvers) await this.core.notify(tx, 'order_submitted', next, { kind: 'staff', id: s.id, phone: s.phone });
        } else {
          next = await this.core.move(tx, o, 'confirmed', { actor, role, action: 'approve', comment });
          await this.core.notifyVisitorOf(tx, 'order_approved', next);
        }
      }
      await audit(tx, actor, decision === 'approve' ? 'visit.approve' : 'visit.reject', { type: 'visit_order', id: o.id }, { step: o.chainStep });
      return this.core.detail(tx, (await repo.findOrder(tx, o.id))!, actor);
    });
  }

  /** 待处理: orders waiting for me now (host step, or my chain node). */
  private async pendingWhere(tx: Tx, actor: Actor): Promise<SQL> {
    const me = await repo.findStaff(tx, actor.id);
    const { host, node, role } = reviewBranches(actor.id, me?.roles ?? [], me?.unitId ?? null);
    return or(host, node, role)!;
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

  /**
   * 审批中心 badges: 访客审核 (the three branches of 待处理), 会议邀约审核, 车辆审核 in one statement — each
   * count over its own partial index (visit_orders_review_host / _node / _role, _meeting_pending,
   * _vehicle_pending) — and 人员审核 from the personnel module. No transaction: each badge stands alone.
   */
  async counts(actor: Actor) {
    const [c] = await badgeCounts(this.ctx.db, actor.id);
    return {
      visitsPending: Number(c?.visits ?? 0),
      meetingsPending: Number(c?.meetings ?? 0),
      vehiclesPending: Number(c?.vehicles ?? 0),
      // 人员审核 (personnel module): its badge, and whether 审批中心 shows the tile at all
      ...(await new PersonnelReviewService(this.ctx).counts(this.ctx.db, actor)),
    };
  }
}

/**
 * The orders waiting for one staff member's review, one branch per partial index: as host (step 0),
 * as the person node of the current step, as a holder of the current step's role in the order's unit.
 */
export function reviewBranches(staffId: string, roles: string[], unitId: string | null) {
  const waiting = awaitingReview(visitOrders);
  return {
    host: and(waiting, sql`${visitOrders.chainStep} = 0`, eq(visitOrders.hostId, staffId))!,
    node: and(waiting, sql`${visitOrders.chainStep} > 0`, eq(visitOrders.chainStaffId, staffId))!,
    role: roles.length && unitId ? and(waiting, sql`${visitOrders.chainStep} > 0`, eq(visitOrders.unitId, unitId), inArray(visitOrders.chainRole, roles))! : sql`false`,
  };
}

/** The badge statement (exported for the EXPLAIN test): one row, or none for an unknown staff id. */
export function badgeCounts(db: Tx, staffId: string) {
  // (a field's own columns would be written unqualified by drizzle for a one-table select: nest them)
  const count = (where: SQL) => sql<number>`${sql`(select count(*)::int from ${visitOrders} where ${where})`}`;
  const waiting = awaitingReview(visitOrders);
  const byRole = sql`${staff.deletedAt} is null and ${visitOrders.unitId} = ${staff.unitId} and ${visitOrders.chainRole} = any(${staff.roles})`;
  const { host, node } = reviewBranches(staffId, [], null);
  return db
    .select({
      visits: sql<number>`${count(host)} + ${count(node)} + ${count(sql`${waiting} and ${visitOrders.chainStep} > 0 and ${byRole}`)}`,
      meetings: sql<number>`${sql`(select count(*)::int from ${visitOrders} join ${meetingBookings} on ${meetingBookings.id} = ${visitOrders.meetingId}
        where ${visitOrders.status} = 'pending' and ${visitOrders.kind} = 'meeting' and ${bookedBy(staffId)})`}`,
      vehicles: count(vehiclesWaitingFor(staffId)),
    })
    .from(staff)
    .where(eq(staff.id, staffId));
}
