/**
 * 访客凭条 (X6): what a kiosk prints for a confirmed order — name, masked host, unit, window and a
 * code the gates accept until the window ends. Kiosk sessions only (the route checks), confirmed
 * or checked-in orders only, and never once the window is over.
 */
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { maskName } from '../../../../contracts/identity.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import { signSlipCode } from './codes.js';

export async function slipFor(ctx: AppContext, actor: Actor, orderId: string) {
  return ctx.db.transaction(async (tx) => {
    const o = await repo.findOrder(tx, orderId);
    if (!o) throw new AppError('NOT_FOUND');
    // confirmed, or checked in and still on site (a slip is printed right after 签到)
    const live = o.status === 'confirmed' || (o.status === 'arrived' && !o.leftAt);
    if (!live || o.endAt.getTime() <= ctx.clock.now().getTime()) throw new AppError('CODE_NOT_AVAILABLE');
    const v = o.visitorId ? await repo.findVisitor(tx, o.visitorId) : undefined;
    const host = await repo.findStaff(tx, o.hostId);
    const { token, expiresAt } = await signSlipCode(ctx, o.id, o.endAt);
    await audit(tx, actor, 'visit.slip_code', { type: 'visit_order', id: o.id });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      visitorName: v?.name ?? o.inviteeName ?? '',
      hostName: maskName(host?.name ?? ''),
      unitName: host?.unitName ?? '',
      startAt: o.startAt.toISOString(),
      endAt: o.endAt.toISOString(),
    };
  });
}
