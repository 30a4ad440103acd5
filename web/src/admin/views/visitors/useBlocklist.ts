/**
 * 加入黑名单 (says what blocking does, asks for the reason) / 移出黑名单 (asks to confirm), shared
 * by the list and the drawer. After blocking, says how many open orders were cancelled.
 */
import { h } from 'vue';
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
        // a VNode, never HTML: the name is the visitor's own input
        const message = h('div', { 'data-test': 'block-message' }, [
          h('p', { class: 'block-effects', style: 'margin: 0 0 8px; color: var(--el-color-danger)' }, t('visitors.blockEffects')),
          h('p', { style: 'margin: 0' }, t('visitors.blockPrompt', { name: v.name })),
        ]);
        const r = await ElMessageBox.prompt(message, t('visitors.blockTitle'), {
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
      if (!updated.blocked) ElMessage.success(t('visitors.unblockedDone'));
      else if (updated.cancelledOrders > 0) ElMessage.warning(t('visitors.blockedDoneCancelled', { n: updated.cancelledOrders }));
      else ElMessage.success(t('visitors.blockedDoneNone'));
      return updated;
    } catch (e) {
      ElMessage.error(e instanceof ApiError ? e.message : String(e));
      return null;
    }
  };
}
