import { http } from '@shared/api';

export interface Me {
  type: string;
  id: string;
  name: string;
  phone: string | null;
  roles?: string[];
}
/** S9 个人信息 (GET /api/staff/me/profile): the owner gets the ID number in full and masked. */
export interface StaffProfile {
  id: string;
  name: string;
  phone: string;
  unitId: string;
  unitName: string;
  departmentId: string | null;
  departmentName: string | null;
  employeeNo: string | null;
  officeRoom: string | null;
  officePhone: string | null;
  position: string | null;
  roles: string[];
  visitPermission: boolean;
  idType: string | null;
  idNumberMasked: string | null;
  idNumber: string | null;
  /** a face photo is on file (MY_PHOTO_URL) */
  hasPhoto: boolean;
}

export const requestLoginCode = (phone: string) => http.post<{ ok: true }>('/api/auth/sms-codes', { phone, purpose: 'staff_login' });
export const loginByCode = (phone: string, code: string) => http.post<{ ok: true }>('/api/auth/staff/login', { phone, code });
export const loginByPassword = (phone: string, password: string) => http.post<{ ok: true }>('/api/auth/staff/login', { phone, password });
export const logout = () => http.post<{ ok: true }>('/api/auth/logout?scope=staff');
export const getMe = () => http.get<Me>('/api/auth/me?scope=staff', { silent401: true });
export const getMyProfile = () => http.get<StaffProfile>('/api/staff/me/profile');
/** the owner's own face photo (image/jpeg, never cached); taken by an administrator */
export const MY_PHOTO_URL = '/api/staff/me/photo';

/** Which one-tap sign-ins are configured (the WeCom button shows only when it is). */
export const getOAuthConfig = () => http.get<{ wechat: boolean; wecom: boolean }>('/api/auth/oauth/config');
/** WeCom sign-in that comes back to `returnTo` (a path on this site, e.g. /staff/visits/…) */
export const wecomSignInHref = (returnTo = '/staff/') => `/api/auth/wecom/start?returnTo=${encodeURIComponent(returnTo)}`;
