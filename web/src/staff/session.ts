import { reactive } from 'vue';
import { getMe, type Me } from './api';

export const session = reactive<{ me: Me | null }>({ me: null });

export async function loadSession() {
  try {
    const me = await getMe();
    session.me = me.type === 'staff' ? me : null;
  } catch {
    session.me = null;
  }
}
