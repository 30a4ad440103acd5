/**
 * The kiosk's offline queue. When the server cannot be reached (no answer, a proxy's 502/503/504,
 * the database down), walk-ins and QR check-ins are kept in IndexedDB; a probe of /api/health every
 * few seconds notices the server again and the queue is sent in order, each entry with its own
 * idempotency key — a resend after a lost answer is applied once. What happened to each entry stays
 * on the 离线记录 page.
 */
import { computed, reactive, toRaw } from 'vue';
import { v4 as uuid } from 'uuid';
import { ApiError, http, isUnreachable, setReachabilityListener } from '@shared/api';
import { maskPhone } from '@contracts/identity';
import type { CheckInBody, CheckInResult } from '@contracts/lobby';
import { createWalkIn, uploadKioskPhoto, type WalkInBody } from '../api';
import { allEntries, deleteEntry, putEntry, type OfflineEntry } from './store';

const PROBE_MS = 5_000;
/** entries the server has answered are shown for this long, then forgotten */
const KEEP_MS = 3 * 24 * 3600_000;

export const offline = reactive({
  /** the last request (or probe) got no answer from the server */
  unreachable: false,
  /** oldest first */
  entries: [] as OfflineEntry[],
  sending: false,
  /** when the server came back and the queue was last sent */
  flushedAt: null as string | null,
});
/** still to send (queued, or cut off while sending) */
export const pendingCount = computed(() => offline.entries.filter((e) => e.state === 'queued' || e.state === 'sending').length);

export async function reload(): Promise<void> {
  offline.entries = await allEntries();
}

/** `e` is a plain object (IndexedDB cannot store Vue's proxies); the list on screen gets a copy */
async function save(e: OfflineEntry) {
  await putEntry(toRaw(e));
  const i = offline.entries.findIndex((x) => x.id === e.id);
  if (i >= 0) offline.entries.splice(i, 1, { ...e });
  else offline.entries.push({ ...e });
}

function newEntry(id: string, kind: OfflineEntry['kind'], body: Record<string, unknown>, summary: OfflineEntry['summary']): OfflineEntry {
  return { id, kind, body, photo: null, photoUploadId: null, summary, createdAt: new Date().toISOString(), state: 'queued', attempts: 0, sentAt: null, result: null, error: null };
}

/** A key for one registration: made when it is first submitted, kept over its retries and its offline entry. */
export const newKey = () => uuid();

/**
 * A walk-in the server could not take: kept with its key (the one the failed attempt used) and the
 * photo, if one was taken (uploaded again when its upload has expired).
 */
export async function queueWalkIn(key: string, body: WalkInBody, opts: { photo?: Blob | null; hostName: string }): Promise<OfflineEntry> {
  const { photoUploadId, ...rest } = body;
  const e = newEntry(key, 'walk_in', rest as Record<string, unknown>, { name: body.name, hostName: opts.hostName, phoneMasked: maskPhone(body.phone) });
  e.photo = opts.photo ?? null;
  e.photoUploadId = photoUploadId ?? null;
  await save(e);
  return e;
}

/** A check-in by 访客预约码 verified at the kiosk (verifyCodeOffline): applied by the server later, with the time it happened. */
export async function queueCheckIn(token: string, orderId: string, summary: { name?: string } = {}): Promise<OfflineEntry> {
  const id = uuid();
  const body: CheckInBody = { orderIds: [orderId], code: token, occurredAt: new Date().toISOString(), idempotencyKey: id };
  const e = newEntry(id, 'check_in', body as unknown as Record<string, unknown>, { name: summary.name ?? '', hostName: null, phoneMasked: null });
  await save(e);
  return e;
}

const messageOf = (e: unknown) => (e instanceof ApiError ? { code: e.code, message: e.messages } : { code: 'INTERNAL', message: { 'zh-CN': String(e), en: String(e) } });

/** Send one entry. false: the server is gone again (or cannot take it now): stop, keep it queued. */
async function send(e: OfflineEntry): Promise<boolean> {
  e.state = 'sending';
  e.attempts += 1;
  await save(e);
  try {
    if (e.kind === 'walk_in') {
      const body = e.body as unknown as WalkInBody;
      const upload = async () => {
        e.photoUploadId = (await uploadKioskPhoto(e.photo!)).uploadId;
        await save(e);
      };
      if (e.photo && !e.photoUploadId) await upload();
      const post = () => createWalkIn({ ...body, photoUploadId: e.photoUploadId ?? undefined, replacePhoto: e.photoUploadId ? body.replacePhoto : undefined, idempotencyKey: e.id });
      let res;
      try {
        res = await post();
      } catch (err) {
        // an upload is kept an hour: one made before a long outage is made again
        if (!(err instanceof ApiError && err.code === 'UPLOAD_NOT_FOUND' && e.photo)) throw err;
        await upload();
        res = await post();
      }
      e.result = { orderId: res.order.id, status: res.order.status, replay: !!res.replay };
    } else {
      const res = await http.post<CheckInResult>('/api/kiosk/lobby/check-in', { ...e.body, idempotencyKey: e.id });
      const r = res.results[0];
      e.result = { orderId: r?.orderId ?? '', status: r?.order.status ?? '', replay: !!res.replay, checkedIn: !!r?.ok, refusal: r?.refusal ?? null };
      if (r?.order.visitor.name && !e.summary.name) e.summary = { ...e.summary, name: r.order.visitor.name };
    }
    Object.assign(e, { state: 'done', sentAt: new Date().toISOString(), error: null, body: null, photo: null });
  } catch (err) {
    // gone again, busy, a server fault or the device's session: the same entry is sent again later
    if (isUnreachable(err) || (err instanceof ApiError && (err.status === 429 || err.status === 401 || err.status >= 500))) {
      Object.assign(e, { state: 'queued', error: messageOf(err) });
      await save(e);
      if (isUnreachable(err)) offline.unreachable = true;
      return false;
    }
    // refused (blocklisted, host gone, window over …): said in words on 离线记录; the details are not kept
    Object.assign(e, { state: 'failed', sentAt: new Date().toISOString(), error: messageOf(err), body: null, photo: null });
  }
  await save(e);
  return true;
}

let running: Promise<void> | null = null;
/** Send what is queued, oldest first, one at a time (one tab at a time where the browser has Web Locks). */
export function flush(): Promise<void> {
  running ??= (async () => {
    offline.sending = true;
    try {
      const run = async () => {
        const stored = await allEntries();
        offline.entries = stored.map((e) => ({ ...e }));
        for (const e of stored.filter((x) => x.state === 'queued' || x.state === 'sending')) {
          if (!(await send(e))) return;
        }
        offline.flushedAt = new Date().toISOString();
      };
      if (navigator.locks) await navigator.locks.request('sg-kiosk-offline-queue', run);
      else await run();
    } catch (err) {
      // the kiosk's storage failed (full, cleared): what is stored stays; the next probe tries again
      console.error('offline queue', err);
    } finally {
      offline.sending = false;
      running = null;
    }
  })();
  return running;
}

/** Forget entries the server answered long ago. */
async function prune() {
  const cut = Date.now() - KEEP_MS;
  for (const e of offline.entries) if ((e.state === 'done' || e.state === 'failed') && new Date(e.sentAt ?? e.createdAt).getTime() < cut) await deleteEntry(e.id);
  await reload();
}

async function probe(): Promise<boolean> {
  try {
    const res = await fetch('/api/health', { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

let timer: number | undefined;
let ticks = 0;
/** The server answered again: the banner goes, the queue is sent. */
function reached() {
  if (offline.unreachable) offline.unreachable = false;
  if (pendingCount.value && !running) void flush();
}
/** every 5 s while the server is gone or something waits; every 15 s otherwise, so that an outage shows before anyone taps */
async function tick() {
  ticks += 1;
  if (offline.unreachable || pendingCount.value || ticks % 3 === 0) {
    if (await probe()) reached();
    else offline.unreachable = true;
  }
}

/** Once, when the kiosk app starts. */
export async function startOffline(): Promise<void> {
  setReachabilityListener((ok) => {
    if (!ok) offline.unreachable = true;
    else if (offline.unreachable) reached();
  });
  window.addEventListener('online', () => void tick());
  window.addEventListener('offline', () => (offline.unreachable = true));
  timer ??= window.setInterval(() => void tick(), PROBE_MS);
  await prune();
  if (pendingCount.value) void tick();
}
