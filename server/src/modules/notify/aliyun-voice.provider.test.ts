/** The Aliyun SingleCallByTts request (X2 voice calls): parameters, signature, template choice, config. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { aliyunExpectedSignature } from '../../test/stubs/aliyun-sms-stub.js';
import { AliyunVoiceProvider } from './aliyun-voice.provider.js';

const base = {
  VOICE_PROVIDER: 'aliyun',
  ALIYUN_ACCESS_KEY_ID: 'LTAI5tVoiceKey',
  ALIYUN_ACCESS_KEY_SECRET: 'voice-secret-0123',
  ALIYUN_VOICE_TTS_CODE: 'TTS_100000001',
};
const config = (extra: Record<string, string> = {}) => loadConfig({}, { ...base, ...extra } as never);
const fixedNow = () => new Date('2026-11-24T04:05:06.789Z');
const call = { id: '01a2-call', phone: '13900001111', template: 'undertaking_reminder', params: { centerName: '市行政中心', roomName: '第一会议室', startAt: '11月24日 14:00', meetingTitle: "季度例会 (A*B) ~!'" } };

describe('Aliyun SingleCallByTts request', () => {
  it('carries the RPC common parameters, the called number, the TTS template, its variables as JSON and the message id as OutId', () => {
    const p = new AliyunVoiceProvider(config(), fetch, fixedNow).signedParams(call, 'nonce-1');
    expect(p).toMatchObject({
      AccessKeyId: 'LTAI5tVoiceKey',
      Action: 'SingleCallByTts',
      Format: 'JSON',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'nonce-1',
      SignatureVersion: '1.0',
      Timestamp: '2026-11-24T04:05:06Z',
      Version: '2017-05-25',
      CalledNumber: '13900001111',
      TtsCode: 'TTS_100000001',
      OutId: '01a2-call',
    });
    expect(JSON.parse(p.TtsParam!)).toEqual(call.params);
    // public mode and Aliyun's default play count unless configured
    expect(p).not.toHaveProperty('CalledShowNumber');
    expect(p).not.toHaveProperty('PlayTimes');
  });

  it('is signed the way Aliyun verifies it (independent check) and the secret matters', () => {
    const p = new AliyunVoiceProvider(config(), fetch, fixedNow).signedParams(call, 'nonce-2');
    expect(p.Signature).toBe(aliyunExpectedSignature('POST', new Map(Object.entries(p)), 'voice-secret-0123').signature);
    expect(p.Signature).not.toBe(aliyunExpectedSignature('POST', new Map(Object.entries(p)), 'other-secret').signature);
    expect(p.Signature).not.toBe(aliyunExpectedSignature('GET', new Map(Object.entries(p)), 'voice-secret-0123').signature);
  });

  it('adds CalledShowNumber and PlayTimes when configured (and signs them)', () => {
    const p = new AliyunVoiceProvider(config({ ALIYUN_VOICE_SHOW_NUMBER: '057112345678', ALIYUN_VOICE_PLAY_TIMES: '2' }), fetch, fixedNow).signedParams(call, 'nonce-3');
    expect(p).toMatchObject({ CalledShowNumber: '057112345678', PlayTimes: '2' });
    expect(p.Signature).toBe(aliyunExpectedSignature('POST', new Map(Object.entries(p)), 'voice-secret-0123').signature);
  });

  it('uses the TTS template mapped to the event, else the default one', () => {
    const v = new AliyunVoiceProvider(config({ ALIYUN_VOICE_EVENT_TTS_CODES: 'undertaking_reminder=TTS_200000002, order_expired : TTS_300000003' }), fetch, fixedNow);
    expect(v.ttsCode('undertaking_reminder')).toBe('TTS_200000002');
    expect(v.ttsCode('order_expired')).toBe('TTS_300000003');
    expect(v.ttsCode('visitor_arrived')).toBe('TTS_100000001');
  });
});

describe('voice configuration', () => {
  it('defaults to the development outbox', () => {
    expect(loadConfig({}, {}).VOICE_PROVIDER).toBe('outbox');
    expect(loadConfig({}, {}).ALIYUN_VOICE_ENDPOINT).toBe('https://dyvmsapi.aliyuncs.com');
  });

  it.each(['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_VOICE_TTS_CODE'])('VOICE_PROVIDER=aliyun requires %s', (k) => {
    const env: Record<string, string> = { ...base };
    delete env[k];
    expect(() => loadConfig({}, env as never)).toThrow(`${k}: required when VOICE_PROVIDER=aliyun`);
  });

  it('refuses an unknown provider and a play count Aliyun does not accept', () => {
    expect(() => loadConfig({}, { VOICE_PROVIDER: 'twilio' } as never)).toThrow(/VOICE_PROVIDER/);
    expect(() => config({ ALIYUN_VOICE_PLAY_TIMES: '4' })).toThrow(/ALIYUN_VOICE_PLAY_TIMES/);
  });
});
