import type { Config } from '../../platform/config.js';
import type { SmsMessage, SmsProvider } from './sms.provider.js';

/** Aliyun SMS (dysmsapi SendSms). Implementation in progress — see issue #3. */
export class AliyunSmsProvider implements SmsProvider {
  readonly name = 'aliyun';
  constructor(
    private readonly config: Config,
    private readonly fetchImpl: typeof fetch,
  ) {}
  async send(_msg: SmsMessage): Promise<{ ref?: string }> {
    void this.config;
    void this.fetchImpl;
    throw new Error('aliyun provider not implemented yet');
  }
}
