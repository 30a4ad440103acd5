/** Infinite list state for van-list over any paged endpoint ({items, total}) whose items have an id. */
import { ref, type Ref } from 'vue';
import { ApiError } from '@shared/api';

export const PAGE_SIZE = 20;

export interface Paged<T> {
  items: T[];
  total: number;
}

export function usePagedList<T extends { id: string }>(fetchPage: (page: number) => Promise<Paged<T>>) {
  const items = ref([]) as Ref<T[]>;
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
      if (gen !== generation) return; // a filter changed meanwhile: drop the stale page
      page++;
      const seen = new Set(items.value.map((o) => o.id)); // a row may move pages while scrolling
      items.value.push(...res.items.filter((o) => !seen.has(o.id)));
      total.value = res.total;
      finished.value = res.items.length < PAGE_SIZE || items.value.length >= res.total;
    } catch (e) {
      if (gen !== generation) return;
      error.value = !(e instanceof ApiError && e.status === 401);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }
  /** Start again from page 1 (filter changed, pull to refresh). */
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
