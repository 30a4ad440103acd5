/** 点名 (A11) for a 系统管理员: the roll call reception is taking, start, 标记安全, end. Shapes: contracts/rollcall.ts. */
import { http } from '@shared/api';
import type { RollCallView } from '@contracts/rollcall';

export type { RollCallView, RollCallPerson } from '@contracts/rollcall';
export const getRollCall = () => http.get<RollCallView>('/api/admin/roll-call');
export const startRollCall = () => http.post<RollCallView>('/api/admin/roll-call', {});
export const markSafe = (id: string, orderId: string) => http.post<RollCallView>(`/api/admin/roll-call/${encodeURIComponent(id)}/marks`, { orderId });
export const endRollCall = (id: string) => http.post<RollCallView>(`/api/admin/roll-call/${encodeURIComponent(id)}/end`, {});
