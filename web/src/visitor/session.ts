import { reactive } from 'vue';
import { getMe, type Me } from './api';

/** Who is signed in: a visitor, a verified phone that still has to register, or nobody. */
export const session = reactive<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false });

export async function loadSession() {
  try {
    const me = await getMe();
    session.me = me.type === 'visitor' || me.type === 'phone' ? me : null;
  } catch {
    session.me = null;
  }
  session.loaded = true;
}
