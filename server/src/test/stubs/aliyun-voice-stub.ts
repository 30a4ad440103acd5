/**
 * A stand-in for dyvmsapi.aliyuncs.com (Aliyun 语音服务) that speaks the real protocol for
 * `SingleCallByTts`: RPC-style parameters in the query string or a form-encoded body, the HMAC-SHA1
 * signature checked with the shared secret the way Aliyun checks it (the independent verification
 * of aliyun-sms-stub.ts), Aliyun's JSON error shapes, business errors as HTTP 200 with a Code.
 * Accepted calls are recorded.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';
import { aliyunExpectedSignature } from './aliyun-sms-stub.js';

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
  const nonces = new Set<string>();
  let failures = 0;
  let failCode = 'isv.BUSINESS_LIMIT_CONTROL';

  const popError = (status: number, code: string, message: string) => ({
    status,
    json: { RequestId: randomUUID().toUpperCase(), HostId: HOST_ID, Code: code, Message: message, Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Dyvmsapi` },
  });
  const biz = (code: string, message: string) => ({ status: 200, json: { RequestId: randomUUID().toUpperCase(), Code: code, Message: message } });

  const handle = (r: StubRequest) => {
    const params = new Map<string, string>();
    for (const [k, v] of r.query) params.set(k, v);
    if (r.method === 'POST' && String(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(r.body)) params.set(k, v);
    }
    for (const p of ['AccessKeyId', 'Action', 'Version', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature']) {
      if (!params.get(p)) return popError(400, 'MissingParameter', `The input parameter "${p}" that is mandatory for processing this request is not supplied.`);
    }
    if (params.get('AccessKeyId') !== opts.accessKeyId) return popError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (params.get('SignatureMethod') !== 'HMAC-SHA1') return popError(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.');
    if (params.get('SignatureVersion') !== '1.0') return popError(400, 'UnsupportedSignatureVersion', 'Specified signature version is not supported.');
    const ts = params.get('Timestamp')!;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(ts)) return popError(400, 'InvalidTimeStamp.Format', 'Specified time stamp does not conform to the ISO8601 standard.');
    if (Math.abs(Date.parse(ts) - Date.now()) > 15 * 60_000) return popError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date header is expired.');
    const { signature, stringToSign } = aliyunExpectedSignature(r.method, params, opts.accessKeySecret);
    const given = Buffer.from(params.get('Signature')!);
    const want = Buffer.from(signature);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      return popError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. server string to sign is:${stringToSign}`);
    }
    const nonce = params.get('SignatureNonce')!;
    if (nonces.has(nonce)) return popError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(nonce);
    if (params.get('Action') !== 'SingleCallByTts') return popError(400, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    if (params.get('Version') !== '2017-05-25') return popError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    for (const p of ['CalledNumber', 'TtsCode']) {
      if (!params.get(p)) return popError(400, 'MissingParameter', `The input parameter "${p}" that is mandatory for processing this request is not supplied.`);
    }

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
