/** Visitor library API (访客库, A2): search, detail with visit history, photo, blocklist. */
import { ApiError, http, query as qs } from '@shared/api';
import type { Paged } from '../api';
import type { IdType } from '@contracts/identity';
import type { Presence } from '@contracts/lobby';

export interface VisitorSummary {
  id: string;
  name: string;
  phone: string;
  idType: IdType;
  idNumberMasked: string | null;
  company: string | null;
  position: string | null;
  hasPhoto: boolean;
  blocked: boolean;
  blockedReason: string | null;
  lastVisitAt: string | null;
  createdAt: string;
}
export interface VisitRecord {
  id: string;
  kind: string;
  origin: string | null;
  status: string;
  cancelReason: string | null;
  hostName: string;
  unitName: string;
  reason: string;
  startAt: string;
  endAt: string;
  arrivedAt: string | null;
  /** arrival and leave, how and where (contracts/lobby.ts); absent from a server that does not send it yet */
  presence?: Presence;
}
export interface VisitorDetail extends VisitorSummary {
  registeredVia: string;
  updatedAt: string;
  faceConsent: { status: 'granted' | 'withdrawn'; version: string; grantedAt: string; withdrawnAt: string | null } | null;
  visitCount: number;
  history: VisitRecord[];
}
export type { Paged } from '../api';


export const listVisitors = (q: { q?: string; blocked?: boolean; page: number; pageSize: number }) => http.get<Paged<VisitorSummary>>(`/api/admin/visitors${qs(q)}`);
export const getVisitor = (id: string) => http.get<VisitorDetail>(`/api/admin/visitors/${id}`);
/** Blocking also takes the person off every gate and cancels their open orders (cancelledOrders); unblocking restores nothing. */
export const setVisitorBlocked = (id: string, blocked: boolean, reason?: string) =>
  http.patch<VisitorSummary & { cancelledOrders: number }>(`/api/admin/visitors/${id}/block`, { blocked, reason });

/** The face photo through the authorised route (the read is audited), as a blob URL the caller revokes. */
export async function getVisitorPhoto(id: string): Promise<string> {
  const res = await fetch(`/api/admin/visitors/${id}/photo`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    const e = (await res.json().catch(() => null))?.error;
    throw new ApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? { 'zh-CN': '照片加载失败', en: 'The photo could not be loaded' });
  }
  return URL.createObjectURL(await res.blob());
}
