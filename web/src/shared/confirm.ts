/** A Vant confirm dialog as a boolean: true when confirmed, false when dismissed. */
import { showConfirmDialog } from 'vant';

export async function confirmed(o: { title?: string; message: string; confirmText?: string }): Promise<boolean> {
  try {
    await showConfirmDialog({ title: o.title, message: o.message, ...(o.confirmText ? { confirmButtonText: o.confirmText } : {}) });
    return true;
  } catch {
    return false;
  }
}
