/**
 * The lobby (K2, check-out, on site): what the kiosk's 预约访客 and 签离 screens, the order details
 * and the admin 在场访客 page exchange with the server. Routes (all kiosk-session only unless said):
 *
 *   POST /api/kiosk/lobby/find       { code } | { idType?, idNumber } | { phone }  → LobbyFindResult
 *   POST /api/kiosk/lobby/check-in   CheckInBody                                   → CheckInResult
 *   POST /api/kiosk/lobby/check-out  { code } | { idType?, idNumber } | { phone } | { orderIds } → CheckOutResult
 *   POST /api/kiosk/visits/:id/slip  (existing; now also for an order already 已到达)
 *   GET  /api/admin/on-site                                                        → OnSiteList (admin)
 *
 * IDs are sent in the body (POST), never in a URL, so that they never reach an access log.
 */

type L = { 'zh-CN': string; en: string };

/** How someone came in / went out. */
export const ARRIVAL_VIAS = ['gate', 'kiosk'] as const;
export type ArrivalVia = (typeof ARRIVAL_VIAS)[number];
export const LEAVE_VIAS = ['gate', 'kiosk', 'auto'] as const;
export type LeaveVia = (typeof LEAVE_VIAS)[number];

export const ARRIVAL_VIA_LABELS: Record<ArrivalVia, L> = {
  gate: { 'zh-CN': '闸机通行', en: 'At a gate' },
  kiosk: { 'zh-CN': '访客机签到', en: 'Checked in at a kiosk' },
};
export const LEAVE_VIA_LABELS: Record<LeaveVia, L> = {
  gate: { 'zh-CN': '闸机出口', en: 'Through an exit gate' },
  kiosk: { 'zh-CN': '访客机签离', en: 'Checked out at a kiosk' },
  auto: { 'zh-CN': '超时自动签离', en: 'Checked out automatically' },
};

/** Arrival and leave of one order, as every order detail shows them. */
export interface Presence {
  arrivedAt: string | null;
  arrivedVia: ArrivalVia | null;
  /** the gate's or kiosk's name */
  arrivedWhere: string | null;
  leftAt: string | null;
  leftVia: LeaveVia | null;
  leftWhere: string | null;
  /** still on site this many minutes past the window's end (VISIT_OVERSTAY_MINUTES reached), else null */
  overstayMinutes: number | null;
}

/** Why the kiosk will not check someone in (or out), in words a visitor understands. */
export const LOBBY_REFUSALS = ['NOT_TODAY', 'NOT_YET_OPEN', 'WINDOW_OVER', 'NOT_CONFIRMED', 'CANCELLED', 'ALREADY_ARRIVED', 'ALREADY_LEFT', 'VISITOR_BLOCKED', 'NOT_ON_SITE'] as const;
export type LobbyRefusal = (typeof LOBBY_REFUSALS)[number];
export const LOBBY_REFUSAL_LABELS: Record<LobbyRefusal, L> = {
  NOT_TODAY: { 'zh-CN': '该预约不是今天的，请在预约当天前来', en: 'This appointment is not for today. Please come on the day of your visit.' },
  NOT_YET_OPEN: { 'zh-CN': '还未到预约时间，请稍后再签到', en: 'Your visit has not started yet. Please check in a little later.' },
  WINDOW_OVER: { 'zh-CN': '预约时间已过，请重新预约或联系前台', en: 'Your visit time is over. Please book again or ask at the desk.' },
  NOT_CONFIRMED: { 'zh-CN': '预约尚未审核通过，请联系受访人', en: 'This appointment has not been approved yet. Please contact your host.' },
  CANCELLED: { 'zh-CN': '该预约已取消', en: 'This appointment has been cancelled.' },
  ALREADY_ARRIVED: { 'zh-CN': '您已签到，无需重复签到', en: 'You have already checked in.' },
  ALREADY_LEFT: { 'zh-CN': '您已签离', en: 'You have already checked out.' },
  VISITOR_BLOCKED: { 'zh-CN': '无法办理，请到前台咨询', en: 'We cannot check you in here. Please go to the front desk.' },
  NOT_ON_SITE: { 'zh-CN': '没有找到您的签到记录，无需签离', en: 'We found no check-in for you, so there is nothing to check out.' },
};

/** One order as the kiosk shows it (the manual's 预约访客 screen). */
export interface LobbyOrder {
  id: string;
  parentId: string | null;
  kind: 'appointment' | 'invitation' | 'meeting' | 'walk_in';
  status: 'initiated' | 'pending' | 'confirmed' | 'arrived' | 'cancelled';
  visitor: {
    name: string;
    /** 110***********1234 */
    idNumberMasked: string | null;
    phoneMasked: string;
    /** 单位 (the visitor's company) */
    company: string | null;
    /** 职务 */
    position: string | null;
    /** has a face photo on file (触摸拍照 is then optional) */
    hasPhoto: boolean;
  };
  reason: string;
  remark: string | null;
  startAt: string;
  endAt: string;
  host: { name: string; unitName: string; departmentName: string | null };
  /** the place to go: the host's office room / the meeting room, where known */
  place: string | null;
  presence: Presence;
  /** null: can be checked in now */
  refusal: LobbyRefusal | null;
}

/** A main order and its companions (subs), shown and checked in together. */
export interface LobbyGroup {
  main: LobbyOrder;
  companions: LobbyOrder[];
  /** the order the code / ID card / phone matched (preselected) */
  matchedId: string;
}
export interface LobbyFindResult {
  groups: LobbyGroup[];
}

export interface CheckInBody {
  orderIds: string[];
  /** 体温 °C where measured; at or above KIOSK_FEVER_THRESHOLD_C → 422 TEMPERATURE_ABNORMAL */
  temperature?: number | null;
  /** 健康码 where KIOSK_HEALTH_CODE is on */
  healthCode?: 'green' | 'yellow' | 'red' | null;
  /** 触摸拍照: an upload from POST /api/kiosk/photos, for the first order's visitor */
  photoUploadId?: string | null;
  /** one per attempt: a retried or replayed (offline) check-in is applied once */
  idempotencyKey?: string | null;
  /** offline: when it happened at the kiosk (ISO); the server keeps it if plausible */
  occurredAt?: string | null;
  /** offline QR check-in: the code that was verified at the kiosk against the public key */
  code?: string | null;
}
export interface CheckInResult {
  results: Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null; order: LobbyOrder }>;
  replay?: boolean;
}
export interface CheckOutResult {
  results: Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null; order: LobbyOrder }>;
}

/** Who an on-site order is, as 在场访客 and the roll call (点名) show it. */
export interface OnSitePerson {
  orderId: string;
  visitorName: string;
  phoneMasked: string;
  company: string | null;
  hostName: string;
  hostPhoneMasked: string;
  unitName: string;
  /** the host's unit's building (在场人员 groups by it); null when the unit has none */
  buildingName: string | null;
}

/** Admin 在场访客: who is on site now (arrived, not left), overstaying first. */
export interface OnSiteRow extends OnSitePerson {
  startAt: string;
  endAt: string;
  presence: Presence;
}
export interface OnSiteList {
  items: OnSiteRow[];
  total: number;
  overstaying: number;
}
