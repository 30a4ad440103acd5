/**
 * What the kiosk keeps, while the server answers, to work without it: the public key of the
 * 访客预约码 (check-in by QR) and the host list (walk-in 受访人 search).
 */
import { ApiError, http } from '@shared/api';
import { maskName } from '@contracts/identity';
import { verifyCodeWithKey, type OfflineCodeCheck } from '@contracts/code-verify';
import type { KioskHost } from '../api'; // types only: api.ts imports this file
import { deleteKv, getKv, setKv, type CachedHost, type CodeKey } from './store';

let codeKey: CodeKey | null = null;
let hosts: CachedHost[] | null = null;

/** Fetch both again (at start and every so often while online); a failure keeps what was kept. */
export async function refreshCaches(): Promise<void> {
  await Promise.allSettled([
    http.get<CodeKey>('/api/codes/public-key').then(async (k) => {
      codeKey = { kty: k.kty, crv: k.crv, x: k.x, kid: k.kid };
      await setKv('codeKey', codeKey);
    }),
    http.get<{ items: CachedHost[] }>('/api/kiosk/hosts/offline').then(async (r) => {
      hosts = r.items;
      await setKv('hosts', { at: new Date().toISOString(), items: r.items });
    }),
  ]);
}

/** The device was unpaired: its host list goes with it. */
export async function forgetHosts(): Promise<void> {
  hosts = null;
  await deleteKv('hosts');
}

/**
 * 访客预约码 checked at the kiosk without the server: the Ed25519 signature against the public key
 * kept while online, and the expiry. `{ ok: true, orderId }`, or why not (invalid, expired, no_key).
 */
export async function verifyCodeOffline(token: string, now: Date = new Date()): Promise<OfflineCodeCheck> {
  codeKey ??= (await getKv('codeKey')) ?? null;
  return verifyCodeWithKey(token, codeKey, now);
}

/**
 * 受访人 search while the server cannot be reached: by name in the kept list, shown masked as
 * online. The list has no phones, so a phone search says to search by name.
 */
export async function searchHostsOffline(q: string): Promise<{ items: KioskHost[] }> {
  if (/^\d+$/.test(q)) throw new ApiError(0, 'NETWORK', { 'zh-CN': '网络已断开，请输入受访人姓名搜索', en: 'Offline: please search the host by name' });
  hosts ??= (await getKv('hosts'))?.items ?? null;
  if (!hosts) throw new ApiError(0, 'NETWORK', { 'zh-CN': '网络已断开，暂时无法查找受访人，请到前台登记', en: 'Offline: hosts cannot be looked up now. Please register at the front desk.' });
  const term = q.trim();
  return { items: hosts.filter((h) => h.name.includes(term)).slice(0, 20).map((h) => ({ ...h, name: maskName(h.name) })) };
}
