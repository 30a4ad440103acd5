/**
 * SMS through Aliyun (X2) against a local stub of dysmsapi that checks signatures like Aliyun does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { startAliyunSmsStub, type AliyunSmsStub } from '../../test/stubs/aliyun-sms-stub.js';
import { jobs, smsMessages } from '../../db/schema/index.js';
import { backoffMs } from '../../platform/queue.js';

const creds = { accessKeyId: 'LTAI5tStubKeyId', accessKeySecret: 'stub-secret-0123456789', signName: '市行政中心', templateCode: 'SMS_465000001' };
const aliyunEnv = (endpoint: string, secret = creds.accessKeySecret) => ({
  SMS_PROVIDER: 'aliyun',
  ALIYUN_SMS_ENDPOINT: endpoint,
  ALIYUN_ACCESS_KEY_ID: creds.accessKeyId,
  ALIYUN_ACCESS_KEY_SECRET: secret,
  ALIYUN_SMS_SIGN_NAME: creds.signName,
  ALIYUN_SMS_TEMPLATE_CODE: creds.templateCode,
});

let stub: AliyunSmsStub;
let t: TestApp;
beforeAll(async () => {
  stub = await startAliyunSmsStub(creds);
  t = await createTestApp({ env: aliyunEnv(stub.url) });
});
afterAll(async () => {
  await t.close();
  await stub.close();
});

const requestCode = (phone: string, ip = '10.1.0.1') => new Client(t, ip).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
const jobFor = async (messageId: string) => (await t.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:${messageId}`)))[0]!;
const messageFor = async (phone: string) => (await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone)))[0]!;

describe('Aliyun SMS provider', () => {
  it('delivers a login code to Aliyun with the template parameter, and the code then signs in', async () => {
    const phone = '13822220001';
    expect((await requestCode(phone)).statusCode).toBe(200);
    expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0); // nothing is sent inside the request
    // not even while it waits to be sent is the code kept in clear (it travels encrypted in the job)
    const queued = await messageFor(phone);
    expect(queued.status).toBe('queued');
    expect(queued.content).not.toMatch(/\d{6}/);
    await t.ctx.queue.drain();
    const sent = stub.sent.filter((s) => s.phone === phone);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ signName: creds.signName, templateCode: creds.templateCode, templateParam: { code: expect.stringMatching(/^\d{6}$/) } });
    const code = sent[0]!.templateParam.code!;

    const msg = await messageFor(phone);
    expect(msg).toMatchObject({ provider: 'aliyun', status: 'sent', providerRef: sent[0]!.bizId });
    // outside the development outbox the code is not kept in clear once delivered
    expect(msg.content).not.toContain(code);
    expect(msg.content).toContain('******');

    const login = await new Client(t).post('/api/auth/visitor/login', { phone, code });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ registered: false });
  });

  it('a business error from Aliyun fails the job, which retries after the backoff and then delivers', async () => {
    const phone = '13822220002';
    const start = new Date('2026-11-24T02:00:00Z');
    t.ctx.clock.set(start);
    try {
      stub.failNext(1);
      expect((await requestCode(phone, '10.1.0.2')).statusCode).toBe(200);
      await t.ctx.queue.drain();
      const msg = await messageFor(phone);
      expect(msg.status).toBe('failed');
      expect(msg.error).toContain('isv.BUSINESS_LIMIT_CONTROL');
      let job = await jobFor(msg.id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job.runAt.getTime()).toBe(start.getTime() + backoffMs(1));
      expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0);

      // not before the backoff has passed
      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1) - 1000));
      expect(await t.ctx.queue.drain()).toBe(0);

      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1)));
      expect(await t.ctx.queue.drain()).toBe(1);
      job = await jobFor(msg.id);
      expect(job).toMatchObject({ status: 'done', attempts: 2, lastError: null });
      const sent = stub.sent.filter((s) => s.phone === phone);
      expect(sent).toHaveLength(1);
      const after = await messageFor(phone);
      expect(after).toMatchObject({ status: 'sent', error: null, providerRef: sent[0]!.bizId });
      expect(after.content).not.toContain(sent[0]!.templateParam.code!);
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a wrong AccessKey secret is refused by the stub as SignatureDoesNotMatch; nothing is delivered and no code leaks into the error', async () => {
    const bad = await createTestApp({ env: aliyunEnv(stub.url, 'not-the-secret') });
    try {
      const phone = '13822220003';
      expect((await new Client(bad).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).statusCode).toBe(200);
      await bad.ctx.queue.drain();
      expect(stub.sent.filter((s) => s.phone === phone)).toHaveLength(0);
      const [msg] = await bad.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
      expect(msg!.status).toBe('failed');
      expect(msg!.error).toMatch(/HTTP 400 SignatureDoesNotMatch/);
      expect(msg!.error).not.toContain(phone);
      const [job] = await bad.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:${msg!.id}`));
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      // the code went out in the refused request; it must not come back into our tables
      const refused = new URLSearchParams(stub.requests.at(-1)!.body);
      expect(refused.get('PhoneNumbers')).toBe(phone);
      const code = JSON.parse(refused.get('TemplateParam')!).code as string;
      expect(code).toMatch(/^\d{6}$/);
      expect(job!.lastError).not.toContain(code);
      expect(msg!.error).not.toContain(code);
      // a failed send keeps the code masked too
      expect(msg!.content).not.toContain(code);
      expect(msg!.content).toContain('验证码为******');
    } finally {
      await bad.close();
    }
  });

  it('an unreachable endpoint fails the job (retried later) instead of failing the request', async () => {
    const down = await createTestApp({ env: aliyunEnv('http://127.0.0.1:9') });
    try {
      const phone = '13822220004';
      expect((await new Client(down).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).statusCode).toBe(200);
      await down.ctx.queue.drain();
      const [msg] = await down.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
      expect(msg!.status).toBe('failed');
      const [job] = await down.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:${msg!.id}`));
      expect(job!.status).toBe('failed');
    } finally {
      await down.close();
    }
  });
});

describe('Aliyun SMS stub (protocol checks)', () => {
  it('answers a bad signature with Aliyun\'s error shape', async () => {
    const res = await fetch(`${stub.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        AccessKeyId: creds.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        RegionId: 'cn-hangzhou',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: 'n-1',
        SignatureVersion: '1.0',
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
        PhoneNumbers: '13800000000',
        SignName: creds.signName,
        TemplateCode: creds.templateCode,
        TemplateParam: '{"code":"123456"}',
        Signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', HostId: 'dysmsapi.aliyuncs.com', RequestId: expect.any(String), Message: expect.stringContaining('string to sign') });
  });

  it('refuses a replayed request (same nonce)', async () => {
    const { AliyunSmsProvider } = await import('./aliyun-sms.provider.js');
    const p = new AliyunSmsProvider({ ...t.ctx.config }, fetch);
    const params = p.signedParams({ phone: '13800000001', params: { code: '000001' } }, 'fixed-nonce');
    const post = () => fetch(`${stub.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
    expect((await (await post()).json()).Code).toBe('OK');
    const again = await post();
    expect(again.status).toBe(400);
    expect((await again.json()).Code).toBe('SignatureNonceUsed');
  });
});
