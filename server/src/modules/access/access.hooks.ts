import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';

export interface OrderAccessState {
  id: string;
  status: string;
  startAt: Date;
  endAt: Date;
}

/**
 * Called by the visits module inside the transaction of every order status change (X4): schedule
 * the issuance job that brings the gates in line with the order (issue at the window's start,
 * remove at its end or on cancellation). Scaffold: filled in by the access module in this change.
 */
export async function orderAccessChanged(_ctx: AppContext, _tx: Tx, _order: OrderAccessState): Promise<void> {}
