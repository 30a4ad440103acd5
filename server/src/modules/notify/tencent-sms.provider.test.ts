import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { e164, sha256Hex, tc3Date, tc3Sign, TencentSmsProvider } from './tencent-sms.provider.js';
import { tencentExpectedSignature } from '../../test/stubs/tencent-sms-stub.js';
import { eventTemplateMap, providerTemplateParams } from './sms-params.js';

describe('TC3-HMAC-SHA256 (Tencent Cloud API signature v3)', () => {
  // The worked example of Tencent's signature documentation (CVM DescribeInstances, 2019-02-25).
  const example = {
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    service: 'cvm',
    timestamp: 1551113065,
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
    payload: String.raw`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`,
  };

  it('reproduces the documented payload hash, canonical request and string to sign', () => {
    expect(sha256Hex(example.payload)).toBe('35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    const s = tc3Sign(example);
    expect(s.canonicalRequest).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    expect(s.stringToSign).toBe('TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
  });

  it('reproduces the documented signature and Authorization header', () => {
    const s = tc3Sign(example);
    expect(s.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(s.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
    expect(tc3Sign({ ...example, secretKey: 'other' }).signature).not.toBe(s.signature);
    expect(tc3Sign({ ...example, timestamp: example.timestamp + 1 }).signature).not.toBe(s.signature);
    expect(tc3Sign({ ...example, payload: example.payload + ' ' }).signature).not.toBe(s.signature);
  });

  it('lower-cases and sorts header names, lower-cases and trims values', () => {
    const s = tc3Sign({ ...example, headers: { 'X-TC-Action': ' DescribeInstances ', Host: 'cvm.tencentcloudapi.com', 'Content-Type': 'application/json; charset=utf-8' } });
    expect(s.signedHeaders).toBe('content-type;host;x-tc-action');
    expect(s.canonicalRequest).toContain('\nhost:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n');
  });

  it("agrees with the stub's independent verification on a Chinese payload", () => {
    const payload = JSON.stringify({ SignName: '市行政中心', TemplateParamSet: ['陈小春', "O'Neil (访客) *~!"] });
    const headers = { 'content-type': 'application/json; charset=utf-8', host: '127.0.0.1:8080', 'x-tc-action': 'sendsms' };
    const mine = tc3Sign({ secretId: 'id', secretKey: 's3cr3t', service: 'sms', timestamp: 1764000000, method: 'POST', headers, payload });
    const theirs = tencentExpectedSignature({ method: 'POST', path: '/', rawQuery: '', headers, body: payload }, ['content-type', 'host', 'x-tc-action'], 's3cr3t', '1764000000', 'sms');
    expect(mine.signature).toBe(theirs.signature);
  });

  it('takes the credential date from the timestamp in UTC', () => {
    expect(tc3Date(1551113065)).toBe('2019-02-25');
    // 2026-11-24 07:59:59 in Shanghai is still 2026-11-23 in UTC
    expect(tc3Date(Date.parse('2026-11-23T23:59:59Z') / 1000)).toBe('2026-11-23');
  });
});

describe('Tencent SendSms request', () => {
  const config = loadConfig({}, {
    SMS_PROVIDER: 'tencent',
    TENCENT_SECRET_ID: 'AKIDstub',
    TENCENT_SECRET_KEY: 'secret',
    TENCENT_SMS_SDK_APP_ID: '1400000001',
    TENCENT_SMS_SIGN_NAME: '市行政中心',
    TENCENT_SMS_TEMPLATE_ID: '100001',
    TENCENT_SMS_EVENT_TEMPLATES: 'order_approved=100002, invitation_sent:100003',
    TENCENT_SMS_ENDPOINT: 'http://127.0.0.1:9999',
  } as never);
  const p = new TencentSmsProvider(config, fetch, () => new Date('2026-11-24T06:00:00Z'));

  it('builds the JSON body, the X-TC headers and an Authorization over content-type, host and x-tc-action', () => {
    const { url, headers, body } = p.signedRequest({ phone: '13800000000', template: 'login_code', content: 'x', params: { code: '123456' } });
    expect(url).toBe('http://127.0.0.1:9999/');
    expect(JSON.parse(body)).toEqual({ PhoneNumberSet: ['+8613800000000'], SmsSdkAppId: '1400000001', SignName: '市行政中心', TemplateId: '100001', TemplateParamSet: ['123456'] });
    expect(headers).toMatchObject({ 'X-TC-Action': 'SendSms', 'X-TC-Version': '2021-01-11', 'X-TC-Timestamp': String(Date.parse('2026-11-24T06:00:00Z') / 1000), 'X-TC-Region': 'ap-guangzhou' });
    expect(headers.Authorization).toMatch(/^TC3-HMAC-SHA256 Credential=AKIDstub\/2026-11-24\/sms\/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=[0-9a-f]{64}$/);
  });

  it('uses the event template mapped in TENCENT_SMS_EVENT_TEMPLATES, and refuses an unmapped event', () => {
    expect(p.templateId('order_approved')).toBe('100002');
    expect(p.templateId('invitation_sent')).toBe('100003');
    expect(() => p.templateId('order_rejected')).toThrow(/no template ID configured for "order_rejected"/);
  });

  it('writes numbers in E.164 and parameters in order', () => {
    expect(e164('13800000000')).toBe('+8613800000000');
    expect(e164('+8613800000000')).toBe('+8613800000000');
    expect(providerTemplateParams({ params: { b: '2', a: '1', link: 'http://x' } })).toEqual(['2', '1', 'http://x']);
    expect(eventTemplateMap(' a=1 ,b:2,,bad, c = 3')).toEqual({ a: '1', b: '2', c: '3' });
  });
});
