/**
 * Working without the server (issue 10 "Offline"): the queue, its banner and 离线记录, and the
 * offline checks other kiosk pages use — verifyCodeOffline (访客预约码 against the kept public key)
 * and queueCheckIn (applied by the server later, once).
 */
import './i18n';
import { watch } from 'vue';
import type { Router } from 'vue-router';
import { device } from '../device';
import { forgetHosts, refreshCaches } from './cache';
import { offline, startOffline } from './queue';

export { offline, pendingCount, flush, queueWalkIn, queueCheckIn, newKey } from './queue';
export { verifyCodeOffline, searchHostsOffline, refreshCaches } from './cache';
export { isUnreachable } from '@shared/api';
export type { OfflineEntry } from './store';

const REFRESH_MS = 30 * 60_000;

/**
 * Once at start: the queue and its probe; while paired and online, the public key and host list are
 * kept fresh; every page's code is fetched now, so that a page first opened offline still opens.
 */
export function installOffline(router: Router) {
  void startOffline();
  watch(
    () => device.info?.id,
    (id, before) => {
      if (id) void refreshCaches();
      else if (before) void forgetHosts();
    },
    { immediate: true },
  );
  window.setInterval(() => device.info && !offline.unreachable && void refreshCaches(), REFRESH_MS);
  void router.isReady().then(() => {
    for (const r of router.getRoutes()) {
      const c = r.components?.default;
      if (typeof c === 'function' && !('render' in c) && !('setup' in c)) void (c as () => Promise<unknown>)().catch(() => undefined);
    }
  });
}
