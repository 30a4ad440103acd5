/**
 * Hooks: how one module reacts to another's write without importing it (no import cycles between
 * modules; the module-cycles test checks it). The module that writes emits an event inside its
 * transaction, after the write; the modules that care registered a handler when the app was built
 * (their routes function). Handlers run in the writer's transaction, in the order registered, and
 * may only enqueue jobs or write their own rows — a side effect leaves through the job queue after
 * commit, as everywhere else.
 *
 * Today: visits emits `order.changed` and visitors / people emit `holder.changed`; access listens
 * to both (the gates follow orders and the people on them, docs/decisions/0007-access-issuance.md).
 */
import type { Tx } from './db.js';

/** What the gates need to know of an order whose status, window, leave or plate review changed. */
export interface OrderChange {
  id: string;
  status: string;
  startAt: Date;
  endAt: Date;
  /** a check-out at the kiosk or the automatic one ends what the gates hold */
  leftVia?: string | null;
  /** the plate's review: an approved plate goes to the barriers */
  vehicleStatus?: string | null;
}

export interface HookEvents {
  /** an order's status changed (or its leave, or its plate's review): visits → access */
  'order.changed': OrderChange;
  /** a person's photo or face consent changed, so what the gates hold of them must too: visitors, people → access */
  'holder.changed': { visitorId: string } | { staffId: string };
}

type Handler<K extends keyof HookEvents> = (tx: Tx, payload: HookEvents[K]) => Promise<void>;

export class Hooks {
  private readonly handlers: { [K in keyof HookEvents]?: Array<Handler<K>> } = {};

  on<K extends keyof HookEvents>(event: K, handler: Handler<K>): void {
    ((this.handlers[event] ??= []) as Array<Handler<K>>).push(handler);
  }

  /** Run every handler of the event in the caller's transaction. */
  async emit<K extends keyof HookEvents>(tx: Tx, event: K, payload: HookEvents[K]): Promise<void> {
    for (const h of (this.handlers[event] ?? []) as Array<Handler<K>>) await h(tx, payload);
  }
}
