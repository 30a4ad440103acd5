/** Roles and permission strings shared by the server (the real check) and the web apps (cosmetic). */
export const STAFF_ROLES = [
  'staff',
  'unit_admin',
  'room_approver',
  'undertaker',
  'personnel_reviewer',
  'vehicle_reviewer',
  'approver',
  'reception',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const STAFF_ROLE_LABELS: Record<StaffRole, { 'zh-CN': string; en: string }> = {
  staff: { 'zh-CN': '内部人员', en: 'Staff' },
  unit_admin: { 'zh-CN': '单位管理员', en: 'Unit administrator' },
  room_approver: { 'zh-CN': '会议室审核人员', en: 'Room approver' },
  undertaker: { 'zh-CN': '会议承接人员', en: 'Meeting undertaker' },
  personnel_reviewer: { 'zh-CN': '人员审核人员', en: 'Personnel reviewer' },
  vehicle_reviewer: { 'zh-CN': '车辆审核人员', en: 'Vehicle reviewer' },
  approver: { 'zh-CN': '审批节点人员', en: 'Approval-chain approver' },
  reception: { 'zh-CN': '前台接待', en: 'Reception' },
};

export type SubjectType = 'visitor' | 'staff' | 'admin' | 'kiosk' | 'phone';
