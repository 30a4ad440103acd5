/**
 * Aliyun 语音服务: Dyvmsapi `SingleCallByTts` (API version 2017-05-25) — calls one number and reads
 * an approved text-to-speech template out, filled with TtsParam. RPC style with the same
 * HMAC-SHA1 signature as Aliyun SMS (aliyun-rpc.ts). The request is a form-encoded
 * POST. A response with Code "OK" is accepted (CallId is the reference); anything else throws so
 * that the `voice.call` job retries with backoff.
 *
 * TtsCode: the template mapped to the notice's event in ALIYUN_VOICE_EVENT_TTS_CODES, else
 * ALIYUN_VOICE_TTS_CODE. CalledShowNumber is left out when ALIYUN_VOICE_SHOW_NUMBER is unset
 * (Aliyun's public mode: a number from the public pool).
 */
import type { Config } from '../../platform/config.js';
import { callRpc, signedRpcParams } from './aliyun-rpc.js';
import { eventTemplateMap } from './sms-params.js';
import type { VoiceCall, VoiceProvider } from './voice.provider.js';

export const ALIYUN_VOICE_API_VERSION = '2017-05-25';

export class AliyunVoiceProvider implements VoiceProvider {
  readonly name = 'aliyun';
  private readonly ttsCodes: Record<string, string>;
  constructor(
    private readonly config: Config,
    private readonly fetchImpl: typeof fetch,
    /** wall clock for the Timestamp parameter (Aliyun refuses one more than 15 minutes off) */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.ttsCodes = eventTemplateMap(config.ALIYUN_VOICE_EVENT_TTS_CODES);
  }

  /** The TTS template of a call: the one mapped to its event, else the default. */
  ttsCode(template: string): string {
    return this.ttsCodes[template] ?? this.config.ALIYUN_VOICE_TTS_CODE!;
  }

  /** The signed parameters of one SingleCallByTts call (exported for the stub's tests). */
  signedParams(c: Pick<VoiceCall, 'id' | 'phone' | 'template' | 'params'>, nonce?: string): Record<string, string> {
    const cfg = this.config;
    const own: Record<string, string> = { CalledNumber: c.phone, TtsCode: this.ttsCode(c.template), TtsParam: JSON.stringify(c.params), OutId: c.id };
    if (cfg.ALIYUN_VOICE_SHOW_NUMBER) own.CalledShowNumber = cfg.ALIYUN_VOICE_SHOW_NUMBER;
    if (cfg.ALIYUN_VOICE_PLAY_TIMES) own.PlayTimes = String(cfg.ALIYUN_VOICE_PLAY_TIMES);
    return signedRpcParams(
      { action: 'SingleCallByTts', version: ALIYUN_VOICE_API_VERSION, accessKeyId: cfg.ALIYUN_ACCESS_KEY_ID!, accessKeySecret: cfg.ALIYUN_ACCESS_KEY_SECRET!, at: this.now(), nonce },
      own,
    );
  }

  async call(c: VoiceCall): Promise<{ ref?: string }> {
    const json = await callRpc(this.fetchImpl, this.config.ALIYUN_VOICE_ENDPOINT, 'SingleCallByTts', this.signedParams(c));
    return { ref: typeof json.CallId === 'string' ? json.CallId : undefined };
  }
}
