/**
 * Review (SPEC §2): 审核通过 / 审核不通过 by the host, the approval chain's current node or a
 * meeting's bookers, and the 审批中心 lists and badges.
 */
import { and, eq, exists, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import { meetingBookings, orderCc, orderChainSteps, orderTransitions, visitOrders } from '../../db/schema/index.js';
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
import { VehiclesService } from './vehicles.service.js';
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
          next = await this.core.move(tx, o, 'pending', { actor, role, action: 'approve', comment, set: { chainStep: nextStep.position } });
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
      return {
        visitsPending: Number(r?.n ?? 0),
        meetingsPending: Number(m?.n ?? 0),
        vehiclesPending: await new VehiclesService(this.ctx).pendingCount(tx, actor),
        // 人员审核 (personnel module): its badge, and whether 审批中心 shows the tile at all
        ...(await new PersonnelReviewService(this.ctx).counts(tx, actor)),
      };
    });
  }
}
