/**
 * 点名 (A11): the shapes of a roll call as the reception phone and the admin 在场人员 page see it.
 *
 *   GET  /api/staff/roll-call              → RollCallView (reception staff)
 *   POST /api/staff/roll-call              → RollCallView (starts one, or the one open)
 *   POST /api/staff/roll-call/:id/marks    { orderId } → RollCallView (标记安全, idempotent)
 *   POST /api/staff/roll-call/:id/end      → RollCallView
 *   GET  /api/staff/roll-call/live         → server-sent events (topic roll_call / visits)
 *   and the same under /api/admin/roll-call for a 系统管理员.
 */

import type { OnSitePerson } from './lobby.js';

export interface RollCallPerson extends OnSitePerson {
  /** 已确认安全: when and by whom (a name) */
  markedAt: string | null;
  markedBy: string | null;
  /** seen leaving since (a gate or the kiosk): out of the building */
  left: boolean;
}

export interface RollCallView {
  /** the open roll call; null when none is open */
  rollCall: { id: string; startedAt: string; startedBy: string } | null;
  /** 共 m: everyone on site, and anyone marked in this roll call who has left since */
  total: number;
  /** 已确认 n */
  safe: number;
  /** per building (null: no building), the unaccounted first within each */
  buildings: Array<{ buildingName: string | null; people: RollCallPerson[] }>;
}
