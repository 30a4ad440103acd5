/** The admin console's messages for failures and the confirm-then-delete step, in one place. */
import { ElMessage, ElMessageBox } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { ApiError } from '@shared/api';

/** A failed call: the API's message in the current language. */
export const showError = (e: unknown) => ElMessage.error(e instanceof ApiError ? e.message : String(e));

/** 确认删除 → delete → 已删除 → after(); a cancelled dialog does nothing, a failure shows its message. */
export function useConfirmRemove() {
  const { t } = useI18n();
  return async function confirmRemove(name: string, remove: () => Promise<unknown>, after: () => unknown): Promise<void> {
    try {
      await ElMessageBox.confirm(t('org.common.confirmDelete', { name }), t('org.common.confirmTitle'), { type: 'warning' });
    } catch {
      return;
    }
    try {
      await remove();
      ElMessage.success(t('org.common.deleted'));
      await after();
    } catch (e) {
      showError(e);
    }
  };
}
