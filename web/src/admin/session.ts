import { reactive } from 'vue';
import { getMe, type Me } from './api';

/** The signed-in administrator (null when signed out). */
export const session = reactive<{ me: Me | null }>({ me: null });

export async function loadSession() {
  try {
    const me = await getMe();
    session.me = me.type === 'admin' ? me : null;
  } catch {
    session.me = null;
  }
}
