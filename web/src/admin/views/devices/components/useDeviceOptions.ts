/** The devices for a filter select (下发队列, 通行记录), loaded once when the tab mounts. */
import { onMounted, ref } from 'vue';
import { listDevices, type AccessDevice } from '../../../api/devices';
import { showError } from '../../../composables/feedback';

export function useDeviceOptions() {
  const devices = ref<AccessDevice[]>([]);
  onMounted(async () => {
    try {
      devices.value = (await listDevices()).items;
    } catch (e) {
      showError(e);
    }
  });
  return devices;
}
