/**
 * What the signed-in administrator may open (A10): a 单位管理员 sees their unit's pages only; the
 * center's pages (devices, buildings, on-site, system) are the 系统管理员's; 会议室 and 通知模板
 * show a 单位管理员 their unit's rooms and their unit's wording. The
 * server decides (403 SYSTEM_ADMIN_ONLY / 404); this only keeps the menu honest.
 */
import { computed } from 'vue';
import { session } from './session';

export const SYSTEM_ONLY_MENUS = new Set(['buildings', 'devices', 'onSite', 'smsOutbox', 'jobs', 'audit', 'kioskDevices', 'retention', 'webhooks', 'admins']);

export const isUnitAdmin = computed(() => session.me?.admin?.role === 'unit');
/** the 单位管理员's unit (null for a 系统管理员) */
export const myUnitId = computed(() => (isUnitAdmin.value ? (session.me?.admin?.unitId ?? null) : null));
export const mustEnrol = computed(() => !!session.me?.admin?.twoFactorRequired && !session.me?.admin?.twoFactor);

export function canOpen(menu: string | undefined): boolean {
  return !(menu && isUnitAdmin.value && SYSTEM_ONLY_MENUS.has(menu));
}
