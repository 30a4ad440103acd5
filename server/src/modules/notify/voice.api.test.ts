/**
 * Voice calls (X2, S8): the 会议承接提醒 is a phone call. A booking nobody undertakes within 5 minutes
 * of approval → each undertaker's reminder goes through notify.visit → voice.call → the development
 * outbox (channel voice), shown in the admin 短信发件箱; the admin can switch the template to SMS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit } from '../../test/factories.js';
import { jobs, meetingRooms, smsMessages } from '../../db/schema/index.js';
import { DEFAULT_TEMPLATES } from '../../../../contracts/notify.js';
import { addDays, atMinute } from '../meetings/bookings.rules.js';
import { OutboxVoiceProvider, type VoiceCall } from './voice.provider.js';

const placed: VoiceCall[] = [];
let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp({ voice: new OutboxVoiceProvider((c) => placed.push(c)) });
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

const TZ = 'Asia/Shanghai';
let dayN = 2;
const at = (day: string, hhmm: string) => atMinute(day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)), TZ).toISOString();

/** A room (no review) with two undertakers; a booking is made and approved at once; nobody undertakes it. */
async function unconfirmedBooking(title: string) {
  const unit = await newUnit(t);
  const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const coBooker = await newStaff(t, { unitId: unit.id, name: '余若蕾' });
  const undertakers = [await newStaff(t, { name: '承接甲' }), await newStaff(t, { name: '承接乙' })];
  const [room] = await t.ctx.db
    .insert(meetingRooms)
    .values({ name: '第一会议室', location: '1号楼3楼', capacity: 20, seatingStyles: ['课桌式'], services: ['茶水'], reviewRequired: false, undertakerIds: undertakers.map((u) => u.id) })
    .returning();
  const day = addDays(t.ctx.clock.today(), dayN++);
  const me = await signInStaff(t, applicant.phone);
  const res = await me.post('/api/bookings', {
    roomId: room!.id,
    title,
    coBookerIds: [coBooker.id],
    settlementUnitId: unit.id,
    seating: '课桌式',
    headcount: 8,
    services: [],
    startAt: at(day, '10:00'),
    endAt: at(day, '11:00'),
  });
  expect(res.statusCode, res.body).toBe(201);
  expect(res.json().status).toBe('approved');
  return { booking: res.json() as { id: string }, undertakers };
}

/** Let the 5 minutes pass and run every job that is due. */
async function afterFiveMinutes() {
  const start = t.ctx.clock.now().getTime();
  t.ctx.clock.set(new Date(start + 5 * 60_000 + 5_000));
  try {
    await t.ctx.queue.drain();
  } finally {
    t.ctx.clock.set(null);
  }
}

const reminders = (phone: string) => t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, 'undertaking_reminder')));
const putTemplate = (channel: 'sms' | 'voice' | 'none') =>
  admin.put('/api/admin/notification-templates/undertaking_reminder', { ...DEFAULT_TEMPLATES.undertaking_reminder, channel });

describe('undertaking_reminder with the default voice template', () => {
  it('each undertaker gets one phone call (outbox, channel voice) reading the reminder, and no SMS', async () => {
    expect(DEFAULT_TEMPLATES.undertaking_reminder.channel).toBe('voice');
    const { booking, undertakers } = await unconfirmedBooking('季度工作例会');
    await afterFiveMinutes();
    for (const u of undertakers) {
      const rows = await reminders(u.phone);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ channel: 'voice', provider: 'outbox', status: 'sent', providerRef: `outbox-call-${rows[0]!.id}`, error: null });
      expect(rows[0]!.content).toMatch(/^市行政中心提醒您：第一会议室.+的会议季度工作例会尚无人确认承接，请尽快确认。$/);
      // the call reached the voice provider with the template's variables, not the SMS provider
      const calls = placed.filter((c) => c.phone === u.phone);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ id: rows[0]!.id, template: 'undertaking_reminder', content: rows[0]!.content });
      expect(calls[0]!.params).toMatchObject({ centerName: '市行政中心', roomName: '第一会议室', meetingTitle: '季度工作例会', startAt: expect.any(String) });
      expect(Object.keys(calls[0]!.params)).toEqual(['centerName', 'roomName', 'startAt', 'meetingTitle']);
      // the job is the voice call, keyed by the notice (one call per notice key)
      const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `voice:notify:undertaking_reminder:${booking.id}:${u.phone}`));
      expect(job).toMatchObject({ type: 'voice.call', status: 'done', attempts: 1 });
      const [smsJob] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:notify:undertaking_reminder:${booking.id}:${u.phone}`));
      expect(smsJob).toBeUndefined();
    }
  });

  it('the admin 短信发件箱 lists the call with 渠道 voice and filters by channel', async () => {
    const { undertakers } = await unconfirmedBooking('安全生产会');
    await afterFiveMinutes();
    const phone = undertakers[0]!.phone;
    const all = (await admin.get(`/api/admin/sms-outbox?phone=${phone}`)).json();
    // newest first: the reminder call, then the undertaking request SMS sent at approval
    expect(all.items).toEqual([
      expect.objectContaining({ channel: 'voice', template: 'undertaking_reminder', status: 'sent', content: expect.stringContaining('安全生产会') }),
      expect.objectContaining({ channel: 'sms', template: 'undertaking_request', status: 'sent' }),
    ]);
    const voice = (await admin.get(`/api/admin/sms-outbox?phone=${phone}&channel=voice`)).json();
    expect(voice.items.map((m: { template: string }) => m.template)).toEqual(['undertaking_reminder']);
    const sms = (await admin.get(`/api/admin/sms-outbox?phone=${phone}&channel=sms`)).json();
    expect(sms.items.map((m: { template: string }) => m.template)).toEqual(['undertaking_request']);
    const voiceOnly = (await admin.get('/api/admin/sms-outbox?channel=voice&pageSize=100')).json();
    expect(voiceOnly.items.length).toBeGreaterThan(0);
    expect(voiceOnly.items.every((m: { channel: string }) => m.channel === 'voice')).toBe(true);
    const smsOnly = (await admin.get('/api/admin/sms-outbox?channel=sms&pageSize=100')).json();
    expect(smsOnly.items.some((m: { template: string }) => m.template === 'undertaking_request')).toBe(true);
    expect(smsOnly.items.every((m: { channel: string }) => m.channel === 'sms')).toBe(true);
    const bad = await admin.get('/api/admin/sms-outbox?channel=fax');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a re-run of the notice or of the call job places no second call', async () => {
    const { booking, undertakers } = await unconfirmedBooking('预算评审会');
    await afterFiveMinutes();
    const phone = undertakers[0]!.phone;
    const noticeKey = `notify:undertaking_reminder:${booking.id}:${phone}`;
    // as if a worker died after its work committed: both jobs run again
    for (const key of [noticeKey, `voice:${noticeKey}`]) {
      await t.ctx.db.update(jobs).set({ status: 'queued', runAt: t.ctx.clock.now() }).where(eq(jobs.key, key));
    }
    expect(await t.ctx.queue.drain()).toBe(2);
    expect(await reminders(phone)).toHaveLength(1);
    expect(placed.filter((c) => c.phone === phone)).toHaveLength(1);
  });
});

describe('the admin switches the template channel (通知模板)', () => {
  it('sms → the reminder is an SMS and no call is placed; none → nothing; back to voice → a call', async () => {
    try {
      expect((await putTemplate('sms')).statusCode).toBe(200);
      const bySms = await unconfirmedBooking('党建学习会');
      await afterFiveMinutes();
      for (const u of bySms.undertakers) {
        const rows = await reminders(u.phone);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ channel: 'sms', provider: 'outbox', status: 'sent' });
        expect(rows[0]!.content).toContain('党建学习会');
        expect(placed.filter((c) => c.phone === u.phone)).toHaveLength(0);
      }

      expect((await putTemplate('none')).statusCode).toBe(200);
      const silent = await unconfirmedBooking('临时碰头会');
      await afterFiveMinutes();
      for (const u of silent.undertakers) {
        expect(await reminders(u.phone)).toHaveLength(0);
        expect(placed.filter((c) => c.phone === u.phone)).toHaveLength(0);
      }

      expect((await putTemplate('voice')).statusCode).toBe(200);
      const byVoice = await unconfirmedBooking('年终总结会');
      await afterFiveMinutes();
      for (const u of byVoice.undertakers) {
        expect((await reminders(u.phone)).map((r) => r.channel)).toEqual(['voice']);
        expect(placed.filter((c) => c.phone === u.phone)).toHaveLength(1);
      }
    } finally {
      await putTemplate('voice');
    }
  });
});
