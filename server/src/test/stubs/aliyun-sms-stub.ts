/**
 * A stand-in for dysmsapi.aliyuncs.com that speaks the real protocol: RPC-style parameters in the
 * query string or a form-encoded body, HMAC-SHA1 signature checked with the shared secret the way
 * Aliyun checks it, Aliyun's JSON error shapes. Accepted messages are recorded.
 *
 * The verification is written independently of the provider (encodeURIComponent + the documented
 * replacements), so a mistake in one does not hide in the other.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';

export interface AliyunSentSms {
  phone: string;
  signName: string;
  templateCode: string;
  templateParam: Record<string, string>;
  bizId: string;
}

export interface AliyunSmsStub extends HttpStub {
  sent: AliyunSentSms[];
  /** the next `n` well-signed SendSms calls answer this business error code */
  failNext(n: number, code?: string): void;
}

// The documented recipe: standard URL encoding, then + → %20, * → %2A, %7E → ~.
// encodeURIComponent already writes space as %20 and keeps ~; it also keeps ! ' ( ) *, which
// RFC 3986 percent-encoding (and Aliyun) does not.
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function aliyunExpectedSignature(method: string, params: Map<string, string>, secret: string): { signature: string; stringToSign: string } {
  const keys = [...params.keys()].filter((k) => k !== 'Signature').sort();
  const canonical = keys.map((k) => `${enc(k)}=${enc(params.get(k)!)}`).join('&');
  const stringToSign = `${method}&${enc('/')}&${enc(canonical)}`;
  return { signature: createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64'), stringToSign };
}

const HOST_ID = 'dysmsapi.aliyuncs.com';

export async function startAliyunSmsStub(opts: { accessKeyId: string; accessKeySecret: string; signName: string; templateCode: string }): Promise<AliyunSmsStub> {
  const sent: AliyunSentSms[] = [];
  const nonces = new Set<string>();
  let failures = 0;
  let failCode = 'isv.BUSINESS_LIMIT_CONTROL';

  const popError = (status: number, code: string, message: string) => {
    const requestId = randomUUID().toUpperCase();
    return { status, json: { RequestId: requestId, HostId: HOST_ID, Code: code, Message: message, Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Dysmsapi` } };
  };

  const handle = (r: StubRequest) => {
    const params = new Map<string, string>();
    for (const [k, v] of r.query) params.set(k, v);
    if (r.method === 'POST' && String(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(r.body)) params.set(k, v);
    }
    for (const p of ['AccessKeyId', 'Action', 'Version', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature']) {
      if (!params.get(p)) return popError(400, `MissingParameter`, `The input parameter "${p}" that is mandatory for processing this request is not supplied.`);
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
    if (params.get('Action') !== 'SendSms') return popError(400, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    if (params.get('Version') !== '2017-05-25') return popError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');

    // Business answers come back as HTTP 200 with a Code, as the real service does.
    const biz = (code: string, message: string) => ({ status: 200, json: { RequestId: randomUUID().toUpperCase(), Code: code, Message: message } });
    const phone = params.get('PhoneNumbers') ?? '';
    if (!/^(\+?86|0086)?1\d{10}$/.test(phone)) return biz('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (params.get('SignName') !== opts.signName) return biz('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    if (params.get('TemplateCode') !== opts.templateCode) return biz('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    let templateParam: Record<string, string>;
    try {
      templateParam = JSON.parse(params.get('TemplateParam') ?? '{}');
    } catch {
      return biz('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    if (failures > 0) {
      failures--;
      return biz(failCode, failCode === 'isv.BUSINESS_LIMIT_CONTROL' ? '触发分钟级流控Permits:1' : '发送失败');
    }
    const bizId = `${Date.now()}${Math.floor(Math.random() * 1e6)}^0`;
    sent.push({ phone, signName: params.get('SignName')!, templateCode: params.get('TemplateCode')!, templateParam, bizId });
    return { status: 200, json: { RequestId: randomUUID().toUpperCase(), Code: 'OK', Message: 'OK', BizId: bizId } };
  };

  const stub = await startHttpStub(handle);
  return {
    ...stub,
    sent,
    failNext(n: number, code = 'isv.BUSINESS_LIMIT_CONTROL') {
      failures = n;
      failCode = code;
    },
  };
}
