/**
 * Aliyun SMS: dysmsapi `SendSms` (API version 2017-05-25), RPC style, signed with HMAC-SHA1
 * ("Signature Version 1.0", https://help.aliyun.com/document_detail/28839.html):
 *   1. every parameter except Signature, sorted by name, each name and value percent-encoded
 *      per RFC 3986 (only A-Z a-z 0-9 - _ . ~ stay as they are; space is %20, not +);
 *   2. CanonicalizedQueryString = name=value pairs joined with &;
 *   3. StringToSign = METHOD + "&" + percentEncode("/") + "&" + percentEncode(CanonicalizedQueryString);
 *   4. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).
 * The request is a form-encoded POST. A response with Code "OK" is accepted; anything else throws
 * so that the `sms.send` job retries with backoff.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Config } from '../../platform/config.js';
import type { SmsMessage, SmsProvider } from './sms.provider.js';
import { eventTemplateMap } from './sms-params.js';

export const ALIYUN_SMS_API_VERSION = '2017-05-25';

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

interface AliyunResponse {
  Code?: string;
  Message?: string;
  BizId?: string;
  RequestId?: string;
}

export class AliyunSmsProvider implements SmsProvider {
  readonly name = 'aliyun';
  private readonly templates: Record<string, string>;
  constructor(
    private readonly config: Config,
    private readonly fetchImpl: typeof fetch,
    /** wall clock for the Timestamp parameter (Aliyun refuses one more than 15 minutes off) */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.templates = eventTemplateMap(config.ALIYUN_SMS_EVENT_TEMPLATES);
  }

  /** The template code of a message: the login-code template, or the one mapped to the event. */
  templateCode(template: string | undefined): string {
    if (!template || template === 'login_code') return this.config.ALIYUN_SMS_TEMPLATE_CODE!;
    const code = this.templates[template];
    if (!code) throw new Error(`aliyun SendSms: no template code configured for "${template}" (ALIYUN_SMS_EVENT_TEMPLATES)`);
    return code;
  }

  /** The signed parameters of one SendSms call (exported for the stub's tests). */
  signedParams(msg: Pick<SmsMessage, 'phone' | 'params'> & { template?: string }, nonce: string = randomUUID()): Record<string, string> {
    const c = this.config;
    const params: Record<string, string> = {
      AccessKeyId: c.ALIYUN_ACCESS_KEY_ID!,
      Action: 'SendSms',
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: nonce,
      SignatureVersion: '1.0',
      Timestamp: aliyunTimestamp(this.now()),
      Version: ALIYUN_SMS_API_VERSION,
      PhoneNumbers: msg.phone,
      SignName: c.ALIYUN_SMS_SIGN_NAME!,
      TemplateCode: this.templateCode(msg.template),
      TemplateParam: JSON.stringify(msg.params),
    };
    params.Signature = signRpc('POST', params, c.ALIYUN_ACCESS_KEY_SECRET!);
    return params;
  }

  async send(msg: SmsMessage): Promise<{ ref?: string }> {
    const params = this.signedParams(msg);
    const body = Object.entries(params)
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&');
    const endpoint = this.config.ALIYUN_SMS_ENDPOINT.endsWith('/') ? this.config.ALIYUN_SMS_ENDPOINT : `${this.config.ALIYUN_SMS_ENDPOINT}/`;
    const res = await this.fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: AliyunResponse;
    try {
      json = JSON.parse(text) as AliyunResponse;
    } catch {
      throw new Error(`aliyun SendSms: HTTP ${res.status}, not JSON`);
    }
    if (res.ok && json.Code === 'OK') return { ref: json.BizId };
    // Only the code and request id: Aliyun's messages can echo the string to sign, which holds
    // the phone number and the message parameters (the one-time code).
    throw new Error(`aliyun SendSms: HTTP ${res.status} ${json.Code ?? 'no code'} (RequestId ${json.RequestId ?? '-'})`);
  }
}
