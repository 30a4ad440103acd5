/**
 * 人员审核 (S8) of staff data: 修改个人信息 (S9, a staff member's change of their own data) and
 * 代登记人员 (S10, registering a colleague who is not yet in the system). Both are requests that the
 * personnel reviewers of the unit (A6, unit_reviewers kind 'personnel') approve or reject; CC
 * recipients of that unit see them under 抄送我. Nothing changes on the staff record until approval;
 * approval applies the change (or creates the staff record) in one transaction with its audit entry.
 *
 * HTTP (all for a signed-in staff member; someone else's request is 404):
 *   GET  /api/staff/me/info-change                → InfoChangeState (current values + the latest request)
 *   POST /api/staff/me/phone-code  {phone}        → {ok}  an SMS code to the NEW phone (purpose 'staff_phone_change')
 *   POST /api/staff/me/info-change  multipart     → PersonnelRequestView   fields: `data` (JSON InfoChangeInput),
 *        optional file `photo` (jpeg/png) with `consentConfirmed=true`; one pending request at a time
 *   POST /api/personnel/requests/:id/withdraw     → PersonnelRequestView   the applicant withdraws a pending request
 *   GET  /api/personnel/proxy?status=all|pending|approved|rejected&page&pageSize → { items: PersonnelRequestView[], total }
 *        the proxy registrations I submitted (代登记人员 list, 全部 / 待审核 / 已通过 / 未通过)
 *   POST /api/personnel/proxy  multipart          → PersonnelRequestView   fields: `data` (JSON ProxyRegistrationInput),
 *        optional `photo` + `consentConfirmed=true`
 *   GET  /api/personnel/org                       → { units: Array<{ id, name, departments: Array<{ id, name }> }> }
 *   GET  /api/personnel/requests/:id              → PersonnelRequestView  (applicant, reviewer or CC of its unit)
 *   GET  /api/personnel/requests/:id/photo        → image/jpeg (same people; audited when a reviewer reads it)
 *   GET  /api/approvals/personnel?tab=pending|done|cc&page&pageSize → { items: PersonnelRequestView[], total }
 *        404 for someone who is neither a personnel reviewer nor a CC recipient of any unit
 *   POST /api/personnel/requests/:id/review {decision:'approve'|'reject', comment?} → PersonnelRequestView
 *   GET  /api/approvals/counts                    → … plus personnelPending, and `personnelReviewer: boolean`
 *        (true when the user is a personnel reviewer or CC of some unit: 审批中心 shows 人员审核 only then)
 */
type L = { 'zh-CN': string; en: string };

export const PERSONNEL_REQUEST_KINDS = ['info_change', 'proxy_registration'] as const;
export type PersonnelRequestKind = (typeof PERSONNEL_REQUEST_KINDS)[number];
export const PERSONNEL_REQUEST_KIND_LABELS: Record<PersonnelRequestKind, L> = {
  info_change: { 'zh-CN': '个人信息修改', en: 'Change of personal details' },
  proxy_registration: { 'zh-CN': '代登记人员', en: 'Registration on behalf' },
};

/** withdrawn: the applicant took a pending request back */
export const PERSONNEL_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type PersonnelRequestStatus = (typeof PERSONNEL_REQUEST_STATUSES)[number];
export const PERSONNEL_REQUEST_STATUS_LABELS: Record<PersonnelRequestStatus, L> = {
  pending: { 'zh-CN': '待审核', en: 'Awaiting review' },
  approved: { 'zh-CN': '已通过', en: 'Approved' },
  rejected: { 'zh-CN': '未通过', en: 'Rejected' },
  withdrawn: { 'zh-CN': '已撤回', en: 'Withdrawn' },
};

/** S9: only the fields given change; `phoneCode` is required when `phone` differs from the current one. */
export interface InfoChangeInput {
  name?: string;
  phone?: string;
  phoneCode?: string;
  idType?: 'prc_id' | 'passport' | 'hk_macau_permit' | 'taiwan_permit';
  idNumber?: string;
  /** 工号; null clears it */
  employeeNo?: string | null;
}

/** S10: the colleague's details; unit and department from GET /api/personnel/org. */
export interface ProxyRegistrationInput {
  name: string;
  phone: string;
  idType?: 'prc_id' | 'passport' | 'hk_macau_permit' | 'taiwan_permit';
  idNumber?: string | null;
  unitId: string;
  departmentId?: string | null;
  employeeNo?: string | null;
}

/** The values a request proposes (or the current ones): the ID number only masked. */
export interface PersonnelValues {
  name: string | null;
  phone: string | null;
  idType: string | null;
  idNumberMasked: string | null;
  employeeNo: string | null;
  unitName: string | null;
  departmentName: string | null;
  /** a photo is part of the request (GET …/photo) / on file */
  hasPhoto: boolean;
}

export interface PersonnelRequestView {
  id: string;
  kind: PersonnelRequestKind;
  status: PersonnelRequestStatus;
  createdAt: string;
  decidedAt: string | null;
  /** the reviewer's comment (required when rejected; the applicant sees it) */
  comment: string | null;
  applicant: { id: string; name: string; unitName: string; departmentName: string | null };
  reviewer: { id: string; name: string } | null;
  /** whose personnel reviewers decide */
  unitId: string;
  unitName: string;
  /** info_change: only the fields that change are non-null (hasPhoto when a new photo is proposed) */
  proposed: PersonnelValues;
  /** info_change: the applicant's values now, to compare; proxy_registration: null */
  current: PersonnelValues | null;
  /** proxy_registration, once approved: the staff record created */
  createdStaffId: string | null;
  /** the user may approve / reject it now */
  canReview: boolean;
  /** the user may withdraw it now (the applicant, while pending) */
  canWithdraw: boolean;
}

export interface InfoChangeState {
  current: PersonnelValues;
  /** the latest request of mine (any status), or null */
  latest: PersonnelRequestView | null;
}
