/**
 * SMS through Tencent Cloud (X2) against a local stub of sms.tencentcloudapi.com that checks
 * TC3-HMAC-SHA256 signatures like Tencent does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { startTencentSmsStub, type TencentSmsStub } from '../../test/stubs/tencent-sms-stub.js';
import { jobs, smsMessages } from '../../db/schema/index.js';
import { backoffMs } from '../../platform/queue.js';
import { notifyVisit } from './notify.service.js';
import { insertOrder } from './test-orders.js';

const creds = { secretId: 'AKIDStubSecretId0001', secretKey: 'stub-secret-key-0123456789', sdkAppId: '1400787878', signName: '市行政中心' };
// 100001: login code {1}; 100002: order_approved {1}…{4} (three variables + the code link)
const templates = { '100001': 1, '100002': 4 };
const tencentEnv = (endpoint: string, secret = creds.secretKey) => ({
  SMS_PROVIDER: 'tencent',
  TENCENT_SMS_ENDPOINT: endpoint,
  TENCENT_SECRET_ID: creds.secretId,
  TENCENT_SECRET_KEY: secret,
  TENCENT_SMS_SDK_APP_ID: creds.sdkAppId,
  TENCENT_SMS_SIGN_NAME: creds.signName,
  TENCENT_SMS_TEMPLATE_ID: '100001',
  TENCENT_SMS_EVENT_TEMPLATES: 'order_approved=100002',
  PUBLIC_URL: 'https://visit.example.gov.cn',
});

let stub: TencentSmsStub;
let t: TestApp;
beforeAll(async () => {
  stub = await startTencentSmsStub({ ...creds, templates });
  t = await createTestApp({ env: tencentEnv(stub.url) });
});
afterAll(async () => {
  await t.close();
  await stub.close();
});

const requestCode = (phone: string, ip = '10.2.0.1') => new Client(t, ip).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
const jobFor = async (messageId: string) => (await t.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:${messageId}`)))[0]!;
const messageFor = async (app: TestApp, phone: string) => (await app.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone)))[0]!;

describe('Tencent Cloud SMS provider', () => {
  it('delivers a login code with the template parameter, and the code then signs in', async () => {
    const phone = '13833330001';
    expect((await requestCode(phone)).statusCode).toBe(200);
    expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0); // nothing is sent inside the request
    await t.ctx.queue.drain();
    const sent = stub.sent.filter((s) => s.phone === phone);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ signName: creds.signName, templateId: '100001', params: [expect.stringMatching(/^\d{6}$/)] });
    const code = sent[0]!.params[0]!;

    const msg = await messageFor(t, phone);
    expect(msg).toMatchObject({ provider: 'tencent', status: 'sent', providerRef: sent[0]!.serialNo });
    expect(msg.content).not.toContain(code);

    const login = await new Client(t).post('/api/auth/visitor/login', { phone, code });
    expect(login.statusCode).toBe(200);
  });

  it('delivers an approval notice with the event template, its variables in order and the appointment-code link', async () => {
    const phone = '13833330005';
    const orderId = await insertOrder(t, { visitorPhone: phone, status: 'confirmed' });
    await t.ctx.db.transaction((tx) =>
      notifyVisit(t.ctx, tx, {
        event: 'order_approved',
        orderId,
        recipient: { kind: 'visitor', phone },
        vars: { visitorName: '陈小春', hostName: '姜柠檬', unitName: '市政务服务管理局', startAt: '11月24日 14:00', endAt: '11月24日 16:00', timeRange: '11月24日 14:00至16:00' },
      }),
    );
    await t.ctx.queue.drain();
    const sent = stub.sent.filter((s) => s.phone === phone);
    expect(sent).toHaveLength(1);
    // default template: 【{centerName}】您预约的来访（{timeRange}，{unitName}，受访人：{hostName}）已审核通过… (the host masked for a visitor)
    expect(sent[0]).toMatchObject({ templateId: '100002', params: ['11月24日 14:00至16:00', '市政务服务管理局', '姜*檬', `https://visit.example.gov.cn/v/orders/${orderId}/code`] });
  });

  it('an event without a mapped template fails its job (visible in admin) instead of sending the wrong template', async () => {
    const phone = '13833330006';
    const orderId = await insertOrder(t, { visitorPhone: phone, status: 'cancelled', cancelReason: 'rejected' });
    await t.ctx.db.transaction((tx) => notifyVisit(t.ctx, tx, { event: 'order_rejected', orderId, recipient: { kind: 'visitor', phone }, vars: { startAt: '11月24日 14:00', unitName: '单位' } }));
    await t.ctx.queue.drain();
    expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0);
    const msg = await messageFor(t, phone);
    expect(msg.status).toBe('failed');
    expect(msg.error).toMatch(/no template ID configured for "order_rejected"/);
  });

  it('a per-number failure from Tencent fails the job, which retries after the backoff and then delivers', async () => {
    const phone = '13833330002';
    const start = new Date('2026-11-24T02:00:00Z');
    t.ctx.clock.set(start);
    try {
      stub.failNext(1);
      expect((await requestCode(phone, '10.2.0.2')).statusCode).toBe(200);
      await t.ctx.queue.drain();
      const msg = await messageFor(t, phone);
      expect(msg.status).toBe('failed');
      expect(msg.error).toContain('LimitExceeded.PhoneNumberOneHourLimit');
      let job = await jobFor(msg.id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job.runAt.getTime()).toBe(start.getTime() + backoffMs(1));

      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1) - 1000));
      expect(await t.ctx.queue.drain()).toBe(0);
      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1)));
      expect(await t.ctx.queue.drain()).toBe(1);
      job = await jobFor(msg.id);
      expect(job).toMatchObject({ status: 'done', attempts: 2, lastError: null });
      const sent = stub.sent.filter((s) => s.phone === phone);
      expect(sent).toHaveLength(1);
      expect(await messageFor(t, phone)).toMatchObject({ status: 'sent', error: null, providerRef: sent[0]!.serialNo });
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a wrong SecretKey is refused as AuthFailure.SignatureFailure; nothing is delivered and no code leaks into the error', async () => {
    const bad = await createTestApp({ env: tencentEnv(stub.url, 'not-the-secret') });
    try {
      const phone = '13833330003';
      expect((await new Client(bad).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).statusCode).toBe(200);
      await bad.ctx.queue.drain();
      expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0);
      const msg = await messageFor(bad, phone);
      expect(msg.status).toBe('failed');
      expect(msg.error).toMatch(/AuthFailure\.SignatureFailure/);
      expect(msg.error).not.toContain(phone);
      const code = JSON.parse(stub.requests.at(-1)!.body).TemplateParamSet[0] as string;
      expect(code).toMatch(/^\d{6}$/);
      const [job] = await bad.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:${msg.id}`));
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job!.lastError).not.toContain(code);
    } finally {
      await bad.close();
    }
  });

  it('an unreachable endpoint fails the job (retried later) instead of failing the request', async () => {
    const down = await createTestApp({ env: tencentEnv('http://127.0.0.1:9') });
    try {
      const phone = '13833330004';
      expect((await new Client(down).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).statusCode).toBe(200);
      await down.ctx.queue.drain();
      expect((await messageFor(down, phone)).status).toBe('failed');
    } finally {
      await down.close();
    }
  });

  it('refuses to start without its credentials', async () => {
    await expect(createTestApp({ env: { SMS_PROVIDER: 'tencent', TENCENT_SECRET_ID: 'x' } })).rejects.toThrow(/TENCENT_SECRET_KEY: required when SMS_PROVIDER=tencent/);
  });
});

describe('Tencent SMS stub (protocol checks)', () => {
  const post = (headers: Record<string, string>, body: string) => fetch(`${stub.url}/`, { method: 'POST', headers, body });
  const signedBy = async (secret: string, timestamp?: number) => {
    const { TencentSmsProvider } = await import('./tencent-sms.provider.js');
    const p = new TencentSmsProvider({ ...t.ctx.config, TENCENT_SECRET_KEY: secret }, fetch);
    return p.signedRequest({ phone: '13800000001', template: 'login_code', content: '', params: { code: '000001' } }, timestamp);
  };

  it("answers a bad signature with Tencent's error shape (HTTP 200, Response.Error)", async () => {
    const { headers, body } = await signedBy('wrong');
    const res = await post(headers, body);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ Response: { Error: { Code: 'AuthFailure.SignatureFailure' }, RequestId: expect.any(String) } });
  });

  it('refuses a request whose body was changed after signing', async () => {
    const { headers, body } = await signedBy(creds.secretKey);
    const res = await post(headers, body.replace('13800000001', '13800000002'));
    expect((await res.json()).Response.Error.Code).toBe('AuthFailure.SignatureFailure');
  });

  it('refuses a timestamp more than 5 minutes off', async () => {
    const { headers, body } = await signedBy(creds.secretKey, Math.floor(Date.now() / 1000) - 301);
    expect((await (await post(headers, body)).json()).Response.Error.Code).toBe('AuthFailure.SignatureExpire');
  });

  it('accepts a well-signed request', async () => {
    const { headers, body } = await signedBy(creds.secretKey);
    const json = await (await post(headers, body)).json();
    expect(json.Response.SendStatusSet).toEqual([expect.objectContaining({ Code: 'Ok', PhoneNumber: '+8613800000001', SerialNo: expect.any(String) })]);
  });
});
