/** A seconds countdown (获取验证码 → "59秒后重发"), cleared when the component unmounts. */
import { onBeforeUnmount, ref } from 'vue';

export function useCountdown() {
  const seconds = ref(0);
  let timer: number | undefined;
  const stop = () => {
    window.clearInterval(timer);
    timer = undefined;
  };
  function start(from = 60) {
    stop();
    seconds.value = from;
    timer = window.setInterval(() => {
      seconds.value -= 1;
      if (seconds.value <= 0) stop();
    }, 1000);
  }
  onBeforeUnmount(stop);
  return { seconds, start, stop };
}
