/** S3 远程开门: the doors the user may open, and opening one. */
import { http } from '@shared/api';
import type { DoorOpenOutcome, StaffDoorGroup } from '@contracts/access';

export type { DoorOpenOutcome, DoorOpenResult, StaffDoor, StaffDoorGroup } from '@contracts/access';

export const listMyDoors = () => http.get<{ groups: StaffDoorGroup[] }>('/api/staff/doors');
export const openDoor = (id: string) => http.post<DoorOpenOutcome>(`/api/staff/doors/${id}/open`);
