import { http } from '@shared/api';

export interface KioskInfo {
  id: string;
  name: string;
  location: string | null;
  buildingId: string | null;
  buildingName: string | null;
  timeZone: string;
}
export const pairKiosk = (token: string) => http.post<KioskInfo>('/api/kiosk/pair', { token });
export const getKioskMe = () => http.get<KioskInfo>('/api/kiosk/me', { silent401: true });
