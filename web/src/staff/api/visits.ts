/**
 * Visits API for the staff app (issue #4, contract: docs/api/visits.md — 访客邀约 S1, 我的邀约 S2,
 * 访客邀约审核 and 审批中心 S8). Shapes follow the contract; the server re-checks every action.
 */
import { http } from '@shared/api';

import type { CancelReason, OrderCard, OrderDetail, OrderKind as Kind, OrderStatus as Status, SubOrigin as Origin } from '@contracts/visits';

export type { CancelReason, Kind, Origin, Status };
export type { OrderCard, OrderDetail, TrailEntry, OrderCompanion as Companion } from '@contracts/visits';
export const STATUSES: Status[] = ['initiated', 'pending', 'confirmed', 'cancelled', 'arrived'];

export interface Page<T> {
  items: T[];
  total: number;
}

export interface InvitationInput {
  visitorPhone: string;
  name?: string;
  idType?: string;
  idNumber?: string;
  company?: string;
  position?: string;
  reason: string;
  startAt: string;
  endAt: string;
  reviewRequired: boolean;
  /** 限制同行人员数量, 0–50 */
  companionLimit: number;
  /** optional companion phones, at most companionLimit */
  companionPhones: string[];
  /** one per filled form: a double tap on 发送 creates one invitation */
  idempotencyKey?: string;
}
export type Scope = 'recent' | 'history';
export interface ListQuery {
  scope: Scope;
  status: Status | 'all';
  page: number;
  pageSize: number;
}
export type ApprovalTab = 'pending' | 'done' | 'cc';

const qs = (q: Record<string, string | number>) => new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();

/** 访客邀约 发送: creates the invitation; SMS links go to the visitor and the companions. */
export const createInvitation = (body: InvitationInput) => http.post<OrderDetail>('/api/visits/invitations', body);
/** 我的邀约: orders the signed-in staff member hosts (own invitations and appointments to them). */
export const listHostedOrders = (q: ListQuery) => http.get<Page<OrderCard>>(`/api/visits/hosted?${qs({ ...q })}`);
export const getOrder = (id: string) => http.get<OrderDetail>(`/api/visits/${encodeURIComponent(id)}`);
/** 审核通过 / 审核不通过 (404 when the user may not review it now). */
export const reviewOrder = (id: string, decision: 'approve' | 'reject', comment?: string) =>
  http.post<OrderDetail>(`/api/visits/${encodeURIComponent(id)}/review`, { decision, ...(comment ? { comment } : {}) });
/** The host withdraws the order (withdrawn_by_host). */
export const cancelOrder = (id: string, comment?: string) => http.post<OrderDetail>(`/api/visits/${encodeURIComponent(id)}/cancel`, comment ? { comment } : {});
/** 访客邀约审核 tabs: 待处理 / 已处理 / 抄送我. */
export const listApprovals = (tab: ApprovalTab, page: number, pageSize: number) => http.get<Page<OrderCard>>(`/api/approvals/visits?${qs({ tab, page, pageSize })}`);
/** 审批中心 badges. */
export const getApprovalCounts = () =>
  http.get<{ visitsPending: number; meetingsPending: number; vehiclesPending: number; personnelPending?: number; personnelReviewer?: boolean }>('/api/approvals/counts');
/** 车辆审核 tabs: 待审核 / 已审核 / 抄送我 — plates on the orders of the units I review vehicles for (A6). */
export const listVehicleApprovals = (tab: ApprovalTab, page: number, pageSize: number) => http.get<Page<OrderCard>>(`/api/approvals/vehicles?${qs({ tab, page, pageSize })}`);
/** 车辆审核 审核通过 / 审核不通过 (a comment required to reject; 404 for someone who does not review this unit's vehicles). */
export const reviewVehicle = (id: string, decision: 'approve' | 'reject', comment?: string) =>
  http.post<OrderDetail>(`/api/visits/${encodeURIComponent(id)}/vehicle-review`, { decision, ...(comment ? { comment } : {}) });
/** The host adds companion phones to an invitation (refused with COMPANION_LIMIT_REACHED past 限制同行人员数量). */
export const addCompanions = (id: string, phones: string[]) => http.post<OrderDetail>(`/api/visits/${encodeURIComponent(id)}/companions`, { phones });
