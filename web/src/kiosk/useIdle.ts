/**
 * A kiosk page left alone goes back home: after `seconds` without a touch, a key or a reading from
 * the bridge, `onIdle` runs (so that the next visitor does not see someone else's order).
 */
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { onBridge } from './bridge';

const EVENTS = ['pointerdown', 'keydown', 'input', 'wheel'] as const;

export function useIdle(seconds: number, onIdle: () => void) {
  const left = ref(seconds);
  let timer: number | undefined;
  const stops: (() => void)[] = [];
  const touch = () => (left.value = seconds);
  onMounted(() => {
    for (const e of EVENTS) window.addEventListener(e, touch, { passive: true, capture: true });
    stops.push(onBridge('idcard', touch), onBridge('qr', touch), onBridge('temperature', touch));
    timer = window.setInterval(() => {
      left.value -= 1;
      if (left.value <= 0) {
        left.value = seconds; // the page may decline (a result screen counts down by itself)
        onIdle();
      }
    }, 1000);
  });
  onBeforeUnmount(() => {
    window.clearInterval(timer);
    for (const e of EVENTS) window.removeEventListener(e, touch, { capture: true });
    stops.forEach((s) => s());
  });
  return { left, touch };
}
