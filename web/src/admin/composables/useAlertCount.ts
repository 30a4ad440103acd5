/**
 * The number of open 安全告警 (the red badge on the menu item): polled every 15 s while the console
 * is open, refreshed on each navigation and right after alerts are handled.
 */
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { countAlerts } from '../api/alerts';

export const POLL_MS = 15_000;
export const openAlerts = ref(0);

/** Re-reads the count; a failure (offline, signed out) keeps the last figure. */
export async function refreshAlertCount(): Promise<void> {
  try {
    openAlerts.value = (await countAlerts()).open;
  } catch {
    /* the next poll tries again */
  }
}

/** Polls while the calling component (the layout) is mounted. */
export function useAlertCountPolling() {
  let timer: ReturnType<typeof setInterval> | null = null;
  onMounted(() => {
    refreshAlertCount();
    timer = setInterval(refreshAlertCount, POLL_MS);
  });
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer);
  });
  return openAlerts;
}
