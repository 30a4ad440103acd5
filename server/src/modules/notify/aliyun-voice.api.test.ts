/**
 * Voice calls through Aliyun 语音服务 (X2, S8) against a local stub of dyvmsapi that checks the
 * SingleCallByTts signature like Aliyun does: a voice notice → voice.call job → SingleCallByTts;
 * business errors fail the job, which retries with backoff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../test/harness.js';
import { startAliyunVoiceStub, type AliyunVoiceStub } from '../../test/stubs/aliyun-voice-stub.js';
import { jobs, smsMessages } from '../../db/schema/index.js';
import { backoffMs } from '../../platform/queue.js';
import { notifyVisit } from './notify.service.js';
import { AliyunVoiceProvider } from './aliyun-voice.provider.js';

const creds = { accessKeyId: 'LTAI5tVoiceStubKey', accessKeySecret: 'voice-stub-secret-0123' };
const REMINDER_VARS = ['centerName', 'roomName', 'startAt', 'meetingTitle'];
const voiceEnv = (endpoint: string, o: Record<string, string> = {}) => ({
  VOICE_PROVIDER: 'aliyun',
  ALIYUN_VOICE_ENDPOINT: endpoint,
  ALIYUN_ACCESS_KEY_ID: creds.accessKeyId,
  ALIYUN_ACCESS_KEY_SECRET: creds.accessKeySecret,
  ALIYUN_VOICE_TTS_CODE: 'TTS_100000001',
  ALIYUN_VOICE_EVENT_TTS_CODES: 'undertaking_reminder=TTS_200000002',
  ALIYUN_VOICE_SHOW_NUMBER: '057112345678',
  ALIYUN_VOICE_PLAY_TIMES: '2',
  ...o,
});

let stub: AliyunVoiceStub;
let t: TestApp;
beforeAll(async () => {
  stub = await startAliyunVoiceStub({ ...creds, showNumber: '057112345678', ttsTemplates: { TTS_100000001: [], TTS_200000002: REMINDER_VARS } });
  t = await createTestApp({ env: voiceEnv(stub.url) });
});
afterAll(async () => {
  await t.close();
  await stub.close();
});

let seq = 0;
const nextPhone = () => `1370000${String(1000 + seq++).padStart(4, '0')}`;
const vars = { roomName: '第一会议室', startAt: '11月24日 14:00', meetingTitle: '季度工作例会' };
/** What the bookings module does when nobody has undertaken a booking 5 minutes after approval. */
const remind = (app: TestApp, phone: string, bookingId = randomUUID()) =>
  app.ctx.db.transaction((tx) => notifyVisit(app.ctx, tx, { event: 'undertaking_reminder', orderId: bookingId, recipient: { kind: 'staff', id: 'u1', phone }, vars }));
const callsTo = (phone: string) => stub.calls.filter((c) => c.calledNumber === phone);
const rowsTo = async (app: TestApp, phone: string) => app.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
const voiceJob = async (app: TestApp, messageId: string) => (await app.ctx.db.select().from(jobs).where(eq(jobs.type, 'voice.call'))).find((j) => (j.payload as { messageId: string }).messageId === messageId)!;

describe('Aliyun voice provider', () => {
  it('places the reminder call with the event\'s TTS template, its variables, the show number and the message id; the CallId is kept', async () => {
    const phone = nextPhone();
    await remind(t, phone);
    expect(stub.calls).toHaveLength(0); // nothing is called inside the business transaction
    await t.ctx.queue.drain();
    const calls = callsTo(phone);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      calledShowNumber: '057112345678',
      ttsCode: 'TTS_200000002',
      ttsParam: { centerName: '市行政中心', roomName: '第一会议室', startAt: '11月24日 14:00', meetingTitle: '季度工作例会' },
      playTimes: 2,
    });
    const [row] = await rowsTo(t, phone);
    expect(row).toMatchObject({ channel: 'voice', provider: 'aliyun', status: 'sent', providerRef: calls[0]!.callId, error: null, template: 'undertaking_reminder' });
    expect(calls[0]!.outId).toBe(row!.id);
    expect(row!.content).toBe('市行政中心提醒您：第一会议室11月24日 14:00开始的会议季度工作例会尚无人确认承接，请尽快确认。');
  });

  it('a business error (flow control) fails the job, which retries after the backoff and then calls once', async () => {
    const phone = nextPhone();
    const start = new Date('2026-11-24T02:00:00Z');
    t.ctx.clock.set(start);
    try {
      stub.failNext(1, 'isv.BUSINESS_LIMIT_CONTROL');
      await remind(t, phone);
      await t.ctx.queue.drain();
      const [row] = await rowsTo(t, phone);
      expect(row).toMatchObject({ status: 'failed', channel: 'voice' });
      expect(row!.error).toContain('isv.BUSINESS_LIMIT_CONTROL');
      expect(row!.error).not.toContain(phone);
      let job = await voiceJob(t, row!.id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job.runAt.getTime()).toBe(start.getTime() + backoffMs(1));
      expect(callsTo(phone)).toHaveLength(0);

      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1) - 1000));
      expect(await t.ctx.queue.drain()).toBe(0);
      t.ctx.clock.set(new Date(start.getTime() + backoffMs(1)));
      expect(await t.ctx.queue.drain()).toBe(1);
      job = await voiceJob(t, row!.id);
      expect(job).toMatchObject({ status: 'done', attempts: 2, lastError: null });
      expect(callsTo(phone)).toHaveLength(1);
      expect((await rowsTo(t, phone))[0]).toMatchObject({ status: 'sent', error: null, providerRef: callsTo(phone)[0]!.callId });
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a TTS template the account does not have is refused (isv.TTS_TEMPLATE_ILLEGAL) and the job fails', async () => {
    const other = await createTestApp({ env: voiceEnv(stub.url, { ALIYUN_VOICE_EVENT_TTS_CODES: 'undertaking_reminder=TTS_999999999' }) });
    try {
      const phone = nextPhone();
      await remind(other, phone);
      await other.ctx.queue.drain();
      const [row] = await rowsTo(other, phone);
      expect(row).toMatchObject({ status: 'failed' });
      expect(row!.error).toMatch(/HTTP 200 isv\.TTS_TEMPLATE_ILLEGAL/);
      expect(await voiceJob(other, row!.id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(callsTo(phone)).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a wrong AccessKey secret is refused as SignatureDoesNotMatch; nothing is called and the phone does not leak into the error', async () => {
    const bad = await createTestApp({ env: voiceEnv(stub.url, { ALIYUN_ACCESS_KEY_SECRET: 'not-the-secret' }) });
    try {
      const phone = nextPhone();
      await remind(bad, phone);
      await bad.ctx.queue.drain();
      const [row] = await rowsTo(bad, phone);
      expect(row!.status).toBe('failed');
      expect(row!.error).toMatch(/HTTP 400 SignatureDoesNotMatch/);
      expect(row!.error).not.toContain(phone);
      const job = await voiceJob(bad, row!.id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job.lastError).not.toContain(phone);
      expect(callsTo(phone)).toHaveLength(0);
    } finally {
      await bad.close();
    }
  });

  it('an unreachable endpoint fails the job (retried later)', async () => {
    const down = await createTestApp({ env: voiceEnv('http://127.0.0.1:9') });
    try {
      const phone = nextPhone();
      await remind(down, phone);
      await down.ctx.queue.drain();
      const [row] = await rowsTo(down, phone);
      expect(row!.status).toBe('failed');
      expect((await voiceJob(down, row!.id)).status).toBe('failed');
    } finally {
      await down.close();
    }
  });
});

describe('Aliyun voice stub (protocol checks)', () => {
  const provider = () => new AliyunVoiceProvider({ ...t.ctx.config }, fetch);
  const post = (params: Record<string, string>) =>
    fetch(`${stub.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });

  it('answers a bad signature with Aliyun\'s error shape', async () => {
    const params = { ...provider().signedParams({ id: 'x', phone: '13800000000', template: 'undertaking_reminder', params: {} }), Signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
    const res = await post(params);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', HostId: 'dyvmsapi.aliyuncs.com', RequestId: expect.any(String), Message: expect.stringContaining('string to sign') });
  });

  it('refuses a replayed request (same nonce)', async () => {
    const params = provider().signedParams({ id: 'x', phone: '13800000001', template: 'order_expired', params: {} }, 'fixed-voice-nonce');
    expect((await (await post(params)).json()).Code).toBe('OK');
    const again = await post(params);
    expect(again.status).toBe(400);
    expect((await again.json()).Code).toBe('SignatureNonceUsed');
  });

  it('answers business errors with HTTP 200 and a Code: missing template variables, a bad number, a show number not on the account', async () => {
    const p = provider();
    const missing = await post(p.signedParams({ id: 'x', phone: '13800000002', template: 'undertaking_reminder', params: { roomName: 'A' } }));
    expect(missing.status).toBe(200);
    expect((await missing.json()).Code).toBe('isv.TEMPLATE_MISSING_PARAMETERS');
    const number = await post(p.signedParams({ id: 'x', phone: '12345', template: 'order_expired', params: {} }));
    expect((await number.json()).Code).toBe('isv.MOBILE_NUMBER_ILLEGAL');
    const show = new AliyunVoiceProvider({ ...t.ctx.config, ALIYUN_VOICE_SHOW_NUMBER: '01000000000' }, fetch);
    expect((await (await post(show.signedParams({ id: 'x', phone: '13800000003', template: 'order_expired', params: {} }))).json()).Code).toBe('isv.DISPLAY_NUMBER_ILLEGAL');
  });
});
