/**
 * 人员审核 API for the staff app (issue 11 — S9 修改个人信息, S10 代登记人员, S8 人员审核; contract:
 * contracts/personnel.ts). Submissions are multipart: `data` (the JSON input) and, with a new face
 * photo, `photo` + `consentConfirmed=true`. The server re-checks every action.
 */
import { http, upload } from '@shared/api';
import type { InfoChangeInput, InfoChangeState, PersonnelRequestView, ProxyRegistrationInput } from '@contracts/personnel';
import type { ApprovalTab, Page } from './visits';

export type { InfoChangeInput, InfoChangeState, PersonnelRequestView, PersonnelValues, ProxyRegistrationInput } from '@contracts/personnel';
export type ProxyFilter = 'all' | 'pending' | 'approved' | 'rejected';
export interface OrgUnit {
  id: string;
  name: string;
  departments: Array<{ id: string; name: string }>;
}

const qs = (q: Record<string, string | number>) => new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
const enc = encodeURIComponent;

/** the form: `data` JSON, and the photo only together with the consent */
function multipart(data: object, photo: Blob | null): FormData {
  const form = new FormData();
  form.append('data', JSON.stringify(data));
  if (photo) {
    form.append('consentConfirmed', 'true');
    form.append('photo', photo, 'photo.jpg');
  }
  return form;
}

/** S9: my values now and my latest request (any status). */
export const getInfoChange = () => http.get<InfoChangeState>('/api/staff/me/info-change');
/** S9: an SMS code to the NEW phone, confirming it is mine. */
export const sendPhoneCode = (phone: string) => http.post<{ ok: true }>('/api/staff/me/phone-code', { phone });
/** S9 提交审核: only the changed fields; one pending request at a time. */
export const submitInfoChange = (data: InfoChangeInput, photo: Blob | null, onProgress?: (p: number) => void) =>
  upload<PersonnelRequestView>('/api/staff/me/info-change', multipart(data, photo), onProgress);
/** 撤回: the applicant takes a pending request back. */
export const withdrawRequest = (id: string) => http.post<PersonnelRequestView>(`/api/personnel/requests/${enc(id)}/withdraw`);

/** S10 代登记人员: the registrations I submitted. */
export const listProxy = (status: ProxyFilter, page: number, pageSize: number) =>
  http.get<Page<PersonnelRequestView>>(`/api/personnel/proxy?${qs({ status, page, pageSize })}`);
/** S10 新增代办 → 提交审核 */
export const submitProxy = (data: ProxyRegistrationInput, photo: Blob | null, onProgress?: (p: number) => void) =>
  upload<PersonnelRequestView>('/api/personnel/proxy', multipart(data, photo), onProgress);
/** units and their departments, for the 单位 / 部门 pickers */
export const getOrg = () => http.get<{ units: OrgUnit[] }>('/api/personnel/org');

/** one request: its applicant, its unit's personnel reviewers and CC recipients (else 404) */
export const getPersonnelRequest = (id: string) => http.get<PersonnelRequestView>(`/api/personnel/requests/${enc(id)}`);
/** the proposed photo (image/jpeg; a reviewer's view is audited) */
export const personnelPhotoUrl = (id: string) => `/api/personnel/requests/${enc(id)}/photo`;

/** S8 人员审核: 待处理 / 已处理 / 抄送我 (404 for someone who neither reviews nor is copied on any unit's) */
export const listPersonnelApprovals = (tab: ApprovalTab, page: number, pageSize: number) =>
  http.get<Page<PersonnelRequestView>>(`/api/approvals/personnel?${qs({ tab, page, pageSize })}`);
/** 审核通过 / 审核不通过 (a comment required to reject; the applicant sees it) */
export const reviewPersonnel = (id: string, decision: 'approve' | 'reject', comment?: string) =>
  http.post<PersonnelRequestView>(`/api/personnel/requests/${enc(id)}/review`, { decision, ...(comment ? { comment } : {}) });
