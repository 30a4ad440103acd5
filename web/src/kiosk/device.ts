import { reactive } from 'vue';
import { getKioskMe, type KioskInfo } from './api';

/** The paired device (null until paired, or after it was revoked). */
export const device = reactive<{ info: KioskInfo | null; checked: boolean }>({ info: null, checked: false });

export async function loadDevice() {
  try {
    device.info = await getKioskMe();
  } catch {
    device.info = null;
  }
  device.checked = true;
}
