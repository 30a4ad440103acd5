/**
 * The one request client for all four apps (vben api/request.ts style): JSON in/out, cookies for
 * the session, errors turned into ApiError with the catalogue's code and localized message.
 */
import type { ErrorBody } from '@contracts/errors';
import { currentLocale } from './i18n';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messages: { 'zh-CN': string; en: string },
    readonly details?: unknown,
  ) {
    super(messages[currentLocale()] ?? messages['zh-CN']);
  }
}

type Handler = (e: ApiError) => void;
let onUnauthorized: Handler | null = null;
/** Each app decides what a 401 means (usually: go to its login page). */
export function setUnauthorizedHandler(h: Handler) {
  onUnauthorized = h;
}

const NETWORK_ERROR = { 'zh-CN': '网络错误', en: 'Network error' };
/**
 * The server could not be reached: no answer at all (status 0), a proxy's 502/503/504 without our
 * error body, or our own 503 while the database is down — try again later, nothing was done.
 */
export function isUnreachable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return e instanceof TypeError; // fetch's own network failure
  return e.status === 0 || e.code === 'NETWORK' || e.code === 'DB_UNAVAILABLE';
}
/** a 502/503/504 from a proxy (no error body of ours) or 503 DB_UNAVAILABLE */
const gone = (status: number, code: string | undefined) => status >= 502 && status <= 504 && (!code || code === 'DB_UNAVAILABLE');
type ReachListener = (reached: boolean) => void;
let onReach: ReachListener | null = null;
/** Told after every request whether the server answered (the kiosk's offline mode listens). */
export function setReachabilityListener(l: ReachListener | null) {
  onReach = l;
}

let timeoutMs = 0;
/**
 * Give up on a request that has had no (complete) answer after `ms` (0: wait as long as the browser
 * does) and treat it as the server being unreachable. The kiosk sets one: a server that accepts the
 * connection but never answers (a hung proxy, a stalled database) must not freeze the lobby — what
 * was being sent is kept offline and sent again with its idempotency key.
 */
export function setRequestTimeout(ms: number) {
  timeoutMs = ms;
}

export async function request<T>(method: string, url: string, body?: unknown, opts: { silent401?: boolean } = {}): Promise<T> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined || isForm ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
    });
    text = await res.text();
  } catch {
    onReach?.(false);
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR);
  }
  // a proxy in front of the server answers 502/504 with an HTML page while the server is down
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  onReach?.(!gone(res.status, (data as ErrorBody | undefined)?.error?.code));
  if (!res.ok) {
    const e = (data as ErrorBody | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? (gone(res.status, undefined) ? 'NETWORK' : 'INTERNAL'), e?.message ?? NETWORK_ERROR, e?.details);
    if (res.status === 401 && onUnauthorized && !opts.silent401) onUnauthorized(err);
    throw err;
  }
  return data as T;
}

/** "?a=1&b=x" from the set values (undefined, null and '' are left out), or '' when none is set. */
export function query(q: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const http = {
  get: <T>(url: string, opts?: { silent401?: boolean }) => request<T>('GET', url, undefined, opts),
  post: <T>(url: string, body?: unknown) => request<T>('POST', url, body ?? {}),
  put: <T>(url: string, body?: unknown) => request<T>('PUT', url, body ?? {}),
  patch: <T>(url: string, body?: unknown) => request<T>('PATCH', url, body ?? {}),
  delete: <T>(url: string) => request<T>('DELETE', url),
};

/** Upload with progress (XHR: fetch has no upload progress). */
export function upload<T>(url: string, form: FormData, onProgress?: (percent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (ev) => ev.lengthComputable && onProgress?.(Math.round((ev.loaded / ev.total) * 100));
    // some browsers send no progress events for small bodies: the upload is complete when it loads
    xhr.upload.onload = () => onProgress?.(100);
    xhr.onload = () => {
      let data: unknown;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      const e = (data as ErrorBody | undefined)?.error;
      onReach?.(!gone(xhr.status, e?.code));
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
      reject(new ApiError(xhr.status, e?.code ?? (gone(xhr.status, undefined) ? 'NETWORK' : 'INTERNAL'), e?.message ?? NETWORK_ERROR, e?.details));
    };
    xhr.onerror = () => {
      onReach?.(false);
      reject(new ApiError(0, 'NETWORK', NETWORK_ERROR));
    };
    xhr.send(form);
  });
}
