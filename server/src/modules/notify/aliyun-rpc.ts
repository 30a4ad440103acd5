/**
 * Aliyun's RPC-style API (SMS dysmsapi, voice dyvmsapi), signed with HMAC-SHA1
 * ("Signature Version 1.0", https://help.aliyun.com/document_detail/28839.html):
 *   1. every parameter except Signature, sorted by name, each name and value percent-encoded
 *      per RFC 3986 (only A-Z a-z 0-9 - _ . ~ stay as they are; space is %20, not +);
 *   2. CanonicalizedQueryString = name=value pairs joined with &;
 *   3. StringToSign = METHOD + "&" + percentEncode("/") + "&" + percentEncode(CanonicalizedQueryString);
 *   4. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).
 * The request is a form-encoded POST; a response with Code "OK" is accepted, anything else throws
 * so that the job that sends it retries with backoff.
 */
import { createHmac, randomUUID } from 'node:crypto';

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** Aliyun's percent-encoding: UTF-8 bytes, RFC 3986 unreserved characters kept, upper-case hex. */
export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Sorted, encoded name=value pairs (Signature excluded). Sorted by code unit, like Aliyun's SDKs. */
export function canonicalizedQueryString(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
}

export function stringToSign(method: string, params: Record<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizedQueryString(params))}`;
}

export function signRpc(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign(method, params), 'utf8').digest('base64');
}

/** ISO 8601 in UTC without milliseconds: 2026-11-24T12:46:24Z. */
export function aliyunTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The common parameters of one call (action, version, key, nonce, time) plus the action's own, signed. */
export function signedRpcParams(
  o: { action: string; version: string; accessKeyId: string; accessKeySecret: string; at: Date; nonce?: string },
  own: Record<string, string>,
): Record<string, string> {
  const params: Record<string, string> = {
    AccessKeyId: o.accessKeyId,
    Action: o.action,
    Format: 'JSON',
    RegionId: 'cn-hangzhou',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: o.nonce ?? randomUUID(),
    SignatureVersion: '1.0',
    Timestamp: aliyunTimestamp(o.at),
    Version: o.version,
    ...own,
  };
  params.Signature = signRpc('POST', params, o.accessKeySecret);
  return params;
}

export interface RpcAnswer {
  Code?: string;
  Message?: string;
  RequestId?: string;
  [k: string]: unknown;
}

/** POST the signed parameters; resolves with the answer when Code is OK, throws otherwise. */
export async function callRpc(fetchImpl: typeof fetch, endpoint: string, action: string, params: Record<string, string>): Promise<RpcAnswer> {
  const body = Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
  const res = await fetchImpl(endpoint.endsWith('/') ? endpoint : `${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: RpcAnswer;
  try {
    json = JSON.parse(text) as RpcAnswer;
  } catch {
    throw new Error(`aliyun ${action}: HTTP ${res.status}, not JSON`);
  }
  if (res.ok && json.Code === 'OK') return json;
  // Only the code and request id: Aliyun's messages can echo the string to sign, which holds the
  // phone number and the message parameters (a one-time code).
  throw new Error(`aliyun ${action}: HTTP ${res.status} ${json.Code ?? 'no code'} (RequestId ${json.RequestId ?? '-'})`);
}
