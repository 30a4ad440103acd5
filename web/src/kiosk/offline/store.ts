/**
 * The kiosk's own storage for working without the server (IndexedDB through `idb`): the queue of
 * registrations and check-ins made offline, and what it keeps to work offline — the code public key
 * and the host list.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LobbyRefusal } from '@contracts/lobby';

export type EntryKind = 'walk_in' | 'check_in';
export type EntryState = 'queued' | 'sending' | 'done' | 'failed';
type L = { 'zh-CN': string; en: string };

export interface OfflineEntry {
  /** a uuid, sent as the idempotency key: the server applies the entry once however often it is sent */
  id: string;
  kind: EntryKind;
  /** the request body; dropped (with the photo) once the server has answered — personal details are not kept longer than needed */
  body: Record<string, unknown> | null;
  /** 触摸拍照 taken while offline (or kept in case the upload must be made again) */
  photo: Blob | null;
  /** the photo's upload, once made: a resend uses it again */
  photoUploadId: string | null;
  /** what the 离线记录 list shows: name, masked host name, masked phone */
  summary: { name: string; hostName: string | null; phoneMasked: string | null };
  createdAt: string;
  state: EntryState;
  attempts: number;
  sentAt: string | null;
  /** the server's answer: the order and its status (walk-in), or whether the check-in was applied and why not */
  result: { orderId: string; status: string; replay: boolean; checkedIn?: boolean; refusal?: LobbyRefusal | null } | null;
  /** why the server refused it (failed), or the last try's problem (still queued) */
  error: { code: string; message: L } | null;
}

export interface CachedHost {
  id: string;
  name: string;
  unitName: string;
  departmentName: string | null;
  officeRoom: string | null;
  officePhone: string | null;
}
export interface CodeKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
}

interface KioskDB extends DBSchema {
  entries: { key: string; value: OfflineEntry; indexes: { createdAt: string } };
  kv: { key: 'codeKey'; value: CodeKey } | { key: 'hosts'; value: { at: string; items: CachedHost[] } };
}
type KV = { codeKey: CodeKey; hosts: { at: string; items: CachedHost[] } };

let dbp: Promise<IDBPDatabase<KioskDB>> | null = null;
function db() {
  dbp ??= openDB<KioskDB>('sg-kiosk-offline', 1, {
    upgrade(d) {
      d.createObjectStore('entries', { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
      d.createObjectStore('kv');
    },
  });
  return dbp;
}

export async function allEntries(): Promise<OfflineEntry[]> {
  return (await db()).getAllFromIndex('entries', 'createdAt');
}
export async function putEntry(e: OfflineEntry): Promise<void> {
  await (await db()).put('entries', e);
}
export async function deleteEntry(id: string): Promise<void> {
  await (await db()).delete('entries', id);
}
export async function getKv<K extends keyof KV>(key: K): Promise<KV[K] | undefined> {
  return (await db()).get('kv', key) as Promise<KV[K] | undefined>;
}
export async function setKv<K extends keyof KV>(key: K, value: KV[K]): Promise<void> {
  await (await db()).put('kv', value as never, key);
}
export async function deleteKv(key: keyof KV): Promise<void> {
  await (await db()).delete('kv', key);
}
