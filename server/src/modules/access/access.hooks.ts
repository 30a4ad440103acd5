import type { AppContext } from '../../platform/context.js';
import { holderChanged, scheduleOrderSync } from './issuance.js';

/**
 * What access does when other modules write (platform/hooks.ts), in their transaction: an order's
 * status, leave or plate review changed → schedule the issuance job that brings the gates in line
 * with it, now, at the window's start and at its end (docs/decisions/0007-access-issuance.md;
 * pending and initiated orders schedule nothing); a person's photo or face consent changed →
 * re-sync their orders open now. Registered once, by accessRoutes.
 */
export function registerAccessHooks(ctx: AppContext): void {
  ctx.hooks.on('order.changed', (tx, order) => scheduleOrderSync(ctx, tx, order));
  ctx.hooks.on('holder.changed', async (tx, holder) => {
    await holderChanged(ctx, tx, holder);
  });
}
