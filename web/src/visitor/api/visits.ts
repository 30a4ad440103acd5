/**
 * The visitor app's visit calls (V3, V4, V7, V9, V10, V11 and the SMS / forward link landing),
 * exactly per docs/api/visits.md. Also the host lookup and one unit's 办理须知 used by 访客预约.
 */
import { http } from '@shared/api';
import type { IdType } from '@contracts/identity';
import type { CancelReason, OrderCard, OrderDetail, OrderKind as Kind, OrderStatus as Status, SubOrigin as Origin } from '@contracts/visits';

export type { CancelReason, Kind, Origin, Status };
export type StatusFilter = 'all' | Status;
export type Scope = 'recent' | 'history';

export type { OrderActions, OrderCard, OrderDetail, TrailEntry, OrderCompanion as Companion } from '@contracts/visits';

export interface AppointmentForm {
  hostPhone: string;
  reason: string;
  remark?: string;
  startAt: string;
  endAt: string;
  plate?: string;
  companionPhones: string[];
  idempotencyKey: string;
}
export interface HelpFillForm {
  name: string;
  phone: string;
  idType: IdType;
  idNumber: string;
  company?: string;
  position?: string;
  plate?: string;
}
export interface LinkInfo {
  purpose: 'companion' | 'invitation' | 'forward' | 'meeting';
  order: { hostName: string; unitName: string; reason: string; startAt: string; endAt: string; inviterName: string | null };
  /** a meeting invitation: which meeting, where */
  meeting: { title: string; roomName: string; location: string | null } | null;
  phone: string | null;
  registered: boolean;
}
export interface HostFound {
  hostId: string;
  maskedName: string;
  unitId: string;
  unitName: string;
  departmentName: string | null;
}

const enc = encodeURIComponent;

export const lookupHost = (phone: string) => http.post<HostFound>('/api/hosts/lookup', { phone });
export const getUnitInstructions = (unitId: string) =>
  http.get<{ unitId: string; unitName: string; instructions: string }>(`/api/units/${enc(unitId)}/instructions`);

export const createAppointment = (form: AppointmentForm) => http.post<OrderDetail>('/api/visits/appointments', form);
export function listMyOrders(q: { scope: Scope; status: StatusFilter; page: number; pageSize: number }) {
  const qs = new URLSearchParams({ scope: q.scope, status: q.status, page: String(q.page), pageSize: String(q.pageSize) });
  return http.get<{ items: OrderCard[]; total: number }>(`/api/visits/mine?${qs}`);
}
export const getOrder = (id: string) => http.get<OrderDetail>(`/api/visits/${enc(id)}`);
export const cancelOrder = (id: string, comment?: string) => http.post<OrderDetail>(`/api/visits/${enc(id)}/cancel`, comment ? { comment } : {});
export const addCompanions = (id: string, phones: string[]) => http.post<OrderDetail>(`/api/visits/${enc(id)}/companions`, { phones });
export const helpFill = (id: string, form: HelpFillForm) => http.post<OrderDetail>(`/api/visits/${enc(id)}/help-fill`, form);
export const getForwardLink = (id: string) => http.post<{ url: string; expiresAt: string }>(`/api/visits/${enc(id)}/forward-link`);

export const getLink = (token: string) => http.get<LinkInfo>(`/api/links/${enc(token)}`, { silent401: true });
export const startLinkSession = (token: string) => http.post<{ registered: boolean }>(`/api/links/${enc(token)}/session`);
export const submitLink = (token: string, plate?: string) => http.post<OrderDetail>(`/api/links/${enc(token)}/submit`, plate ? { plate } : {});

/** A fresh idempotency key per form (crypto.randomUUID needs a secure context: fall back to getRandomValues). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** 访客预约码 (V8): a short-lived signed token for the visitor's own confirmed order; fetch again every refreshAfterSeconds. */
export interface AppointmentCode {
  token: string;
  expiresAt: string;
  refreshAfterSeconds: number;
}
export const getAppointmentCode = (id: string) => http.get<AppointmentCode>(`/api/visits/${enc(id)}/code`);
