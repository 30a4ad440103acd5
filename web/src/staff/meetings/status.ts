import type { BookingStatus } from '../api/bookings';

/** Colour per booking status: 待审核 orange, 已通过 green, 未通过 red, 已取消 grey. */
export const BOOKING_STATUS_TYPE: Record<BookingStatus, 'success' | 'warning' | 'danger' | 'default'> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'danger',
  cancelled: 'default',
};
