import { http } from '@shared/api';
import { getApprovalCounts } from '../api/visits';

/** 审批中心 entries (S8), only kinds whose page is built. `route` is the page, `count` the key in the counts answer. */
export interface ApprovalKind {
  key: 'visits' | 'rooms' | 'undertake' | 'meetings' | 'vehicles';
  icon: string;
  color: string;
  route: string;
  count: 'visitsPending' | 'roomsPending' | 'undertakePending' | 'meetingsPending' | 'vehiclesPending';
}
export const APPROVAL_KINDS: ApprovalKind[] = [
  { key: 'visits', icon: 'friends-o', color: '#1677ff', route: 'visitApprovals', count: 'visitsPending' },
  { key: 'rooms', icon: 'hotel-o', color: '#722ed1', route: 'roomApprovals', count: 'roomsPending' },
  { key: 'undertake', icon: 'completed-o', color: '#13c2c2', route: 'undertakeApprovals', count: 'undertakePending' },
  { key: 'meetings', icon: 'comment-o', color: '#52c41a', route: 'meetingApprovals', count: 'meetingsPending' },
  { key: 'vehicles', icon: 'logistics', color: '#fa8c16', route: 'vehicleApprovals', count: 'vehiclesPending' },
  // 人员审核 arrives with its page in a later issue
];

export type ApprovalCounts = Partial<Record<NonNullable<ApprovalKind['count']>, number>>;

/** Every 审批中心 badge: visits and meeting attendees from the visits API, rooms and undertaking from bookings. */
export async function loadApprovalCounts(): Promise<ApprovalCounts> {
  const [visits, bookings] = await Promise.all([
    getApprovalCounts().catch(() => ({})),
    http.get<ApprovalCounts>('/api/bookings/approvals/counts').catch(() => ({})),
  ]);
  return { ...visits, ...bookings };
}

/** The home menu's 审批中心 badge: everything waiting for me. */
export const totalPending = (c: ApprovalCounts) => Object.values(c).reduce((a, b) => a + (b ?? 0), 0);
