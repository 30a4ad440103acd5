/** Display helpers shared by the visit pages: labels (contracts/visits), times, status colours, plates. */
import { currentLocale } from '@shared/i18n';
import { formatDateTime } from '@shared/center';
import { CANCEL_REASON_LABELS, KIND_LABELS, ORIGIN_LABELS, STATUS_LABELS } from '@contracts/visits';
import type { CancelReason, Kind, Origin, Status } from './api/visits';

const locale = currentLocale();
export const statusLabel = (s: Status) => STATUS_LABELS[s][locale];
export const kindLabel = (k: Kind) => KIND_LABELS[k][locale];
export const originLabel = (o: Origin) => ORIGIN_LABELS[o][locale];
export const cancelReasonLabel = (r: CancelReason) => CANCEL_REASON_LABELS[r][locale];

/** 2026-04-28 10:34 in the center's time zone (minute precision, as the manual shows times); '' for none. */
export function formatTime(iso: string | Date | null | undefined): string {
  return formatDateTime(iso, 'minute', '');
}

/** Status tag colours: 已发起 blue outline, 待确认 orange, 已确认 green, 已到达 blue, 已取消 grey. */
export const STATUS_STYLE: Record<Status, { color: string; plain: boolean }> = {
  initiated: { color: '#1989fa', plain: true },
  pending: { color: '#ff8f1f', plain: false },
  confirmed: { color: '#07c160', plain: false },
  arrived: { color: '#1677ff', plain: false },
  cancelled: { color: '#969799', plain: false },
};

/** Mainland plates (浙C12345, new-energy 浙CD12345, 使/领/挂/学/警 variants); letters upper-cased. */
const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][A-Z0-9]{4,5}[A-Z0-9挂学警港澳领使]$/;
export const normalisePlate = (v: string) => v.replace(/\s+/g, '').toUpperCase();
export const isValidPlate = (v: string) => PLATE.test(normalisePlate(v));
