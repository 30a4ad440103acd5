/**
 * 记录查询 (A8): the orders list an administrator filters, its detail, and the Excel export of
 * exactly what the filter shows. Shared by the server, the admin app and the e2e check of the file.
 */
import type { Presence } from './lobby.js';
import type { CancelReason, OrderDetail, OrderKind, OrderStatus, SubOrigin } from './visits.js';
import type { PassEventRow, PassMethod, PassResult } from './access.js';
import type { IdType } from './identity.js';
import type { VehicleStatus } from './vehicles.js';

type L = { 'zh-CN': string; en: string };

/** The orders filter (GET /api/admin/records/orders and the export): every field optional. */
export interface OrderRecordFilter {
  /** YYYY-MM-DD, the center's calendar day the order starts on (from, inclusive) */
  from?: string;
  /** YYYY-MM-DD, inclusive */
  to?: string;
  unitId?: string;
  hostId?: string;
  kind?: OrderKind;
  status?: OrderStatus;
  /** a name (contains), a phone (11 digits exact, fewer: its last digits) or a whole ID number */
  visitor?: string;
}

/** How the visitor text was read: a name, a phone, the last digits of one, or an ID number (blind index). */
export type VisitorSearchBy = 'name' | 'phone' | 'phone_suffix' | 'id_number';

/** 'abc' → name; '13800138000' → phone; '8000' → phone_suffix; '330302199001011234' → id_number. */
export function visitorSearchBy(text: string): VisitorSearchBy {
  const t = text.trim().toUpperCase().replace(/\s+/g, '');
  if (/^\d{11}$/.test(t)) return 'phone';
  if (/^\d{3,10}$/.test(t)) return 'phone_suffix';
  // an ID card (15/18, last X), a passport or permit number: letters and digits, at least one digit
  if (/^[0-9A-Z]{5,}$/.test(t) && /\d/.test(t)) return 'id_number';
  return 'name';
}

/** One row of 访客记录 (the table, and a row of the Excel file). */
export interface OrderRecordRow {
  id: string;
  parentId: string | null;
  origin: SubOrigin | null;
  kind: OrderKind;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  visitorName: string | null;
  /** administrators see phones (as in 访客库) */
  phone: string;
  idType: IdType | null;
  /** e.g. 3303**********1234 */
  idNumberMasked: string | null;
  company: string | null;
  unitId: string;
  unitName: string;
  hostId: string;
  hostName: string;
  reason: string;
  startAt: string;
  endAt: string;
  presence: Presence;
  plate: string | null;
  /** 车辆通行状态 */
  vehicleStatus: VehicleStatus;
  createdAt: string;
}

export interface OrderRecordPage {
  items: OrderRecordRow[];
  total: number;
  page: number;
  pageSize: number;
}

/** GET /api/admin/records/orders/:id: the row, the order as the apps show it (trail, chain, companions), its passes. */
export interface OrderRecordDetail {
  record: OrderRecordRow;
  order: OrderDetail;
  passes: PassEventRow[];
}

export const EXPORT_STATUSES = ['pending', 'running', 'done', 'failed', 'expired'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export const EXPORT_STATUS_LABELS: Record<ExportStatus, L> = {
  pending: { 'zh-CN': '排队中', en: 'Queued' },
  running: { 'zh-CN': '生成中', en: 'Building' },
  done: { 'zh-CN': '已完成', en: 'Ready' },
  failed: { 'zh-CN': '生成失败', en: 'Failed' },
  expired: { 'zh-CN': '文件已过期删除', en: 'The file expired and was deleted' },
};
/** what an export holds: 访客记录 (orders), 通行记录 (the devices' pass events), 操作日志 (the audit log) */
export const EXPORT_KINDS = ['orders', 'access_events', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportLocale = keyof L;
/** The sheet's name and the file's name (before _<date>-<time>.xlsx) of each kind. */
export const EXPORT_KIND_NAMES: Record<ExportKind, { sheet: L; file: L }> = {
  orders: { sheet: { 'zh-CN': '访客记录', en: 'Visit records' }, file: { 'zh-CN': '访客记录', en: 'visit-records' } },
  access_events: { sheet: { 'zh-CN': '通行记录', en: 'Pass records' }, file: { 'zh-CN': '通行记录', en: 'pass-records' } },
  audit: { sheet: { 'zh-CN': '操作日志', en: 'Audit log' }, file: { 'zh-CN': '操作日志', en: 'audit-log' } },
};
/** One column of an export's sheet: its key, header in both languages, width in characters. */
export interface ExportColumn {
  key: string;
  label: L;
  width: number;
}

/** GET /api/admin/exports/:id */
export interface ExportProgress {
  id: string;
  kind: ExportKind;
  status: ExportStatus;
  /** rows written so far */
  rows: number;
  /** rows the filter matched when the job started (null until then) */
  total: number | null;
  fileName: string;
  createdAt: string;
  finishedAt: string | null;
  /** the file is deleted at (done only) */
  expiresAt: string | null;
}

/** The columns of the 访客记录 sheet, in order (the e2e test reads the file back by these). */
export const ORDER_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'visitorName', label: { 'zh-CN': '访客姓名', en: 'Visitor' }, width: 12 },
  { key: 'phone', label: { 'zh-CN': '手机号', en: 'Phone' }, width: 14 },
  { key: 'idNumberMasked', label: { 'zh-CN': '证件号码', en: 'ID number' }, width: 22 },
  { key: 'company', label: { 'zh-CN': '工作单位', en: 'Company' }, width: 18 },
  { key: 'unitName', label: { 'zh-CN': '被访单位', en: 'Unit' }, width: 18 },
  { key: 'hostName', label: { 'zh-CN': '被访人', en: 'Host' }, width: 10 },
  { key: 'kind', label: { 'zh-CN': '类型', en: 'Type' }, width: 10 },
  { key: 'status', label: { 'zh-CN': '状态', en: 'Status' }, width: 14 },
  { key: 'reason', label: { 'zh-CN': '来访事由', en: 'Reason' }, width: 18 },
  { key: 'startAt', label: { 'zh-CN': '开始时间', en: 'Start' }, width: 17 },
  { key: 'endAt', label: { 'zh-CN': '结束时间', en: 'End' }, width: 17 },
  { key: 'arrivedAt', label: { 'zh-CN': '到达时间', en: 'Arrived' }, width: 17 },
  { key: 'leftAt', label: { 'zh-CN': '离开时间', en: 'Left' }, width: 17 },
  { key: 'plate', label: { 'zh-CN': '车牌号', en: 'Plate' }, width: 11 },
  { key: 'vehicleStatus', label: { 'zh-CN': '车辆通行状态', en: 'Vehicle' }, width: 12 },
];

/** The 通行记录 filter (GET /api/admin/access/events and its export): every field optional. */
export interface AccessEventFilter {
  deviceId?: string;
  /** passes at the devices guarding this building */
  buildingId?: string;
  orderId?: string;
  method?: PassMethod;
  result?: PassResult;
  /** ISO instants: at >= from, at < to */
  from?: string;
  to?: string;
}

/** The columns of the 通行记录 sheet: what the table shows, the result in words (异常放行 in red). */
export const ACCESS_EVENT_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'at', label: { 'zh-CN': '通行时间', en: 'Time' }, width: 20 },
  { key: 'deviceName', label: { 'zh-CN': '设备', en: 'Device' }, width: 18 },
  { key: 'holderName', label: { 'zh-CN': '通行人', en: 'Holder' }, width: 12 },
  { key: 'method', label: { 'zh-CN': '通行方式', en: 'Method' }, width: 10 },
  { key: 'plate', label: { 'zh-CN': '车牌号', en: 'Plate' }, width: 11 },
  { key: 'direction', label: { 'zh-CN': '方向', en: 'Direction' }, width: 8 },
  { key: 'result', label: { 'zh-CN': '通行结果', en: 'Result' }, width: 12 },
  { key: 'note', label: { 'zh-CN': '说明', en: 'Note' }, width: 20 },
  { key: 'deviceAt', label: { 'zh-CN': '设备上报时间', en: 'Device time' }, width: 28 },
];

/** The 操作日志 filter (GET /api/admin/audit and its export): every field optional. */
export interface AuditLogFilter {
  /** an action with its sub-actions, or a group ending in a dot */
  action?: string;
  targetType?: string;
  targetId?: string;
  actorType?: string;
  actorId?: string;
  /** ISO instants: at >= from, at < to */
  from?: string;
  to?: string;
}

/** The columns of the 操作日志 sheet: each entry in words, as 审计日志 shows it. */
export const AUDIT_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'at', label: { 'zh-CN': '时间', en: 'Time' }, width: 20 },
  { key: 'actorType', label: { 'zh-CN': '操作人类型', en: 'Actor type' }, width: 12 },
  { key: 'actor', label: { 'zh-CN': '操作人', en: 'Actor' }, width: 16 },
  { key: 'action', label: { 'zh-CN': '操作', en: 'Action' }, width: 22 },
  { key: 'subject', label: { 'zh-CN': '对象', en: 'Subject' }, width: 14 },
  { key: 'subjectId', label: { 'zh-CN': '对象编号', en: 'Subject ID' }, width: 38 },
  { key: 'detail', label: { 'zh-CN': '详情', en: 'Details' }, width: 60 },
  { key: 'ip', label: { 'zh-CN': 'IP 地址', en: 'IP address' }, width: 16 },
];
