/**
 * A stand-in for dysmsapi.aliyuncs.com that speaks the real protocol: RPC-style parameters in the
 * query string or a form-encoded body, HMAC-SHA1 signature checked with the shared secret the way
 * Aliyun checks it, Aliyun's JSON error shapes. Accepted messages are recorded.
 *
 * The verification is written independently of the provider (encodeURIComponent + the documented
 * replacements), so a mistake in one does not hide in the other.
 */
import { randomUUID } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';
import { aliyunRpcGate } from './aliyun-rpc-stub.js';

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

export { aliyunExpectedSignature } from './aliyun-rpc-stub.js';

const HOST_ID = 'dysmsapi.aliyuncs.com';

export async function startAliyunSmsStub(opts: { accessKeyId: string; accessKeySecret: string; signName: string; templateCode: string }): Promise<AliyunSmsStub> {
  const sent: AliyunSentSms[] = [];
  let failures = 0;
  let failCode = 'isv.BUSINESS_LIMIT_CONTROL';

  const gate = aliyunRpcGate({ accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret, hostId: HOST_ID, product: 'Dysmsapi', action: 'SendSms', version: '2017-05-25' });
  const { biz } = gate;

  const handle = (r: StubRequest) => {
    const checked = gate.check(r);
    if ('error' in checked) return checked.error;
    const { params } = checked;

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
