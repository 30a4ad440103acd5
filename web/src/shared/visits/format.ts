/**
 * How both mobile apps show an order: the labels (contracts/visits), times in the center's zone and
 * the one colour per status and per kind. Decided here once, for the visitor and the staff app.
 */
import { CANCEL_REASON_LABELS, KIND_LABELS, ORIGIN_LABELS, STATUS_LABELS, type CancelReason, type OrderKind, type OrderStatus, type SubOrigin } from '@contracts/visits';
import { VEHICLE_STATUS_LABELS, type VehicleStatus } from '@contracts/vehicles';
import { formatDateTime } from '../center';
import { currentLocale } from '../i18n';

const locale = currentLocale();
export const statusLabel = (s: OrderStatus) => STATUS_LABELS[s][locale];
export const kindLabel = (k: OrderKind) => KIND_LABELS[k][locale];
export const originLabel = (o: SubOrigin) => ORIGIN_LABELS[o][locale];
export const cancelReasonLabel = (r: CancelReason) => CANCEL_REASON_LABELS[r][locale];

/** "已取消（审核不通过）" — the status, with the cancel reason when there is one. */
export function statusText(status: OrderStatus, reason?: CancelReason | null): string {
  const s = statusLabel(status);
  if (status !== 'cancelled' || !reason) return s;
  return locale === 'en' ? `${s} (${cancelReasonLabel(reason)})` : `${s}（${cancelReasonLabel(reason)}）`;
}

/** 2026-04-28 10:34 in the center's time zone (minute precision, as the manual shows times); '' for none. */
export function formatTime(iso: string | Date | null | undefined): string {
  return formatDateTime(iso, 'minute', '');
}

/** Status tags are filled, one colour each: 已发起 cyan, 待确认 orange, 已确认 green, 已到达 blue, 已取消 grey. */
export const STATUS_COLOR: Record<OrderStatus, string> = {
  initiated: '#13a8a8',
  pending: '#ff8f1f',
  confirmed: '#07c160',
  arrived: '#1677ff',
  cancelled: '#969799',
};

/** Kind tags are outlined: 拜访 blue, 邀请 green, 参会 orange, 现场登记 purple; the sub's origin grey. */
export const KIND_COLOR: Record<OrderKind, string> = {
  appointment: '#1677ff',
  invitation: '#07c160',
  meeting: '#ff8f1f',
  walk_in: '#7232dd',
};
export const ORIGIN_COLOR = '#646566';

/** 车辆通行状态 (S8 车辆审核): 无 grey, 待确认 orange, 已通过 green, 未通过 red. */
export const vehicleStatusLabel = (s: VehicleStatus) => VEHICLE_STATUS_LABELS[s][locale];
export const VEHICLE_COLOR: Record<VehicleStatus, string> = {
  none: '#969799',
  pending: '#ff8f1f',
  approved: '#07c160',
  rejected: '#ee0a24',
};
