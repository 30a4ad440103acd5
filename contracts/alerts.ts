/**
 * Security alerts (A2, X4): what the desk and administrators must see at once — a blocklisted
 * person at a gate or the kiosk, or a device that let through a pass the server refuses.
 */
type L = { 'zh-CN': string; en: string };

export const ALERT_KINDS = ['blocked_visitor', 'pass_anomaly'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SOURCES = ['gate', 'kiosk'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];
export const ALERT_STATES = ['open', 'handled'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_KIND_LABELS: Record<AlertKind, L> = {
  blocked_visitor: { 'zh-CN': '黑名单人员', en: 'Blocklisted person' },
  pass_anomaly: { 'zh-CN': '异常放行', en: 'Pass the server refuses' },
};
export const ALERT_SOURCE_LABELS: Record<AlertSource, L> = {
  gate: { 'zh-CN': '通行设备', en: 'Access device' },
  kiosk: { 'zh-CN': '访客机', en: 'Kiosk' },
};

/** Why a pass or a check was refused: the codes stored in a pass record's note, in words. */
export const REFUSAL_LABELS: Record<string, L> = {
  VISITOR_BLOCKED: { 'zh-CN': '已列入黑名单', en: 'On the blocklist' },
  OUTSIDE_WINDOW: { 'zh-CN': '不在来访时间内', en: 'Outside the visit window' },
  UNKNOWN_PERSON: { 'zh-CN': '无对应单据', en: 'No matching order' },
  ORDER_CANCELLED: { 'zh-CN': '单据已取消', en: 'Order cancelled' },
  ORDER_PENDING: { 'zh-CN': '单据待确认', en: 'Order not yet confirmed' },
  ORDER_INITIATED: { 'zh-CN': '单据未提交', en: 'Order not submitted' },
  CODE_EXPIRED: { 'zh-CN': '预约码已过期', en: 'Code expired' },
  CODE_INVALID: { 'zh-CN': '预约码无效', en: 'Invalid code' },
  DEVICE_CLOCK_SKEW: { 'zh-CN': '设备时钟偏差', en: 'Device clock off' },
  CHECKED_OUT: { 'zh-CN': '已签离', en: 'Already checked out' },
  REMOTE_OPEN: { 'zh-CN': '员工远程开门', en: 'Opened remotely by staff' },
  // a parking barrier's plate (车辆审核)
  PLATE_UNKNOWN: { 'zh-CN': '车牌无对应单据', en: 'No order for this plate' },
  VEHICLE_PENDING: { 'zh-CN': '车辆待审核', en: 'Vehicle not yet reviewed' },
  VEHICLE_REJECTED: { 'zh-CN': '车辆审核未通过', en: 'Vehicle rejected' },
};

export function refusalLabel(code: string | null | undefined, locale: 'zh-CN' | 'en'): string {
  if (!code) return '';
  return REFUSAL_LABELS[code]?.[locale] ?? code;
}

/** One row of 安全告警. */
export interface AlertRow {
  id: string;
  kind: AlertKind;
  source: AlertSource;
  at: string;
  deviceId: string | null;
  deviceName: string | null;
  orderId: string | null;
  visitorId: string | null;
  personName: string | null;
  /** refusal code (REFUSAL_LABELS) */
  reason: string | null;
  state: AlertState;
  handledAt: string | null;
  handledBy: string | null;
  comment: string | null;
}
