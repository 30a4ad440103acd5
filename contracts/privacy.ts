/**
 * The visitor's own data (我的数据, PIPL art. 44–47) and the retention purge (X5), shared by the
 * server and the apps. docs/api/privacy.md describes the routes.
 */
import type { IdType } from './identity.js';
import type { OrderKind, OrderStatus } from './visits.js';

type L = { 'zh-CN': string; en: string };

/**
 * Who read or handled a visitor's data, as the visitor is shown it: the kind of reader, never the
 * reader's name (a staff member's name is their own personal data, and the visitor's question —
 * who has seen my data and why — is answered by the role and the action; the audit log keeps who).
 */
export const READER_ROLES = ['admin', 'staff', 'kiosk', 'device', 'system'] as const;
export type ReaderRole = (typeof READER_ROLES)[number];
export const READER_ROLE_LABELS: Record<ReaderRole, L> = {
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  staff: { 'zh-CN': '工作人员', en: 'Staff' },
  kiosk: { 'zh-CN': '访客机', en: 'Visitor kiosk' },
  device: { 'zh-CN': '通行设备', en: 'Access device' },
  system: { 'zh-CN': '系统', en: 'System' },
};

export interface MyDataReading {
  at: string;
  role: ReaderRole;
  /** the audit action (contracts/audit.ts gives it in words) */
  action: string;
  /** what it was about: the visitor record, or one of their orders */
  subject: 'visitor' | 'visit_order';
}

export interface MyData {
  visitor: {
    name: string;
    phone: string;
    idType: IdType;
    idNumberMasked: string | null;
    company: string | null;
    position: string | null;
    wechatBound: boolean;
    registeredAt: string;
    updatedAt: string;
  };
  photo: { held: boolean; since: string | null };
  consents: Array<{ kind: 'face' | 'terms'; version: string; grantedAt: string; withdrawnAt: string | null }>;
  orders: { total: number; open: number };
  /** the latest visit that is over: its window's end, or when they left if later (null: none yet) */
  lastVisitAt: string | null;
  retention: {
    days: number;
    /** when the photo and ID number will be purged unless they visit again (null: nothing to purge, or an open order) */
    purgeAfter: string | null;
  };
  /** newest first, at most READINGS_LIMIT */
  readings: MyDataReading[];
  readingsTotal: number;
}
export const READINGS_LIMIT = 100;

/** The file 导出我的数据 downloads (JSON). */
export interface MyDataExport {
  format: 'safeguard.my-data.v1';
  exportedAt: string;
  center: string;
  visitor: MyData['visitor'] & { idNumber: string | null };
  photo: { held: boolean; since: string | null; jpegBase64: string | null };
  consents: MyData['consents'];
  orders: Array<{
    id: string;
    kind: OrderKind;
    status: OrderStatus;
    unitName: string;
    hostName: string;
    reason: string;
    startAt: string;
    endAt: string;
    plate: string | null;
    arrivedAt: string | null;
    leftAt: string | null;
    createdAt: string;
  }>;
  passes: Array<{ orderId: string | null; at: string; method: string; direction: string; result: string; device: string | null }>;
  readings: MyDataReading[];
  retention: MyData['retention'];
}

// ------------------------------------------------------------------ retention (admin)

export interface RetentionCounts {
  /** visitors whose face photo is deleted */
  photos: number;
  /** visitors whose ID number is deleted */
  idNumbers: number;
  /** registrations never used for an order, deleted */
  unusedRegistrations: number;
  /** companions'/invitees' ID numbers typed on orders, deleted */
  inviteeIdNumbers: number;
}

export type RetentionItemKind = 'purge' | 'unused' | 'invitee';
export const RETENTION_ITEM_KIND_LABELS: Record<RetentionItemKind, L> = {
  purge: { 'zh-CN': '删除照片/证件号码', en: 'Photo / ID number deleted' },
  unused: { 'zh-CN': '删除未使用的注册', en: 'Unused registration deleted' },
  invitee: { 'zh-CN': '删除单据上的证件号码', en: 'ID number on an order deleted' },
};

export interface RetentionItem {
  kind: RetentionItemKind;
  /** the visitor, or (invitee) the order */
  id: string;
  nameMasked: string;
  lastActivityAt: string;
  photo: boolean;
  idNumber: boolean;
}

export interface RetentionRun {
  at: string;
  trigger: 'schedule' | 'admin' | 'cli';
  days: number;
  cutoff: string;
  counts: RetentionCounts;
}

export interface RetentionOverview {
  days: number;
  /** what the next run removes: everything last active before this */
  cutoff: string;
  nextRunAt: string;
  lastRun: RetentionRun | null;
  counts: RetentionCounts;
  /** at most RETENTION_PREVIEW_LIMIT, oldest activity first */
  items: RetentionItem[];
  itemsTotal: number;
}
export const RETENTION_PREVIEW_LIMIT = 200;
