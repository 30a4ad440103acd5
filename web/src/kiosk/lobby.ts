/**
 * K2 预约访客 and 签离 (contracts/lobby.ts): find today's order by code, ID card or phone, check in,
 * check out. IDs and phones go in POST bodies, never in a URL.
 */
import { http } from '@shared/api';
import type { IdType } from '@contracts/identity';
import type { CheckInBody, CheckInResult, CheckOutResult, LobbyFindResult, LobbyGroup, LobbyOrder, LobbyRefusal } from '@contracts/lobby';

export type { CheckInResult, CheckOutResult, LobbyGroup, LobbyOrder, LobbyRefusal };
/** how the visitor is looked up: a scanned code, an ID card (read or typed), or a phone */
export type LobbyKey = { code: string } | { idType?: IdType; idNumber: string } | { phone: string };

export const findLobby = (by: LobbyKey) => http.post<LobbyFindResult>('/api/kiosk/lobby/find', by);
export const checkIn = (body: CheckInBody) => http.post<CheckInResult>('/api/kiosk/lobby/check-in', body);
/** `idempotencyKey`: the same key for a retry of one attempt, so a check-out that reached the server is not answered 已签离 → 已离开 the second time */
export const checkOut = (by: LobbyKey | { orderIds: string[] }, idempotencyKey?: string) => http.post<CheckOutResult>('/api/kiosk/lobby/check-out', { ...by, idempotencyKey });

/** a key for one check-in attempt (a retried request is applied once); no crypto.randomUUID on a plain-http LAN page */
export function attemptKey(): string {
  const rnd = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `kiosk-${Date.now().toString(36)}-${rnd}`;
}

/** the group's people in screen order: the main order, then its companions */
export const people = (g: LobbyGroup): LobbyOrder[] => [g.main, ...g.companions];
