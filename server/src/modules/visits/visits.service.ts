/**
 * What happens to visit orders from outside (SPEC §2, X4, A2): the meetings module invites and
 * cancels attendees, the visitor library's blocklist cancels a visitor's orders, a gate's pass marks
 * an order 已到达, and the clock expires orders. Each runs in the caller's transaction (the expiry
 * job in its own). The use cases people start are in orders, reviews, link-flow and walkin.service.
 */
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import type { OrderDetail, OrderStatus } from '../../../../contracts/visits.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { canCancel, isExpired, meetingAttendeeStatus } from './visits.rules.js';
import { createLink } from './links.js';
import { VisitsCore } from './visits.core.js';
import { OrderIntake } from './order-intake.js';

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

export class VisitsService {
  private readonly core: VisitsCore;
  private readonly intake: OrderIntake;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
    this.intake = new OrderIntake(ctx, this.core);
  }

  /**
   * A meeting booking was cancelled: every live attendee order of it is cancelled (withdrawn by
   * the host, i.e. the booking's side), with its trail entry and a message to external attendees.
   * Runs in the caller's transaction (the booking cancellation). Returns how many were cancelled.
   */
  async cancelMeetingOrders(tx: Tx, meetingId: string, actor: Actor): Promise<number> {
    const rows = await tx.select().from(visitOrders).where(and(eq(visitOrders.meetingId, meetingId), inArray(visitOrders.status, ['initiated', 'pending', 'confirmed']))).for('update');
    for (const o of rows) {
      const next = await this.core.move(tx, o, 'cancelled', { actor, role: 'host', action: 'cancel', cancelReason: 'withdrawn_by_host' });
      if (!o.attendeeStaffId) await this.core.notifyVisitorOf(tx, 'order_cancelled', next, { status: '已取消' });
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
      const next = await this.core.move(tx, o, 'cancelled', { actor, role: 'admin', action: 'cancel', cancelReason: 'blocked' });
      const host = o.attendeeStaffId ? undefined : await repo.findStaff(tx, o.hostId);
      if (host) await this.core.notify(tx, 'order_cancelled', next, { kind: 'staff', id: host.id, phone: host.phone }, { status: '已取消', comment: '原因：访客已列入黑名单。' });
      n++;
    }
    return n;
  }

  /**
   * A gate reported a granted pass in (X4, access module): a confirmed order becomes 已到达 with its
   * trail entry (闸机：已到达, the device as actor) and the host is told (visitor_arrived; not for an
   * internal meeting attendee). Runs in the caller's transaction (the pass event's); the caller
   * checks the window. Returns the order when it moved, null when it was not confirmed.
   */
  async markArrived(tx: Tx, order: OrderRow, via: { deviceId: string; deviceName: string; method: string; visitorName?: string }): Promise<OrderRow | null> {
    // the caller read the order and holds its row lock (the pass event's transaction)
    if (order.status !== 'confirmed') return null;
    const actor: Actor = { type: 'system', id: `device:${via.deviceId}` };
    return this.core.arrive(tx, order, { actor, role: 'gate', action: 'arrive', comment: via.method, at: this.ctx.clock.now(), via: 'gate', where: via.deviceName, visitorName: via.visitorName });
  }

  /**
   * A gate reported a granted pass out: an order on site (已到达, not yet left) records when and where
   * its visitor left, with a trail entry. The credential stays until the window ends (a visitor may
   * step out and come back). Returns true when it recorded a leave.
   */
  async markLeft(tx: Tx, orderId: string, via: { deviceId: string; deviceName: string }): Promise<boolean> {
    const o = await repo.findOrder(tx, orderId, { forUpdate: true });
    if (!o || o.status !== 'arrived' || o.leftAt) return false;
    await this.core.leave(tx, o, { actor: { type: 'system', id: `device:${via.deviceId}` }, role: 'gate', action: 'leave', at: this.ctx.clock.now(), via: 'gate', where: via.deviceName });
    return true;
  }

  /**
   * A parking barrier let the order's vehicle in or out (S8 车辆通行, access module): the entry
   * (the latest; a re-entry clears the exit) or the exit is recorded with a trail entry
   * (道闸：车辆入场 · 浙C12345 · the barrier). The order's status is untouched — the person arrives
   * at a gate or kiosk. Runs in the caller's transaction (the pass event's).
   */
  async markVehicle(tx: Tx, orderId: string, direction: 'in' | 'out', via: { deviceId: string; deviceName: string; plate: string }): Promise<boolean> {
    const o = await repo.findOrder(tx, orderId, { forUpdate: true });
    if (!o) return false;
    const at = this.ctx.clock.now();
    await repo.updateOrder(tx, o.id, direction === 'in' ? { vehicleInAt: at, vehicleOutAt: null } : { vehicleOutAt: at });
    await repo.insertTransition(tx, {
      orderId: o.id,
      at,
      actorType: 'system',
      actorId: `device:${via.deviceId}`,
      actorRole: 'barrier',
      action: direction === 'in' ? 'vehicle_in' : 'vehicle_out',
      fromStatus: o.status,
      toStatus: o.status,
      reason: null,
      comment: `${via.plate} · ${via.deviceName}`,
    });
    return true;
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
    const row = await this.intake.createOrder(
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
      return this.core.move(tx, row, 'confirmed', { actor, role: 'booker', action: 'confirm', set: { submittedAt: this.ctx.clock.now() } });
    }
    const link = await createLink(this.ctx, tx, { purpose: 'meeting', orderId: row.id, phone: who.phone, until: m.endAt });
    const applicant = await repo.findStaff(tx, m.applicantId);
    await this.core.notify(
      tx,
      'meeting_invitation',
      row,
      { kind: known ? 'visitor' : 'phone', id: known?.id, phone: who.phone },
      { meetingTitle: m.title, roomName: m.roomName, applicantName: applicant?.name ?? '', visitorName: who.name },
      link.url,
    );
    return row;
  }

  /**
   * 记录查询 (A8): any order as an administrator sees it — the card (host named in full), the trail,
   * the chain, companions and presence. The caller (records module) checks the actor and audits.
   */
  async adminDetail(tx: Tx, orderId: string, admin: Actor): Promise<OrderDetail> {
    const o = await repo.findOrder(tx, orderId);
    if (!o) throw new AppError('NOT_FOUND');
    return this.core.detail(tx, o, admin);
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
        const next = await this.core.move(tx, o, 'cancelled', { actor: { type: 'system', id: 'expiry' }, role: 'system', action: 'expire', cancelReason: 'expired' });
        if (o.status === 'pending') await this.core.notifyVisitorOf(tx, 'order_expired', next);
        n++;
      }
      return n;
    });
  }
}
