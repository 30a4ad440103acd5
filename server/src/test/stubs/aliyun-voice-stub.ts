/**
 * A stand-in for dyvmsapi.aliyuncs.com (Aliyun 语音服务) that speaks the real protocol for
 * `SingleCallByTts`: RPC-style parameters in the query string or a form-encoded body, the HMAC-SHA1
 * signature checked with the shared secret the way Aliyun checks it (the independent verification
 * of aliyun-sms-stub.ts), Aliyun's JSON error shapes, business errors as HTTP 200 with a Code.
 * Accepted calls are recorded.
 */
import { randomUUID } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';
import { aliyunRpcGate } from './aliyun-rpc-stub.js';

export interface AliyunPlacedCall {
  calledNumber: string;
  calledShowNumber: string | null;
  ttsCode: string;
  ttsParam: Record<string, string>;
  playTimes: number | null;
  outId: string | null;
  callId: string;
}

export interface AliyunVoiceStub extends HttpStub {
  calls: AliyunPlacedCall[];
  /** the next `n` well-signed calls answer this business error code */
  failNext(n: number, code?: string): void;
}

const HOST_ID = 'dyvmsapi.aliyuncs.com';

export async function startAliyunVoiceStub(opts: {
  accessKeyId: string;
  accessKeySecret: string;
  /** the approved TTS templates and the variables each one needs */
  ttsTemplates: Record<string, string[]>;
  /** the account's 被叫显号 (专属模式); a call without CalledShowNumber uses the public pool */
  showNumber?: string;
}): Promise<AliyunVoiceStub> {
  const calls: AliyunPlacedCall[] = [];
  let failures = 0;
  let failCode = 'isv.BUSINESS_LIMIT_CONTROL';

  const gate = aliyunRpcGate({ accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret, hostId: HOST_ID, product: 'Dyvmsapi', action: 'SingleCallByTts', version: '2017-05-25' });
  const { biz, missing: missingParameter } = gate;

  const handle = (r: StubRequest) => {
    const checked = gate.check(r);
    if ('error' in checked) return checked.error;
    const { params } = checked;
    for (const p of ['CalledNumber', 'TtsCode']) if (!params.get(p)) return missingParameter(p);

    const called = params.get('CalledNumber')!;
    // a mobile number, or a landline with its area code
    if (!/^(1\d{10}|0\d{9,11})$/.test(called)) return biz('isv.MOBILE_NUMBER_ILLEGAL', '号码格式非法');
    const show = params.get('CalledShowNumber') ?? null;
    if (show !== null && show !== opts.showNumber) return biz('isv.DISPLAY_NUMBER_ILLEGAL', '号显号码不在可用号码列表');
    const ttsCode = params.get('TtsCode')!;
    const needs = opts.ttsTemplates[ttsCode];
    if (!needs) return biz('isv.TTS_TEMPLATE_ILLEGAL', '文本转语音模板不合法');
    let ttsParam: Record<string, string>;
    try {
      const parsed: unknown = JSON.parse(params.get('TtsParam') ?? '{}');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw new Error('shape');
      ttsParam = parsed as Record<string, string>;
    } catch {
      return biz('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    const missing = needs.filter((v) => !(v in ttsParam));
    if (missing.length) return biz('isv.TEMPLATE_MISSING_PARAMETERS', `模板缺少变量: ${missing.join(',')}`);
    const playTimes = params.has('PlayTimes') ? Number(params.get('PlayTimes')) : null;
    if (playTimes !== null && !(Number.isInteger(playTimes) && playTimes >= 1 && playTimes <= 3)) return biz('isv.INVALID_PARAMETERS', 'PlayTimes 取值 1-3');
    if (failures > 0) {
      failures--;
      return biz(failCode, failCode === 'isv.BUSINESS_LIMIT_CONTROL' ? '触发号码天级流控Permits:20' : '呼叫失败');
    }
    const callId = `${Date.now()}^${Math.floor(Math.random() * 1e9)}`;
    calls.push({ calledNumber: called, calledShowNumber: show, ttsCode, ttsParam, playTimes, outId: params.get('OutId') ?? null, callId });
    return { status: 200, json: { RequestId: randomUUID().toUpperCase(), Code: 'OK', Message: 'OK', CallId: callId } };
  };

  const stub = await startHttpStub(handle);
  return {
    ...stub,
    calls,
    failNext(n: number, code = 'isv.BUSINESS_LIMIT_CONTROL') {
      failures = n;
      failCode = code;
    },
  };
}
