/**
 * A stand-in for sms.tencentcloudapi.com that speaks the real protocol: a JSON POST with the
 * X-TC-* headers, the TC3-HMAC-SHA256 Authorization checked with the shared secret the way Tencent
 * checks it (over the headers the request lists in SignedHeaders, with the values it actually
 * sent), the 5-minute timestamp window, and Tencent's `{"Response": {...}}` shapes — HTTP 200 with
 * `Response.Error` for a refused call, one `SendStatusSet` entry per number otherwise.
 *
 * The verification is written independently of the provider (its own canonicalisation from the
 * raw request), so a mistake in one does not hide in the other.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';

export interface TencentSentSms {
  phone: string;
  signName: string;
  templateId: string;
  params: string[];
  serialNo: string;
}

export interface TencentSmsStub extends HttpStub {
  sent: TencentSentSms[];
  /** the next `n` well-signed SendSms calls answer this per-number failure code */
  failNext(n: number, code?: string): void;
}

export interface TencentStubOptions {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  /** approved templates: ID → number of parameters ({1}…{n}) */
  templates: Record<string, number>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (k: string | Buffer, m: string) => createHmac('sha256', k).update(m).digest();

/** Tencent's server side: canonical request → string to sign → derived key → signature. */
export function tencentExpectedSignature(r: { method: string; path: string; rawQuery: string; headers: Record<string, string | string[] | undefined>; body: string }, signedHeaders: string[], secretKey: string, timestamp: string, service: string) {
  const headerLines = signedHeaders
    .map((name) => {
      const raw = r.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${value.trim().toLowerCase()}\n`;
    })
    .join('');
  const canonicalRequest = `${r.method}\n${r.path}\n${r.rawQuery}\n${headerLines}\n${signedHeaders.join(';')}\n${sha256(r.body)}`;
  const date = new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonicalRequest)}`;
  const key = hmac(hmac(hmac('TC3' + secretKey, date), service), 'tc3_request');
  return { signature: createHmac('sha256', key).update(stringToSign).digest('hex'), date, canonicalRequest };
}

const AUTH_RE = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export async function startTencentSmsStub(opts: TencentStubOptions): Promise<TencentSmsStub> {
  const sent: TencentSentSms[] = [];
  let failures = 0;
  let failCode = 'LimitExceeded.PhoneNumberOneHourLimit';

  const error = (code: string, message: string) => ({ status: 200, json: { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } } });

  const handle = (r: StubRequest) => {
    const h = r.headers;
    const one = (name: string) => {
      const v = h[name];
      return Array.isArray(v) ? v[0] : v;
    };
    if (r.method !== 'POST' || !String(one('content-type') ?? '').startsWith('application/json')) {
      return error('InvalidParameter', 'only POST application/json is served by this stub');
    }
    const auth = one('authorization');
    if (!auth) return error('AuthFailure.SignatureFailure', 'The request is missing a required parameter `Authorization`.');
    const m = auth.match(AUTH_RE);
    if (!m) return error('AuthFailure.InvalidAuthorization', 'Authorization is not valid.');
    const [, secretId, date, service, signed, given] = m as unknown as [string, string, string, string, string, string];
    const timestamp = one('x-tc-timestamp');
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return error('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
    if (Math.abs(Number(timestamp) - Date.now() / 1000) > 300) return error('AuthFailure.SignatureExpire', 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.');
    if (secretId !== opts.secretId) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
    const signedHeaders = signed.split(';');
    if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) return error('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.');
    if ([...signedHeaders].sort().join(';') !== signed) return error('AuthFailure.SignatureFailure', 'SignedHeaders must be sorted.');
    const expected = tencentExpectedSignature({ method: r.method, path: r.path, rawQuery: r.query.toString(), headers: h, body: r.body }, signedHeaders, opts.secretKey, timestamp, 'sms');
    const a = Buffer.from(given);
    const b = Buffer.from(expected.signature);
    if (service !== 'sms' || date !== expected.date || a.length !== b.length || !timingSafeEqual(a, b)) {
      return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    }
    if (one('x-tc-action') !== 'SendSms') return error('InvalidAction', `The action \`${one('x-tc-action') ?? ''}\` is not found.`);
    if (one('x-tc-version') !== '2021-01-11') return error('InvalidParameterValue', 'The value of parameter `Version` is not valid.');
    if (!one('x-tc-region')) return error('MissingParameter', 'The request is missing a required parameter `Region`.');

    let body: { PhoneNumberSet?: string[]; SmsSdkAppId?: string; SignName?: string; TemplateId?: string; TemplateParamSet?: unknown[] };
    try {
      body = JSON.parse(r.body);
    } catch {
      return error('InvalidParameter', 'The request body is not valid JSON.');
    }
    if (body.SmsSdkAppId !== opts.sdkAppId) return error('UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId verify failed.');
    if (body.SignName !== opts.signName) return error('FailedOperation.SignatureIncorrectOrUnapproved', 'signature format is incorrect or signature is not approved.');
    const count = body.TemplateId === undefined ? undefined : opts.templates[body.TemplateId];
    if (count === undefined) return error('FailedOperation.TemplateIncorrectOrUnapproved', 'template format is incorrect or template is not approved.');
    const params = body.TemplateParamSet ?? [];
    if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) return error('InvalidParameterValue.TemplateParameterFormatError', 'TemplateParamSet must be strings.');
    if (params.length !== count) return error('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', 'the number of template parameters does not match the approved template.');
    const phones = body.PhoneNumberSet ?? [];
    if (!Array.isArray(phones) || phones.length === 0 || phones.length > 200) return error('InvalidParameterValue.IncorrectPhoneNumber', 'PhoneNumberSet must hold 1 to 200 numbers.');

    const SendStatusSet = phones.map((phone) => {
      const base = { SerialNo: '', PhoneNumber: phone, Fee: 0, SessionContext: '', IsoCode: 'CN' };
      if (!/^\+861\d{10}$/.test(phone)) return { ...base, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect phone number' };
      if (failures > 0) {
        failures--;
        return { ...base, Code: failCode, Message: 'the number of messages sent to this number in one hour exceeds the limit' };
      }
      const serialNo = `5000:${Date.now()}${Math.floor(Math.random() * 1e9)}`;
      sent.push({ phone: phone.slice(3), signName: body.SignName!, templateId: body.TemplateId!, params: params as string[], serialNo });
      return { ...base, SerialNo: serialNo, Fee: 1, Code: 'Ok', Message: 'send success' };
    });
    return { status: 200, json: { Response: { SendStatusSet, RequestId: randomUUID() } } };
  };

  const stub = await startHttpStub(handle);
  return {
    ...stub,
    sent,
    failNext(n: number, code = 'LimitExceeded.PhoneNumberOneHourLimit') {
      failures = n;
      failCode = code;
    },
  };
}
