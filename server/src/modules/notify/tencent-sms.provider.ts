/**
 * Tencent Cloud SMS: `SendSms` (API version 2021-01-11) on sms.tencentcloudapi.com, a JSON POST
 * signed with TC3-HMAC-SHA256 (Tencent Cloud API "signature v3"):
 *   1. CanonicalRequest = METHOD \n URI ("/") \n QUERY ("" for POST) \n CanonicalHeaders \n
 *      SignedHeaders \n hex(SHA256(payload)); each signed header as `name:value\n`, name and value
 *      lower-cased and trimmed, sorted by name; SignedHeaders = the names joined with ";".
 *   2. StringToSign = "TC3-HMAC-SHA256" \n timestamp \n `${UTC date}/${service}/tc3_request` \n
 *      hex(SHA256(CanonicalRequest)).
 *   3. SecretDate = HMAC("TC3" + SecretKey, date); SecretService = HMAC(SecretDate, service);
 *      SecretSigning = HMAC(SecretService, "tc3_request"); Signature = hex(HMAC(SecretSigning, StringToSign)).
 *   4. Authorization: TC3-HMAC-SHA256 Credential=SecretId/CredentialScope, SignedHeaders=…, Signature=…
 * Headers X-TC-Action, X-TC-Version, X-TC-Timestamp and X-TC-Region go along. Tencent answers
 * HTTP 200 either way: `Response.Error` for a refused call, else one `SendStatusSet` entry per
 * number with `Code: "Ok"` when accepted. Anything but Ok throws, so the `sms.send` job retries.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Config } from '../../platform/config.js';
import type { SmsMessage, SmsProvider } from './sms.provider.js';
import { eventTemplateMap, providerTemplateParams } from './sms-params.js';

export const TENCENT_SMS_API_VERSION = '2021-01-11';
export const TENCENT_SMS_SERVICE = 'sms';
export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

/** The UTC date of a Unix timestamp (seconds), as the credential scope wants it: 2019-02-25. */
export const tc3Date = (timestamp: number) => new Date(timestamp * 1000).toISOString().slice(0, 10);

export interface Tc3Input {
  secretId: string;
  secretKey: string;
  service: string;
  /** Unix seconds; the same value goes into X-TC-Timestamp */
  timestamp: number;
  method: string;
  path?: string;
  query?: string;
  /** the headers to sign (any case); content-type and host at least */
  headers: Record<string, string>;
  payload: string;
}

export function tc3Sign(i: Tc3Input) {
  const names = Object.keys(i.headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(i.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().toLowerCase()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [i.method.toUpperCase(), i.path ?? '/', i.query ?? '', canonicalHeaders, signedHeaders, sha256Hex(i.payload)].join('\n');
  const date = tc3Date(i.timestamp);
  const credentialScope = `${date}/${i.service}/tc3_request`;
  const stringToSign = [TC3_ALGORITHM, String(i.timestamp), credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signing = hmac(hmac(hmac(`TC3${i.secretKey}`, date), i.service), 'tc3_request');
  const signature = createHmac('sha256', signing).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
    authorization: `${TC3_ALGORITHM} Credential=${i.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/** Tencent wants E.164: +8613800000000. */
export const e164 = (phone: string) => (phone.startsWith('+') ? phone : `+86${phone}`);

interface TencentResponse {
  Response?: {
    Error?: { Code?: string; Message?: string };
    SendStatusSet?: Array<{ SerialNo?: string; PhoneNumber?: string; Code?: string; Message?: string; Fee?: number }>;
    RequestId?: string;
  };
}

export class TencentSmsProvider implements SmsProvider {
  readonly name = 'tencent';
  private readonly templates: Record<string, string>;
  constructor(
    private readonly config: Config,
    private readonly fetchImpl: typeof fetch,
    /** wall clock for X-TC-Timestamp (Tencent refuses one more than 5 minutes off) */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.templates = eventTemplateMap(config.TENCENT_SMS_EVENT_TEMPLATES);
  }

  /** The template ID for a message: the login-code template, or the one mapped to the event. */
  templateId(template: string): string {
    if (template === 'login_code') return this.config.TENCENT_SMS_TEMPLATE_ID!;
    const id = this.templates[template];
    if (!id) throw new Error(`tencent SendSms: no template ID configured for "${template}" (TENCENT_SMS_EVENT_TEMPLATES)`);
    return id;
  }

  /** The JSON body and signed headers of one SendSms call (exported for the stub's tests). */
  signedRequest(msg: Pick<SmsMessage, 'phone' | 'params' | 'template' | 'content'>, timestamp = Math.floor(this.now().getTime() / 1000)) {
    const c = this.config;
    const url = new URL(c.TENCENT_SMS_ENDPOINT);
    const body = JSON.stringify({
      PhoneNumberSet: [e164(msg.phone)],
      SmsSdkAppId: c.TENCENT_SMS_SDK_APP_ID!,
      SignName: c.TENCENT_SMS_SIGN_NAME!,
      TemplateId: this.templateId(msg.template),
      TemplateParamSet: providerTemplateParams(msg),
    });
    const signed = { 'content-type': 'application/json; charset=utf-8', host: url.host, 'x-tc-action': 'sendsms' };
    const { authorization } = tc3Sign({ secretId: c.TENCENT_SECRET_ID!, secretKey: c.TENCENT_SECRET_KEY!, service: TENCENT_SMS_SERVICE, timestamp, method: 'POST', headers: signed, payload: body });
    const headers = {
      Authorization: authorization,
      'Content-Type': signed['content-type'],
      // (Host is signed; fetch sends it from the URL)
      'X-TC-Action': 'SendSms',
      'X-TC-Version': TENCENT_SMS_API_VERSION,
      'X-TC-Timestamp': String(timestamp),
      'X-TC-Region': c.TENCENT_SMS_REGION,
    };
    return { url: url.toString(), headers, body };
  }

  async send(msg: SmsMessage): Promise<{ ref?: string }> {
    const { url, headers, body } = this.signedRequest(msg);
    const res = await this.fetchImpl(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let json: TencentResponse;
    try {
      json = JSON.parse(text) as TencentResponse;
    } catch {
      throw new Error(`tencent SendSms: HTTP ${res.status}, not JSON`);
    }
    const r = json.Response ?? {};
    // Only codes and the request id: messages can echo request details (phone, parameters).
    if (r.Error) throw new Error(`tencent SendSms: HTTP ${res.status} ${r.Error.Code ?? 'no code'} (RequestId ${r.RequestId ?? '-'})`);
    const status = r.SendStatusSet?.[0];
    if (!res.ok || !status) throw new Error(`tencent SendSms: HTTP ${res.status}, no send status (RequestId ${r.RequestId ?? '-'})`);
    if (status.Code !== 'Ok') throw new Error(`tencent SendSms: ${status.Code ?? 'no code'} (RequestId ${r.RequestId ?? '-'})`);
    return { ref: status.SerialNo };
  }
}
