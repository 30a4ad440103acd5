/** 设备管理 API (A7, X4): devices, the issuance queue (下发队列), pass records (通行记录), the simulator. */
import { http, query as qs } from '@shared/api';
import type { Paged } from '../api';
import type { AccessDevice, CredentialRow, CredentialStatus, DeviceInput, DoorState, HeldCredential, PassDirection, PassEventRow, PassMethod, PassResult } from '@contracts/access';

export type { AccessDevice, CredentialRow, DeviceInput, HeldCredential, PassEventRow } from '@contracts/access';

export type { Paged } from '../api';

export const listDevices = () => http.get<{ items: AccessDevice[] }>('/api/admin/devices');
export const createDevice = (body: DeviceInput) => http.post<AccessDevice>('/api/admin/devices', body);
export const updateDevice = (id: string, body: Partial<DeviceInput>) => http.patch<AccessDevice>(`/api/admin/devices/${id}`, body);
export const removeDevice = (id: string) => http.delete<{ ok: true }>(`/api/admin/devices/${id}`);
export const checkDeviceHealth = (id: string) => http.post<AccessDevice>(`/api/admin/devices/${id}/health`);
export const getDeviceToken = (id: string) => http.get<{ token: string }>(`/api/admin/devices/${id}/token`);
/** 远程开门: the simulator's door (open now?) and the recent remote openings */
export const getDoorState = (id: string) => http.get<DoorState>(`/api/admin/devices/${id}/door`);
export const getDeviceHoldings = (id: string) => http.get<{ items: HeldCredential[]; source: 'device' | 'record' }>(`/api/admin/devices/${id}/held`);
/** a barrier's pass is by plate (method plate, no person); every other by the person the simulator holds */
export const simulatePass = (id: string, body: { personId?: string; plate?: string; method: PassMethod; direction?: PassDirection }) =>
  http.post<{ seq: number; orderId: string | null; result: PassResult; arrived: boolean; note: string | null }>(`/api/admin/devices/${id}/simulate`, body);

export const listCredentials = (q: { status?: CredentialStatus; deviceId?: string; page: number; pageSize: number }) => http.get<Paged<CredentialRow>>(`/api/admin/access/credentials${qs(q)}`);
export const retryCredential = (id: string) => http.post<{ ok: true }>(`/api/admin/access/credentials/${id}/retry`);
export const listPassEvents = (q: { deviceId?: string; buildingId?: string; method?: PassMethod; result?: PassResult; from?: string; to?: string; page: number; pageSize: number }) => http.get<Paged<PassEventRow>>(`/api/admin/access/events${qs(q)}`);
