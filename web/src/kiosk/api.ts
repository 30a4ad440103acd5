import { http, isUnreachable, upload } from '@shared/api';
import { FACE_CONSENT_VERSION } from '@contracts/consent';
import type { IdType } from '@contracts/identity';
import { searchHostsOffline } from './offline/cache';

export interface KioskInfo {
  id: string;
  name: string;
  location: string | null;
  buildingId: string | null;
  buildingName: string | null;
  timeZone: string;
  /** KIOSK_FEVER_THRESHOLD_C: a 体温 at or above it is 异常 */
  feverThresholdC: number;
  /** KIOSK_HEALTH_CODE: ask for the 健康码 */
  healthCode: boolean;
}
export const pairKiosk = (token: string) => http.post<KioskInfo>('/api/kiosk/pair', { token });
export const getKioskMe = () => http.get<KioskInfo>('/api/kiosk/me', { silent401: true });

// ---- K1 普通访客 (docs/api/visits.md, "Kiosk walk-ins")

export interface KioskHost {
  id: string;
  name: string; // masked 姜*檬
  unitName: string;
  departmentName: string | null;
  officeRoom: string | null;
  officePhone: string | null;
}
export interface TodayWalkIn {
  orderId: string;
  name: string;
  phoneMasked: string;
  idNumberMasked: string | null;
  idType: IdType;
  company: string | null;
  hostName: string;
  hostId: string;
  reason: string;
  status: string;
  createdAt: string;
}
export interface LastVisit {
  visitor: { name: string; phone: string; idType: IdType; idNumberMasked: string | null; company: string | null; position: string | null; hasPhoto: boolean; blocked: boolean };
  lastVisit: { hostId: string; hostName: string; unitName: string; reason: string; startAt: string } | null;
}
export interface WalkInBody {
  name: string;
  idType: IdType;
  idNumber: string;
  phone: string;
  company?: string;
  position?: string;
  hostId: string;
  reason: string;
  remark?: string;
  visitType?: string;
  startAt?: string;
  endAt?: string;
  temperature?: number;
  photoUploadId?: string;
  replacePhoto?: boolean;
  /** one per registration: a retry or the offline queue's resend creates no second order */
  idempotencyKey?: string;
}
export interface WalkInResult {
  order: { id: string; status: string; startAt: string; endAt: string; host: { name: string; unitName: string } };
  visitor: { name: string; blocked: boolean };
  /** this key was registered before: the first order, as it stands now */
  replay?: true;
}

/** 受访人 search; while the server cannot be reached, by name in the list the kiosk keeps (offline/cache.ts) */
export async function searchHosts(q: string): Promise<{ items: KioskHost[] }> {
  try {
    return await http.get<{ items: KioskHost[] }>(`/api/kiosk/hosts?q=${encodeURIComponent(q)}`);
  } catch (e) {
    if (!isUnreachable(e)) throw e;
    return searchHostsOffline(q);
  }
}
export const todayWalkIns = () => http.get<{ items: TodayWalkIn[] }>('/api/kiosk/walk-ins/today');
/** 访客最后来访: the phone or ID number goes in the POST body, never in a URL (proxies log URLs). */
export const lastVisit = (by: { phone: string } | { idNumber: string }) => http.post<LastVisit | { visitor: null; lastVisit: null }>('/api/kiosk/visitors/last', by);
export const createWalkIn = (body: WalkInBody) => http.post<WalkInResult>('/api/kiosk/walk-ins', body);
export function uploadKioskPhoto(photo: Blob, onProgress?: (percent: number) => void) {
  const fd = new FormData();
  fd.append('consentVersion', FACE_CONSENT_VERSION);
  fd.append('photo', photo, 'photo.jpg');
  return upload<{ uploadId: string }>('/api/kiosk/photos', fd, onProgress);
}

/** 访客凭条 (X6): masked host, unit, window and a code the gates accept until the window ends — confirmed orders only */
export interface Slip {
  token: string;
  expiresAt: string;
  visitorName: string;
  hostName: string;
  unitName: string;
  startAt: string;
  endAt: string;
}
export const getSlip = (orderId: string) => http.post<Slip>(`/api/kiosk/visits/${orderId}/slip`, {});
