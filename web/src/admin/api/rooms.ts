/** Meeting rooms API (会议室, A5): list, create, update, enable/disable, delete, photo. */
import { http, query as qs, upload } from '@shared/api';
import type { Paged } from '../api';
import type { AdminRoomView, RoomInput } from '@contracts/meetings';

export type Room = AdminRoomView;
export interface RoomFilter {
  q?: string;
  buildingId?: string;
  /** a unit's rooms, or `shared` for the center's */
  unitId?: string;
  enabled?: boolean;
}
export type { Paged } from '../api';


export const listRooms = (q: RoomFilter & { page: number; pageSize: number }) => http.get<Paged<Room>>(`/api/admin/rooms${qs({ ...q })}`);
export const getRoom = (id: string) => http.get<Room>(`/api/admin/rooms/${id}`);
export const createRoom = (r: RoomInput) => http.post<Room>('/api/admin/rooms', r);
export const updateRoom = (id: string, r: Partial<RoomInput>) => http.patch<Room>(`/api/admin/rooms/${id}`, r);
export const setRoomEnabled = (id: string, enabled: boolean) => updateRoom(id, { enabled });
export const removeRoom = (id: string) => http.delete<{ ok: true }>(`/api/admin/rooms/${id}`);

/** Upload or replace the room photo (JPEG or PNG, at most 5 MB). */
export const uploadRoomPhoto = (id: string, photo: Blob, onProgress?: (percent: number) => void) => {
  const form = new FormData();
  form.append('photo', photo, 'room.jpg');
  return upload<Room>(`/api/admin/rooms/${id}/photo`, form, onProgress);
};
export const removeRoomPhoto = (id: string) => http.delete<Room>(`/api/admin/rooms/${id}/photo`);
