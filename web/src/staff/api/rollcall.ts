/** 点名 (A11) for reception staff: the roll call, start, 标记安全, end. Shapes: contracts/rollcall.ts. */
import { http } from '@shared/api';
import type { RollCallView } from '@contracts/rollcall';

export type { RollCallView, RollCallPerson } from '@contracts/rollcall';
export const ROLL_CALL_LIVE_URL = '/api/staff/roll-call/live';
export const getRollCall = () => http.get<RollCallView>('/api/staff/roll-call');
export const startRollCall = () => http.post<RollCallView>('/api/staff/roll-call', {});
export const markSafe = (id: string, orderId: string) => http.post<RollCallView>(`/api/staff/roll-call/${encodeURIComponent(id)}/marks`, { orderId });
export const endRollCall = (id: string) => http.post<RollCallView>(`/api/staff/roll-call/${encodeURIComponent(id)}/end`, {});
