/**
 * State of a paged admin table: query (page, pageSize, filters), rows, total, loading; errors shown
 * as messages. `shown` is the query of the rows on screen — what an export takes, not a filter typed
 * but not yet searched.
 */
import { reactive, ref, type Ref } from 'vue';
import { ElMessage } from 'element-plus';

export function usePagedTable<Row, Filters extends Record<string, unknown>>(
  filters: Filters,
  fetchPage: (q: Filters & { page: number; pageSize: number }) => Promise<{ items: Row[]; total: number }>,
) {
  const q = reactive({ page: 1, pageSize: 20, ...filters }) as Filters & { page: number; pageSize: number };
  const rows = ref([]) as Ref<Row[]>;
  const total = ref(0);
  const loading = ref(false);
  const shown = ref({ ...q }) as Ref<Filters & { page: number; pageSize: number }>;

  async function load() {
    loading.value = true;
    try {
      const asked = { ...q };
      const r = await fetchPage(q);
      rows.value = r.items;
      total.value = r.total;
      shown.value = asked;
    } catch (e) {
      ElMessage.error((e as Error).message);
    } finally {
      loading.value = false;
    }
  }
  /** A filter changed: back to page 1. */
  function search() {
    q.page = 1;
    return load();
  }
  return { q, rows, total, loading, load, search, shown };
}
