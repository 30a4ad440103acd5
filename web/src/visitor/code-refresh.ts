/**
 * 访客预约码 (V8) refresh loop: fetches a token, renders it as a QR, fetches a new one every
 * `refreshAfterSeconds` (so a screenshot goes stale), hides a code once it has expired, retries
 * after a network failure, catches up at once when the page becomes visible again, and keeps the
 * screen awake (Screen Wake Lock, where the browser has it) so the code stays readable.
 */
import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue';
import QRCode from 'qrcode';
import { ApiError } from '@shared/api';
import { getAppointmentCode } from './api/visits';

const RETRY_MS = 5000;

export function useAppointmentCode(orderId: Ref<string>) {
  const token = ref('');
  const qr = ref('');
  /** a problem that no refresh fixes (not confirmed, not the visitor's own order) */
  const problem = ref<ApiError | null>(null);
  /** the last refresh failed for a passing reason (network, server busy): retried */
  const offline = ref(false);
  const fetching = ref(false);
  const now = ref(Date.now());
  let nextAt = 0; // when to fetch again (device clock)
  let staleAt = 0; // when the shown code is no longer valid (device clock)
  let periodMs = 30_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let generation = 0;

  async function refresh() {
    if (fetching.value) return;
    const id = orderId.value;
    const gen = ++generation;
    fetching.value = true;
    try {
      const c = await getAppointmentCode(id);
      const image = await QRCode.toDataURL(c.token, { width: 640, margin: 2, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
      if (gen !== generation) return;
      const fetchedAt = Date.now();
      periodMs = Math.max(5, c.refreshAfterSeconds) * 1000;
      // the device clock may differ from the server's: trust expiresAt only within [period, 2 × period]
      const life = Math.min(Math.max(Date.parse(c.expiresAt) - fetchedAt, periodMs), 2 * periodMs);
      nextAt = fetchedAt + periodMs;
      staleAt = fetchedAt + life;
      token.value = c.token;
      qr.value = image;
      problem.value = null;
      offline.value = false;
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && [401, 403, 404, 409].includes(e.status)) {
        problem.value = e;
        token.value = '';
        qr.value = '';
        nextAt = Number.POSITIVE_INFINITY;
      } else {
        offline.value = true;
        nextAt = Date.now() + RETRY_MS;
      }
    } finally {
      if (gen === generation) fetching.value = false;
      now.value = Date.now();
    }
  }

  function tick() {
    now.value = Date.now();
    if (now.value >= nextAt && !fetching.value) void refresh();
  }

  /** Keep the screen on while the code is shown (released by the browser when the page is hidden). */
  let lock: { release: () => Promise<void> } | null = null;
  async function keepAwake() {
    const wl = (navigator as Navigator & { wakeLock?: { request: (t: 'screen') => Promise<{ release: () => Promise<void> }> } }).wakeLock;
    if (!wl || document.visibilityState !== 'visible') return;
    try {
      lock = await wl.request('screen');
    } catch {
      lock = null; // not allowed (battery saver, no user gesture): the page still works
    }
  }
  function onVisible() {
    if (document.visibilityState !== 'visible') return;
    tick();
    void keepAwake();
  }

  function restart() {
    generation++;
    fetching.value = false;
    token.value = '';
    qr.value = '';
    problem.value = null;
    offline.value = false;
    nextAt = 0;
    staleAt = 0;
    void refresh();
  }

  onMounted(() => {
    restart();
    timer = setInterval(tick, 1000);
    document.addEventListener('visibilitychange', onVisible);
    void keepAwake();
  });
  onBeforeUnmount(() => {
    generation++;
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
    void lock?.release().catch(() => {});
  });

  /** whole seconds until the next refresh */
  const secondsLeft = computed(() => (Number.isFinite(nextAt) ? Math.max(0, Math.ceil((nextAt - now.value) / 1000)) : 0));
  /** 1 → 0 over one refresh period (the countdown bar) */
  const fraction = computed(() => (periodMs ? Math.min(1, Math.max(0, (nextAt - now.value) / periodMs)) : 0));
  const stale = computed(() => !!token.value && now.value >= staleAt);

  return { token, qr, problem, offline, fetching, now, secondsLeft, fraction, stale, refresh, restart };
}
