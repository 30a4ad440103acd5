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

export async function request<T>(method: string, url: string, body?: unknown, opts: { silent401?: boolean } = {}): Promise<T> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined || isForm ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = (data as ErrorBody | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? { 'zh-CN': '网络错误', en: 'Network error' }, e?.details);
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
      const data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
      const e = (data as ErrorBody | undefined)?.error;
      reject(new ApiError(xhr.status, e?.code ?? 'INTERNAL', e?.message ?? { 'zh-CN': '网络错误', en: 'Network error' }, e?.details));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', { 'zh-CN': '网络错误', en: 'Network error' }));
    xhr.send(form);
  });
}
