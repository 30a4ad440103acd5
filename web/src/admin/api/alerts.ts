/** 安全告警 API (A2, X4): blocklisted people at gates and the kiosk, passes the server refuses. */
import { http, query as qs } from '@shared/api';
import type { Paged } from '../api';
import type { AlertRow, AlertState } from '@contracts/alerts';

export type { AlertRow, AlertState } from '@contracts/alerts';

export const listAlerts = (q: { state?: AlertState; page: number; pageSize: number }) => http.get<Paged<AlertRow>>(`/api/admin/alerts${qs(q)}`);
export const countAlerts = () => http.get<{ open: number }>('/api/admin/alerts/counts');
/** 处理 the given alerts, or every open one (`'all'`), with an optional comment. */
export const handleAlerts = (ids: string[] | 'all', comment?: string) =>
  http.post<{ handled: number }>('/api/admin/alerts/handle', { ...(ids === 'all' ? { all: true } : { ids }), comment: comment?.trim() || undefined });
