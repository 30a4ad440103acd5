import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { scheduleOrderSync } from './access.service.js';

export interface OrderAccessState {
  id: string;
  status: string;
  startAt: Date;
  endAt: Date;
  /** a check-out at the kiosk or the automatic one ends what the gates hold */
  leftVia?: string | null;
  /** the plate's review: an approved plate goes to the barriers */
  vehicleStatus?: string | null;
}

/**
 * Called by the visits module inside the transaction of every order status change (X4): schedule
 * the issuance job that brings the gates in line with the order — now, at the window's start and
 * at its end (docs/decisions/0007-access-issuance.md). Pending and initiated orders schedule nothing.
 */
export async function orderAccessChanged(ctx: AppContext, tx: Tx, order: OrderAccessState): Promise<void> {
  await scheduleOrderSync(ctx, tx, order);
}
