/** 加入黑名单 (asks for the reason) / 移出黑名单 (asks to confirm), shared by the list and the drawer. */
import { useI18n } from 'vue-i18n';
import { ElMessage, ElMessageBox } from 'element-plus';
import { ApiError } from '@shared/api';
import { setVisitorBlocked, type VisitorSummary } from '../../api/visitors';

export function useBlocklist() {
  const { t } = useI18n();
  /** Returns the updated visitor, or null when cancelled or refused. */
  return async function toggle(v: Pick<VisitorSummary, 'id' | 'name' | 'blocked'>): Promise<VisitorSummary | null> {
    let reason: string | undefined;
    try {
      if (v.blocked) {
        await ElMessageBox.confirm(t('visitors.unblockConfirm', { name: v.name }), t('visitors.unblock'), { type: 'warning' });
      } else {
        const r = await ElMessageBox.prompt(t('visitors.blockPrompt', { name: v.name }), t('visitors.blockTitle'), {
          type: 'warning',
          inputPlaceholder: t('visitors.reasonPh'),
          inputValidator: (s: string) => (s && s.trim() ? true : t('visitors.reasonRequired')),
          confirmButtonText: t('visitors.block'),
          confirmButtonClass: 'el-button--danger',
        });
        reason = r.value.trim();
      }
    } catch {
      return null;
    }
    try {
      const updated = await setVisitorBlocked(v.id, !v.blocked, reason);
      ElMessage.success(t(updated.blocked ? 'visitors.blockedDone' : 'visitors.unblockedDone'));
      return updated;
    } catch (e) {
      ElMessage.error(e instanceof ApiError ? e.message : String(e));
      return null;
    }
  };
}
