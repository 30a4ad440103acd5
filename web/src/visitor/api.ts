/** The visitor app's API calls (V1, V2, V5, V6). */
import { http, upload } from '@shared/api';
import { FACE_CONSENT_VERSION, TERMS_VERSION } from '@contracts/consent';
import type { IdType } from '@contracts/identity';
import type { MyData } from '@contracts/privacy';
export type { MyData };

export interface Me {
  type: string;
  id: string;
  name: string;
  phone: string | null;
}
export interface VisitorInfo {
  id: string;
  name: string;
  phone: string;
  idType: IdType;
  idNumber: string | null;
  idNumberMasked: string | null;
  company: string | null;
  position: string | null;
  hasPhoto: boolean;
  faceConsent: { version: string; grantedAt: string } | null;
  termsConsent: { version: string; grantedAt: string } | null;
  updatedAt: string;
}
export interface VisitorInfoForm {
  name: string;
  idType: IdType;
  idNumber: string;
  company: string;
  position: string;
  photoUploadId: string | null;
}
export interface UnitInstructions {
  unitId: string;
  unitName: string;
  instructions: string;
}

export const requestLoginCode = (phone: string) => http.post<{ ok: true }>('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
export const login = (phone: string, code: string) => http.post<{ registered: boolean }>('/api/auth/visitor/login', { phone, code });
export const logout = () => http.post<{ ok: true }>('/api/auth/logout?scope=visitor');
export const getMe = () => http.get<Me>('/api/auth/me?scope=visitor', { silent401: true });

/** 注册: with the 用户协议/隐私政策 version the visitor ticked (the server refuses any other: TERMS_REQUIRED). */
export const createRegistration = (form: VisitorInfoForm) => http.post<VisitorInfo>('/api/visitor/register', { ...form, termsVersion: TERMS_VERSION });
export const getMyInfo = () => http.get<VisitorInfo>('/api/visitor/me');
export const updateMyInfo = (form: VisitorInfoForm) => http.put<VisitorInfo>('/api/visitor/me', form);
export const removeFaceConsent = () => http.delete<{ ok: true }>('/api/visitor/me/face-consent');
export const MY_PHOTO_URL = '/api/visitor/me/photo';

/** 我的数据 (docs/api/privacy.md) */
export const getMyData = () => http.get<MyData>('/api/visitor/me/data');
/** 导出我的数据: a plain GET the browser downloads (the session cookie goes with it) */
export const MY_DATA_EXPORT_URL = '/api/visitor/me/data/export';
/** 注销账号: 409 ACCOUNT_HAS_OPEN_ORDER while an order is open */
export const removeMyAccount = () => http.delete<{ ok: true }>('/api/visitor/me');

/** 上传照片: only after the visitor agreed to the current consent text (the server checks the version). */
export function uploadPhoto(photo: Blob, onProgress?: (percent: number) => void) {
  const fd = new FormData();
  fd.append('consentVersion', FACE_CONSENT_VERSION);
  fd.append('photo', photo, 'photo.jpg');
  return upload<{ uploadId: string }>('/api/visitor/photos', fd, onProgress);
}

export const listUnits = () => http.get<{ items: Array<{ id: string; name: string }> }>('/api/units');
export const listInstructions = () => http.get<{ items: UnitInstructions[] }>('/api/instructions');

/** Which one-tap sign-ins are configured (the WeChat button shows only when it is). */
export const getOAuthConfig = () => http.get<{ wechat: boolean; wecom: boolean }>('/api/auth/oauth/config');
