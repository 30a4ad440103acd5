/** 系统管理 → 管理员 and 账号安全 (A10). */
import { http } from '@shared/api';

export type AdminRole = 'system' | 'unit';
export interface AdminAccount {
  id: string;
  username: string;
  name: string;
  role: AdminRole;
  unitId: string | null;
  unitName: string | null;
  twoFactor: boolean;
  locked: boolean;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}
export interface MyAccount {
  username: string;
  name: string;
  role: AdminRole;
  twoFactor: boolean;
  twoFactorEnabledAt: string | null;
  recoveryCodesLeft: number;
  twoFactorRequired: boolean;
}

export const listAdmins = () => http.get<{ items: AdminAccount[] }>('/api/admin/admins');
export const createAdmin = (body: { username: string; name: string; role: AdminRole; unitId?: string | null; password: string }) => http.post<AdminAccount>('/api/admin/admins', body);
export const updateAdmin = (id: string, body: { name?: string; role?: AdminRole; unitId?: string | null; disabled?: boolean }) => http.patch<AdminAccount>(`/api/admin/admins/${id}`, body);
export const resetAdminPassword = (id: string, password: string) => http.post<AdminAccount>(`/api/admin/admins/${id}/password`, { password });
export const unlockAdmin = (id: string) => http.post<AdminAccount>(`/api/admin/admins/${id}/unlock`);
export const resetAdminTwoFactor = (id: string) => http.delete<AdminAccount>(`/api/admin/admins/${id}/two-factor`);

export const getMyAccount = () => http.get<MyAccount>('/api/admin/account');
export const setupTwoFactor = () => http.post<{ secret: string; otpauthUrl: string; qrDataUrl: string }>('/api/admin/account/two-factor/setup');
export const enableTwoFactor = (code: string) => http.post<{ recoveryCodes: string[] }>('/api/admin/account/two-factor/enable', { code });
export const disableTwoFactor = (code: string) => http.post<{ ok: true }>('/api/admin/account/two-factor/disable', { code });
export const regenerateRecoveryCodes = (code: string) => http.post<{ recoveryCodes: string[] }>('/api/admin/account/two-factor/recovery-codes', { code });
