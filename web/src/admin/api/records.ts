/** 记录查询 API (A8): 访客记录 (orders with filters, detail) and the Excel exports (访客记录, 通行记录, 操作日志) with their progress. */
import { http, query as qs } from '@shared/api';
import type { AccessEventFilter, AuditLogFilter, ExportLocale, ExportProgress, OrderRecordDetail, OrderRecordFilter, OrderRecordPage } from '@contracts/records';

export type { AccessEventFilter, AuditLogFilter, ExportKind, ExportLocale, ExportProgress, OrderRecordDetail, OrderRecordFilter, OrderRecordPage, OrderRecordRow } from '@contracts/records';

export const listOrderRecords = (q: OrderRecordFilter & { page: number; pageSize: number }) => http.get<OrderRecordPage>(`/api/admin/records/orders${qs({ ...q })}`);
export const getOrderRecord = (id: string) => http.get<OrderRecordDetail>(`/api/admin/records/orders/${id}`);
/** 202 { exportId }: the file is built by a job; poll getExport */
export const startOrderExport = (f: OrderRecordFilter & { locale: ExportLocale }) => http.post<{ exportId: string }>('/api/admin/records/orders/export', f);
/** 通行记录 (系统管理员): the filter of GET /api/admin/access/events */
export const startAccessEventsExport = (f: AccessEventFilter & { locale: ExportLocale }) => http.post<{ exportId: string }>('/api/admin/records/access-events/export', f);
/** 操作日志 (系统管理员): the filter of GET /api/admin/audit */
export const startAuditExport = (f: AuditLogFilter & { locale: ExportLocale }) => http.post<{ exportId: string }>('/api/admin/records/audit/export', f);
export const getExport = (id: string) => http.get<ExportProgress>(`/api/admin/exports/${id}`);
/** the .xlsx (the browser downloads it with the session cookie) */
export const exportFileUrl = (id: string) => `/api/admin/exports/${id}/file`;
