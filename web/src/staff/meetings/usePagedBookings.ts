/** Infinite list state for van-list over a paged bookings endpoint ({items, total}). */
import type { BookingCard, Page } from '../api/bookings';
import { usePagedList } from '../usePagedList';

export { PAGE_SIZE } from '../usePagedList';
export const usePagedBookings = (fetchPage: (page: number) => Promise<Page<BookingCard>>) => usePagedList<BookingCard>(fetchPage);
