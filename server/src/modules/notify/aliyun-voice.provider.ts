/**
 * Aliyun 语音服务: Dyvmsapi `SingleCallByTts` (API version 2017-05-25) — calls one number and reads
 * an approved text-to-speech template out, filled with TtsParam. RPC style with the same
 * HMAC-SHA1 signature as Aliyun SMS (see aliyun-sms.provider.ts). The request is a form-encoded
 * POST. A response with Code "OK" is accepted (CallId is the reference); anything else throws so
 * that the `voice.call` job retries with backoff.
 *
 * TtsCode: the template mapped to the notice's event in ALIYUN_VOICE_EVENT_TTS_CODES, else
 * ALIYUN_VOICE_TTS_CODE. CalledShowNumber is left out when ALIYUN_VOICE_SHOW_NUMBER is unset
 * (Aliyun's public mode: a number from the public pool).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../platform/config.js';
import { aliyunTimestamp, percentEncode, signRpc } from './aliyun-sms.provider.js';
import { eventTemplateMap } from './sms-params.js';
import type { VoiceCall, VoiceProvider } from './voice.provider.js';

export const ALIYUN_VOICE_API_VERSION = '2017-05-25';

interface AliyunResponse {
  Code?: string;
  Message?: string;
  CallId?: string;
  RequestId?: string;
}

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
  signedParams(c: Pick<VoiceCall, 'id' | 'phone' | 'template' | 'params'>, nonce: string = randomUUID()): Record<string, string> {
    const cfg = this.config;
    const params: Record<string, string> = {
      AccessKeyId: cfg.ALIYUN_ACCESS_KEY_ID!,
      Action: 'SingleCallByTts',
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: nonce,
      SignatureVersion: '1.0',
      Timestamp: aliyunTimestamp(this.now()),
      Version: ALIYUN_VOICE_API_VERSION,
      CalledNumber: c.phone,
      TtsCode: this.ttsCode(c.template),
      TtsParam: JSON.stringify(c.params),
      OutId: c.id,
    };
    if (cfg.ALIYUN_VOICE_SHOW_NUMBER) params.CalledShowNumber = cfg.ALIYUN_VOICE_SHOW_NUMBER;
    if (cfg.ALIYUN_VOICE_PLAY_TIMES) params.PlayTimes = String(cfg.ALIYUN_VOICE_PLAY_TIMES);
    params.Signature = signRpc('POST', params, cfg.ALIYUN_ACCESS_KEY_SECRET!);
    return params;
  }

  async call(c: VoiceCall): Promise<{ ref?: string }> {
    const params = this.signedParams(c);
    const body = Object.entries(params)
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&');
    const ep = this.config.ALIYUN_VOICE_ENDPOINT;
    const res = await this.fetchImpl(ep.endsWith('/') ? ep : `${ep}/`, {
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
      throw new Error(`aliyun SingleCallByTts: HTTP ${res.status}, not JSON`);
    }
    if (res.ok && json.Code === 'OK') return { ref: json.CallId };
    // Only the code and request id: Aliyun's messages can echo the string to sign (the phone number).
    throw new Error(`aliyun SingleCallByTts: HTTP ${res.status} ${json.Code ?? 'no code'} (RequestId ${json.RequestId ?? '-'})`);
  }
}
