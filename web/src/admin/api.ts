/** The admin console's API calls (listX / getX / createX / removeX), over the shared client. */
import { http, query as qs } from '@shared/api';

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
export interface Me {
  type: string;
  id: string;
  name: string;
  /** A10: 系统管理员 (every unit) or 单位管理员 (unitId only), and the second factor */
  admin?: { role: 'system' | 'unit'; unitId: string | null; unitName: string | null; twoFactor: boolean; twoFactorRequired: boolean };
}
export interface DashboardCounts {
  expected: number;
  arrived: number;
  onSite: number;
  left: number;
  overstaying: number;
  cancelled: number;
  pendingReview: number;
}
export interface Dashboard {
  /** 今日来访, for the center's calendar day */
  today: DashboardCounts & { day: string };
  /** the units with anything today, the busiest first */
  perUnit: Array<DashboardCounts & { unitId: string; unitName: string }>;
  /** arrivals today per hour of the center's clock (24) */
  arrivalsByHour: number[];
  last30Days: Array<{ day: string; expected: number; arrived: number }>;
  units: number;
  staff: number;
  staffWithVisitPermission: number;
  visitors: number;
  faces: { visitors: number; staff: number; total: number; filingThreshold: number };
  jobs: { failed: number; dead: number };
}
export type OutboxChannel = 'sms' | 'voice' | 'wecom';
export interface SmsMessage {
  id: string;
  /** 渠道: an SMS, or a voice call reading `content` out */
  channel: OutboxChannel;
  phone: string;
  template: string;
  content: string;
  provider: string;
  status: string;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}
export interface Job {
  id: string;
  type: string;
  key: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}
export interface AuditEntry {
  seq: number;
  at: string;
  actorType: string;
  actorId: string;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: unknown;
  ip: string | null;
}
export interface KioskDevice {
  id: string;
  name: string;
  location: string | null;
  buildingId: string | null;
  buildingName: string | null;
  status: 'unpaired' | 'paired' | 'revoked';
  createdAt: string;
  pairedAt: string | null;
  lastSeenAt: string | null;
  revokedAt: string | null;
}


export const login = (username: string, password: string) => http.post<{ ok: true; twoFactorChallenge?: string }>('/api/auth/admin/login', { username, password });
/** the second step: the authenticator code or a recovery code */
export const loginSecondFactor = (challenge: string, code: string) => http.post<{ ok: true }>('/api/auth/admin/login/two-factor', { challenge, code });
export const logout = () => http.post<{ ok: true }>('/api/auth/logout?scope=admin');
export const getMe = () => http.get<Me>('/api/auth/me?scope=admin', { silent401: true });
export const getDashboard = () => http.get<Dashboard>('/api/admin/dashboard');
export const listSmsOutbox = (q: { page: number; pageSize: number; phone?: string; channel?: OutboxChannel }) => http.get<Paged<SmsMessage>>(`/api/admin/sms-outbox${qs(q)}`);
/** totalCapped: more jobs than `total` match (the count stops at 10,000) */
export const listJobs = (q: { page: number; pageSize: number; status?: string }) => http.get<Paged<Job> & { totalCapped: boolean }>(`/api/admin/jobs${qs(q)}`);
export const retryJob = (id: string) => http.post<{ ok: true }>(`/api/admin/jobs/${id}/retry`);
export const listAudit = (q: { page: number; pageSize: number; action?: string; targetType?: string; actorType?: string; actorId?: string }) =>
  http.get<Paged<AuditEntry>>(`/api/admin/audit${qs(q)}`);
export const listKioskDevices = () => http.get<{ items: KioskDevice[] }>('/api/admin/kiosk-devices');
export const createKioskDevice = (body: { name: string; location?: string; buildingId?: string | null }) =>
  http.post<{ device: KioskDevice; token: string; qrDataUrl: string }>('/api/admin/kiosk-devices', body);
export const removeKioskDevice = (id: string) => http.delete<{ ok: true }>(`/api/admin/kiosk-devices/${id}`);
/** Buildings for the device form (the people module's endpoint). */
export const listBuildings = () => http.get<{ items: Array<{ id: string; name: string }> } | Array<{ id: string; name: string }>>('/api/admin/buildings');
