/** Infinite list state for van-list over a paged orders endpoint ({items, total}). */
import type { OrderCard, Page } from '../api/visits';
import { usePagedList } from '../usePagedList';

export { PAGE_SIZE } from '../usePagedList';
export const usePagedOrders = (fetchPage: (page: number) => Promise<Page<OrderCard>>) => usePagedList<OrderCard>(fetchPage);
