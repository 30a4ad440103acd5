import { http } from '@shared/api';
import { getApprovalCounts } from '../api/visits';

/**
 * 审批中心 entries (S8), only kinds whose page is built. `route` is the page, `count` the key in the
 * counts answer; `only`: the entry shows only when that flag of the counts answer is true.
 */
export interface ApprovalKind {
  key: 'visits' | 'rooms' | 'undertake' | 'meetings' | 'vehicles' | 'personnel';
  icon: string;
  color: string;
  route: string;
  count: 'visitsPending' | 'roomsPending' | 'undertakePending' | 'meetingsPending' | 'vehiclesPending' | 'personnelPending';
  only?: 'personnelReviewer';
}
export const APPROVAL_KINDS: ApprovalKind[] = [
  { key: 'visits', icon: 'friends-o', color: '#1677ff', route: 'visitApprovals', count: 'visitsPending' },
  { key: 'rooms', icon: 'hotel-o', color: '#722ed1', route: 'roomApprovals', count: 'roomsPending' },
  { key: 'undertake', icon: 'completed-o', color: '#13c2c2', route: 'undertakeApprovals', count: 'undertakePending' },
  { key: 'meetings', icon: 'comment-o', color: '#52c41a', route: 'meetingApprovals', count: 'meetingsPending' },
  { key: 'vehicles', icon: 'logistics', color: '#fa8c16', route: 'vehicleApprovals', count: 'vehiclesPending' },
  // 人员审核 only for the personnel reviewers and CC recipients set in 审批流程 (A6)
  { key: 'personnel', icon: 'manager-o', color: '#eb2f96', route: 'personnelApprovals', count: 'personnelPending', only: 'personnelReviewer' },
];

export type ApprovalCounts = Partial<Record<ApprovalKind['count'], number>> & { personnelReviewer?: boolean };

/** Every 审批中心 badge: visits and meeting attendees from the visits API, rooms and undertaking from bookings. */
export async function loadApprovalCounts(): Promise<ApprovalCounts> {
  const [visits, bookings] = await Promise.all([
    getApprovalCounts().catch(() => ({})),
    http.get<ApprovalCounts>('/api/bookings/approvals/counts').catch(() => ({})),
  ]);
  return { ...visits, ...bookings };
}

/** The home menu's 审批中心 badge: everything waiting for me. */
export const totalPending = (c: ApprovalCounts) => APPROVAL_KINDS.reduce((a, k) => a + (!k.only || c[k.only] ? (c[k.count] ?? 0) : 0), 0);
/** the entries this user sees: 人员审核 only for its reviewers and CC recipients */
export const visibleKinds = (c: ApprovalCounts) => APPROVAL_KINDS.filter((k) => !k.only || c[k.only]);
