/** Visit-order vocabulary shared by the server and the apps (SPEC §2). */
import type { Presence } from './lobby.js';
import type { OrderVehicle } from './vehicles.js';
export const ORDER_KINDS = ['appointment', 'invitation', 'meeting', 'walk_in'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export const ORDER_STATUSES = ['initiated', 'pending', 'confirmed', 'arrived', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const SUB_ORIGINS = ['companion', 'help_fill', 'forward_fill'] as const;
export type SubOrigin = (typeof SUB_ORIGINS)[number];
export const CANCEL_REASONS = ['rejected', 'withdrawn_by_visitor', 'withdrawn_by_host', 'cascaded', 'expired', 'blocked'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];
export type ActorRole = 'visitor' | 'host' | 'chain_node' | 'system' | 'desk' | 'booker' | 'admin' | 'kiosk' | 'gate' | 'vehicle_reviewer' | 'barrier';
export type TrailAction = 'create' | 'submit' | 'approve' | 'reject' | 'cancel' | 'expire' | 'cascade' | 'arrive' | 'confirm' | 'leave' | 'check_in' | 'check_out' | 'vehicle_approve' | 'vehicle_reject' | 'vehicle_in' | 'vehicle_out';

type L = { 'zh-CN': string; en: string };
export const STATUS_LABELS: Record<OrderStatus, L> = {
  initiated: { 'zh-CN': '已发起', en: 'Initiated' },
  pending: { 'zh-CN': '待确认', en: 'Pending' },
  confirmed: { 'zh-CN': '已确认', en: 'Confirmed' },
  arrived: { 'zh-CN': '已到达', en: 'Arrived' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
};
export const KIND_LABELS: Record<OrderKind, L> = {
  appointment: { 'zh-CN': '拜访', en: 'Visit' },
  invitation: { 'zh-CN': '邀请', en: 'Invitation' },
  meeting: { 'zh-CN': '参会', en: 'Meeting' },
  walk_in: { 'zh-CN': '现场登记', en: 'Walk-in' },
};
export const ORIGIN_LABELS: Record<SubOrigin, L> = {
  companion: { 'zh-CN': '同行人员', en: 'Companion' },
  help_fill: { 'zh-CN': '帮同伴填写', en: 'Filled in by a companion' },
  forward_fill: { 'zh-CN': '转发填写', en: 'Forwarded link' },
};
export const CANCEL_REASON_LABELS: Record<CancelReason, L> = {
  rejected: { 'zh-CN': '审核不通过', en: 'Rejected' },
  withdrawn_by_visitor: { 'zh-CN': '访客取消', en: 'Withdrawn by the visitor' },
  withdrawn_by_host: { 'zh-CN': '受访人取消', en: 'Withdrawn by the host' },
  cascaded: { 'zh-CN': '主单据已取消', en: 'The main order was cancelled' },
  expired: { 'zh-CN': '已过期', en: 'Expired' },
  blocked: { 'zh-CN': '已列入黑名单', en: 'Blocklisted' },
};
const ROLE_LABELS: Record<ActorRole, L> = {
  visitor: { 'zh-CN': '访客', en: 'Visitor' },
  host: { 'zh-CN': '邀约人', en: 'Host' },
  chain_node: { 'zh-CN': '审批人', en: 'Approver' },
  system: { 'zh-CN': '系统', en: 'System' },
  desk: { 'zh-CN': '前台', en: 'Reception' },
  booker: { 'zh-CN': '订会人', en: 'Meeting booker' },
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  kiosk: { 'zh-CN': '访客机', en: 'Kiosk' },
  gate: { 'zh-CN': '闸机', en: 'Gate' },
  vehicle_reviewer: { 'zh-CN': '车辆审核人', en: 'Vehicle reviewer' },
  barrier: { 'zh-CN': '道闸', en: 'Barrier' },
};
const ACTION_LABELS: Record<TrailAction, L> = {
  create: { 'zh-CN': '发起', en: 'created' },
  submit: { 'zh-CN': '提交', en: 'submitted' },
  approve: { 'zh-CN': '审核通过', en: 'approved' },
  reject: { 'zh-CN': '审核不通过', en: 'rejected' },
  cancel: { 'zh-CN': '取消', en: 'cancelled' },
  expire: { 'zh-CN': '已过期', en: 'expired' },
  cascade: { 'zh-CN': '随主单据变更', en: 'followed the main order' },
  arrive: { 'zh-CN': '已到达', en: 'arrived' },
  confirm: { 'zh-CN': '确认参会', en: 'confirmed attendance' },
  leave: { 'zh-CN': '已离开', en: 'left' },
  check_in: { 'zh-CN': '签到', en: 'checked in' },
  check_out: { 'zh-CN': '签离', en: 'checked out' },
  vehicle_approve: { 'zh-CN': '车辆审核通过', en: 'approved the vehicle' },
  vehicle_reject: { 'zh-CN': '车辆审核不通过', en: 'rejected the vehicle' },
  vehicle_in: { 'zh-CN': '车辆入场', en: 'the vehicle came in' },
  vehicle_out: { 'zh-CN': '车辆出场', en: 'the vehicle went out' },
};
/** "邀约人：审核通过" / "Host: approved" */
export function trailLabel(role: ActorRole, action: TrailAction): L {
  return {
    'zh-CN': `${ROLE_LABELS[role]['zh-CN']}：${ACTION_LABELS[action]['zh-CN']}`,
    en: `${ROLE_LABELS[role].en}: ${ACTION_LABELS[action].en}`,
  };
}

/** The shapes the visits API answers (docs/api/visits.md), shared by the server and both mobile apps. */
export interface OrderCompanion {
  id: string;
  origin: SubOrigin;
  name: string | null;
  phoneMasked: string;
  status: OrderStatus;
  cancelReason: CancelReason | null;
}
export interface OrderActions {
  cancel: boolean;
  addCompanions: boolean;
  helpFill: boolean;
  forward: boolean;
  review: boolean;
}
export interface OrderCard {
  id: string;
  kind: OrderKind;
  origin: SubOrigin | null;
  parentId: string | null;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  host: { id: string; name: string; unitName: string; departmentName: string | null };
  visitor: { name: string | null; phoneMasked: string };
  startAt: string;
  endAt: string;
  reason: string;
  remark: string | null;
  plate: string | null;
  /** 车辆通行状态 (S8 车辆审核) */
  vehicle: OrderVehicle;
  companions: OrderCompanion[];
  forwardedBy: string | null;
  submittedAt: string | null;
  createdAt: string;
  companionLimit: number | null;
  reviewRequired: boolean;
  /** kind meeting: the meeting this attendee order belongs to; internal: a staff attendee */
  meeting: { id: string; title: string; roomName: string; location: string | null; internal: boolean } | null;
  actions: OrderActions;
}
export interface TrailEntry {
  at: string;
  actorName: string;
  actorRole: ActorRole;
  action: TrailAction;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  reason: string | null;
  comment: string | null;
  label: L;
}
export interface OrderDetail extends OrderCard {
  trail: TrailEntry[];
  chain: Array<{ position: number; name: string; status: 'waiting' | 'approved' | 'rejected' }>;
  parent: { id: string; visitorName: string | null } | null;
  appointmentCodeAvailable: boolean;
  /** arrival and leave: when and how (gate, kiosk, automatic) */
  presence: Presence;
}
