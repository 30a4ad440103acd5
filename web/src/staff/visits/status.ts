import type { CancelReason, Status } from '../api/visits';

/** Vant tag colour per status: 待确认 orange, 已确认 green, 已到达 blue, 已发起 / 已取消 grey. */
export const STATUS_TYPE: Record<Status, 'primary' | 'success' | 'warning' | 'danger' | 'default'> = {
  initiated: 'default',
  pending: 'warning',
  confirmed: 'success',
  arrived: 'primary',
  cancelled: 'default',
};

/** "已取消（审核不通过）" — the status, with the cancel reason when there is one. */
export function statusText(t: (k: string, named?: Record<string, unknown>) => string, status: Status, reason: CancelReason | null): string {
  const s = t(`visit.status.${status}`);
  return status === 'cancelled' && reason ? t('visit.withReason', { status: s, reason: t(`visit.cancelReason.${reason}`) }) : s;
}
