/** 审批中心 entries (S8). Only 访客邀约审核 works in this release; the others open 即将推出. */
export interface ApprovalKind {
  key: 'visits' | 'rooms' | 'undertake' | 'meetings' | 'vehicles' | 'personnel';
  icon: string;
  color: string;
  ready: boolean;
}
export const APPROVAL_KINDS: ApprovalKind[] = [
  { key: 'visits', icon: 'friends-o', color: '#1677ff', ready: true },
  { key: 'rooms', icon: 'hotel-o', color: '#722ed1', ready: false },
  { key: 'undertake', icon: 'completed-o', color: '#13c2c2', ready: false },
  { key: 'meetings', icon: 'comment-o', color: '#52c41a', ready: false },
  { key: 'vehicles', icon: 'logistics', color: '#fa8c16', ready: false },
  { key: 'personnel', icon: 'manager-o', color: '#eb2f96', ready: false },
];
