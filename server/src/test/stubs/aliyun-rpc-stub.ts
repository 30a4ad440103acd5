/**
 * The part every Aliyun RPC stand-in shares (dysmsapi, dyvmsapi): read the parameters from the
 * query string or a form-encoded body, and check them the way Aliyun's gateway does — mandatory
 * common parameters, AccessKeyId, signature method/version, ISO 8601 timestamp within 15 minutes,
 * the HMAC-SHA1 signature (verified independently of the provider: encodeURIComponent + the
 * documented replacements), a fresh nonce, the action and version. Errors in Aliyun's JSON shape.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { StubRequest } from './http-stub.js';

// The documented recipe: standard URL encoding, then + → %20, * → %2A, %7E → ~.
// encodeURIComponent already writes space as %20 and keeps ~; it also keeps ! ' ( ) *, which
// RFC 3986 percent-encoding (and Aliyun) does not.
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function aliyunExpectedSignature(method: string, params: Map<string, string>, secret: string): { signature: string; stringToSign: string } {
  const keys = [...params.keys()].filter((k) => k !== 'Signature').sort();
  const canonical = keys.map((k) => `${enc(k)}=${enc(params.get(k)!)}`).join('&');
  const stringToSign = `${method}&${enc('/')}&${enc(canonical)}`;
  return { signature: createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64'), stringToSign };
}

export type StubAnswer = { status: number; json: Record<string, unknown> };

export function aliyunRpcGate(o: { accessKeyId: string; accessKeySecret: string; hostId: string; product: string; action: string; version: string }) {
  const nonces = new Set<string>();
  const popError = (status: number, code: string, message: string): StubAnswer => ({
    status,
    json: { RequestId: randomUUID().toUpperCase(), HostId: o.hostId, Code: code, Message: message, Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=${o.product}` },
  });
  /** Business answers come back as HTTP 200 with a Code, as the real service does. */
  const biz = (code: string, message: string): StubAnswer => ({ status: 200, json: { RequestId: randomUUID().toUpperCase(), Code: code, Message: message } });
  const missing = (p: string) => popError(400, 'MissingParameter', `The input parameter "${p}" that is mandatory for processing this request is not supplied.`);

  /** The request's parameters when the gateway lets it through, else the gateway's error answer. */
  function check(r: StubRequest): { params: Map<string, string> } | { error: StubAnswer } {
    const params = new Map<string, string>();
    for (const [k, v] of r.query) params.set(k, v);
    if (r.method === 'POST' && String(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(r.body)) params.set(k, v);
    }
    const fail = (e: StubAnswer) => ({ error: e });
    for (const p of ['AccessKeyId', 'Action', 'Version', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature']) if (!params.get(p)) return fail(missing(p));
    if (params.get('AccessKeyId') !== o.accessKeyId) return fail(popError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'));
    if (params.get('SignatureMethod') !== 'HMAC-SHA1') return fail(popError(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.'));
    if (params.get('SignatureVersion') !== '1.0') return fail(popError(400, 'UnsupportedSignatureVersion', 'Specified signature version is not supported.'));
    const ts = params.get('Timestamp')!;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(ts)) return fail(popError(400, 'InvalidTimeStamp.Format', 'Specified time stamp does not conform to the ISO8601 standard.'));
    if (Math.abs(Date.parse(ts) - Date.now()) > 15 * 60_000) return fail(popError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date header is expired.'));
    const { signature, stringToSign } = aliyunExpectedSignature(r.method, params, o.accessKeySecret);
    const given = Buffer.from(params.get('Signature')!);
    const want = Buffer.from(signature);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      return fail(popError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. server string to sign is:${stringToSign}`));
    }
    const nonce = params.get('SignatureNonce')!;
    if (nonces.has(nonce)) return fail(popError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'));
    nonces.add(nonce);
    if (params.get('Action') !== o.action) return fail(popError(400, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'));
    if (params.get('Version') !== o.version) return fail(popError(400, 'InvalidVersion', 'Specified parameter Version is not valid.'));
    return { params };
  }
  return { check, popError, biz, missing };
}
