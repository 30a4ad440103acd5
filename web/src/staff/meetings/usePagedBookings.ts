/** Infinite list state for van-list over a paged bookings endpoint ({items, total}). */
import { ref } from 'vue';
import { ApiError } from '@shared/api';
import type { BookingCard, Page } from '../api/bookings';

export const PAGE_SIZE = 20;

export function usePagedBookings(fetchPage: (page: number) => Promise<Page<BookingCard>>) {
  const items = ref<BookingCard[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const finished = ref(false);
  const error = ref(false);
  let page = 0;
  let generation = 0;

  async function load() {
    const gen = generation;
    loading.value = true;
    try {
      const res = await fetchPage(page + 1);
      if (gen !== generation) return; // the tab changed meanwhile: drop the stale page
      page++;
      const seen = new Set(items.value.map((b) => b.id));
      items.value.push(...res.items.filter((b) => !seen.has(b.id)));
      total.value = res.total;
      finished.value = res.items.length < PAGE_SIZE || items.value.length >= res.total;
    } catch (e) {
      if (gen !== generation) return;
      error.value = !(e instanceof ApiError && e.status === 401);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }
  async function reset() {
    generation++;
    page = 0;
    items.value = [];
    finished.value = false;
    error.value = false;
    await load();
  }
  return { items, total, loading, finished, error, load, reset };
}
