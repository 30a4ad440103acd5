/**
 * Aliyun SMS: dysmsapi `SendSms` (API version 2017-05-25), RPC style with the HMAC-SHA1 signature
 * of aliyun-rpc.ts. A response with Code "OK" is accepted (BizId is the reference); anything else
 * throws so that the `sms.send` job retries with backoff.
 */
import type { Config } from '../../platform/config.js';
import type { SmsMessage, SmsProvider } from './sms.provider.js';
import { eventTemplateMap } from './sms-params.js';
import { callRpc, signedRpcParams } from './aliyun-rpc.js';

export { aliyunTimestamp, canonicalizedQueryString, percentEncode, signRpc, stringToSign } from './aliyun-rpc.js';

export const ALIYUN_SMS_API_VERSION = '2017-05-25';

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
  signedParams(msg: Pick<SmsMessage, 'phone' | 'params'> & { template?: string }, nonce?: string): Record<string, string> {
    const c = this.config;
    return signedRpcParams(
      { action: 'SendSms', version: ALIYUN_SMS_API_VERSION, accessKeyId: c.ALIYUN_ACCESS_KEY_ID!, accessKeySecret: c.ALIYUN_ACCESS_KEY_SECRET!, at: this.now(), nonce },
      { PhoneNumbers: msg.phone, SignName: c.ALIYUN_SMS_SIGN_NAME!, TemplateCode: this.templateCode(msg.template), TemplateParam: JSON.stringify(msg.params) },
    );
  }

  async send(msg: SmsMessage): Promise<{ ref?: string }> {
    const json = await callRpc(this.fetchImpl, this.config.ALIYUN_SMS_ENDPOINT, 'SendSms', this.signedParams(msg));
    return { ref: typeof json.BizId === 'string' ? json.BizId : undefined };
  }
}
