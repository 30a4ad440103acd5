/**
 * Live screens: an EventSource on one of the server's live streams (/api/admin/live,
 * /api/staff/roll-call/live). The stream only says that something changed (no data); the screen
 * fetches again, at most once per `debounceMs` however many changes arrive. `state` drives the
 * 实时 indicator: connecting, live, or offline (the browser retries by itself, and a screen that
 * comes back fetches again, since it may have missed changes meanwhile).
 */
import { onBeforeUnmount, onMounted, ref } from 'vue';

export type LiveState = 'connecting' | 'live' | 'offline';

export function useLive(url: string, refetch: () => unknown, opts: { debounceMs?: number; topics?: string[] } = {}) {
  const state = ref<LiveState>('connecting');
  /** how many changes the stream announced (e2e and the indicator's tooltip) */
  const changes = ref(0);
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let wasOffline = false;
  const debounceMs = opts.debounceMs ?? 300;

  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void refetch();
    }, debounceMs);
  };

  onMounted(() => {
    if (typeof EventSource === 'undefined') {
      state.value = 'offline';
      return;
    }
    es = new EventSource(url, { withCredentials: true });
    es.addEventListener('ready', () => {
      state.value = 'live';
      if (wasOffline) soon();
      wasOffline = false;
    });
    es.addEventListener('change', (ev) => {
      try {
        const topic = (JSON.parse((ev as MessageEvent<string>).data) as { topic?: string }).topic;
        if (opts.topics && topic && !opts.topics.includes(topic)) return;
      } catch {
        /* a change all the same */
      }
      changes.value++;
      soon();
    });
    es.onerror = () => {
      state.value = es?.readyState === EventSource.CLOSED ? 'offline' : 'connecting';
      wasOffline = true;
    };
  });
  onBeforeUnmount(() => {
    es?.close();
    es = null;
    if (timer) clearTimeout(timer);
  });
  return { state, changes };
}
