import { http } from '@shared/api';
import { getApprovalCounts } from '../api/visits';

/** 审批中心 entries (S8); those not ready yet open 即将推出. `route` is the page, `count` the key in the counts answer. */
export interface ApprovalKind {
  key: 'visits' | 'rooms' | 'undertake' | 'meetings' | 'vehicles' | 'personnel';
  icon: string;
  color: string;
  ready: boolean;
  route?: string;
  count?: 'visitsPending' | 'roomsPending' | 'undertakePending' | 'meetingsPending';
}
export const APPROVAL_KINDS: ApprovalKind[] = [
  { key: 'visits', icon: 'friends-o', color: '#1677ff', ready: true, route: 'visitApprovals', count: 'visitsPending' },
  { key: 'rooms', icon: 'hotel-o', color: '#722ed1', ready: true, route: 'roomApprovals', count: 'roomsPending' },
  { key: 'undertake', icon: 'completed-o', color: '#13c2c2', ready: true, route: 'undertakeApprovals', count: 'undertakePending' },
  { key: 'meetings', icon: 'comment-o', color: '#52c41a', ready: true, route: 'meetingApprovals', count: 'meetingsPending' },
  { key: 'vehicles', icon: 'logistics', color: '#fa8c16', ready: false },
  { key: 'personnel', icon: 'manager-o', color: '#eb2f96', ready: false },
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
