import { onMounted, ref, type Ref } from 'vue';
import { useRoute } from 'vue-router';
import { ApiError } from './api';

/** The order a page is about (route param :id), read once it mounts; `failed` says why it could not be. */
export function useRouteOrder<T>(load: (id: string) => Promise<T>) {
  const id = String(useRoute().params.id);
  const order = ref(null) as Ref<T | null>;
  const failed = ref('');
  onMounted(async () => {
    try {
      order.value = await load(id);
    } catch (e) {
      failed.value = e instanceof ApiError ? e.message : String(e);
    }
  });
  return { id, order, failed };
}
