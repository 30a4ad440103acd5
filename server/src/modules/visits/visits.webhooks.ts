/**
 * The visit-order webhook events (X8): which status move is which event, and the data each carries.
 * Called from VisitsCore inside the move's transaction; the webhooks module only hears of it
 * through its hook (webhooks.hooks.ts), so visits does not depend on webhooks' internals.
 *
 * The data names the visitor and shows the ID number masked (never whole) and no phone: a phone
 * reaches the person directly and no integrator needs it to act on an order; one who must call
 * the visitor reads the order through the API, where the read is audited (SPEC X5).
 */
import { maskIdNumber } from '../../../../contracts/identity.js';
import type { OrderStatus } from '../../../../contracts/visits.js';
import type { WebhookEvent } from '../../../../contracts/webhooks.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { emitWebhookEvent } from '../webhooks/webhooks.hooks.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';

/** The events of a status move from → to (none when the status stays, e.g. a review step). */
export function orderEventsOf(from: OrderStatus, to: OrderStatus, cancelReason: string | null): WebhookEvent[] {
  if (from === to) return [];
  const out: WebhookEvent[] = [];
  if (from === 'initiated' && (to === 'pending' || to === 'confirmed')) out.push('order.submitted');
  if (to === 'confirmed') out.push('order.approved');
  if (to === 'cancelled') out.push(cancelReason === 'rejected' ? 'order.rejected' : 'order.cancelled');
  if (to === 'arrived') out.push('order.arrived');
  return out;
}

/** `data.order` of an order event. */
export async function orderEventData(ctx: AppContext, tx: Tx, o: OrderRow): Promise<Record<string, unknown>> {
  const host = await repo.findStaff(tx, o.hostId);
  const v = o.visitorId ? await repo.findVisitor(tx, o.visitorId) : undefined;
  const attendee = o.attendeeStaffId ? await repo.findStaff(tx, o.attendeeStaffId) : undefined;
  const idEnc = v?.idNumberEnc ?? o.inviteeIdNumberEnc;
  return {
    order: {
      id: o.id,
      parentId: o.parentId,
      kind: o.kind,
      status: o.status,
      cancelReason: o.cancelReason,
      reason: o.reason,
      unit: { id: o.unitId, name: host?.unitName ?? null },
      host: { id: o.hostId, name: host?.name ?? null },
      window: { startAt: o.startAt.toISOString(), endAt: o.endAt.toISOString() },
      visitor: {
        name: v?.name ?? attendee?.name ?? o.inviteeName ?? null,
        idType: v?.idType ?? o.inviteeIdType ?? null,
        idNumberMasked: idEnc ? maskIdNumber(ctx.crypto.decrypt(idEnc)) : null,
        internal: !!o.attendeeStaffId,
      },
      arrivedAt: o.arrivedAt?.toISOString() ?? null,
      arrivedVia: o.arrivedVia ?? null,
      leftAt: o.leftAt?.toISOString() ?? null,
      leftVia: o.leftVia ?? null,
    },
  };
}

/** Tell the subscribed endpoints of these events of one order (one query when nobody listens). */
export async function emitOrderEvents(ctx: AppContext, tx: Tx, events: WebhookEvent[], o: OrderRow): Promise<void> {
  for (const type of events) await emitWebhookEvent(ctx, tx, type, () => orderEventData(ctx, tx, o));
}
