/**
 * What the SMS of a real visit says (issue 9): the window said once by the shared formatter, the
 * corrected wording, and the host masked for the visitor (as the visitor's pages show him) while
 * staff read full names. Also: stored templates an administrator never edited get the new wording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { meetingBookings, meetingRooms, notificationTemplates, smsMessages } from '../../db/schema/index.js';
import { DEFAULT_TEMPLATES } from '../../../../contracts/notify.js';
import { FORMER_DEFAULTS } from './former-defaults.js';
import { ensureDefaultTemplates } from './notify.service.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Tomorrow 10:30–11:30 center time (UTC+8). */
function tomorrow(h = 10, m = 30, lengthMin = 60) {
  const day = new Date(Date.now() + 24 * 3600_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
  const start = new Date(`${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+08:00`);
  const [, mo, d] = day.split('-').map(Number);
  return { startAt: start.toISOString(), endAt: new Date(start.getTime() + lengthMin * 60_000).toISOString(), date: `${mo}月${d}日` };
}
const smsTo = async (phone: string, template: string) => {
  await t.ctx.queue.drain();
  const rows = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
  return rows.filter((r) => r.template === template).map((r) => r.content);
};

async function scene() {
  const unit = await newUnit(t);
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  return { unit, host, hostClient: await signInStaff(t, host.phone) };
}

describe('visit SMS wording and privacy', () => {
  it('审核通过: the visitor reads the window once, 您预约的, and the host masked; the host is told the visitor\'s full name', async () => {
    const s = await scene();
    const me = await newVisitor(t, { name: '陈小春' });
    const w = tomorrow();
    const o = (await (await signInVisitor(t, me.phone)).post('/api/visits/appointments', { hostPhone: s.host.phone, reason: '商务洽谈', startAt: w.startAt, endAt: w.endAt, companionPhones: [], idempotencyKey: randomUUID() })).json();
    const [toHost] = await smsTo(s.host.phone, 'order_submitted');
    expect(toHost).toBe(`【市行政中心】陈小春预约于${w.date} 10:30至11:30来访，事由：商务洽谈，请及时审核。`);
    expect((await s.hostClient.post(`/api/visits/${o.id}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
    const [approved] = await smsTo(me.phone, 'order_approved');
    expect(approved).toMatch(new RegExp(`^【市行政中心】您预约的来访（${w.date} 10:30至11:30，${s.unit.name}，受访人：姜\\*檬）已审核通过，请按时来访。 http://localhost:\\d+/v/orders/${o.id}/code$`));
    expect(approved).not.toContain('姜柠檬');
  });

  it('访客邀约 and 会议邀约: the inviting staff member is masked in the visitor\'s SMS; a window across midnight names both days', async () => {
    const s = await scene();
    const phone = randomPhone();
    const w = tomorrow(22, 0, 240);
    const next = new Date(new Date(w.endAt).getTime()).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }).split('-').map(Number);
    const res = await s.hostClient.post('/api/visits/invitations', { visitorPhone: phone, reason: '夜间检修', startAt: w.startAt, endAt: w.endAt, reviewRequired: false, companionLimit: 0, companionPhones: [] });
    expect(res.statusCode).toBe(201);
    const [inv] = await smsTo(phone, 'invitation_sent');
    expect(inv).toContain(`【市行政中心】姜*檬邀请您于${w.date} 22:00至${next[1]}月${next[2]}日 02:00到访${s.unit.name}，事由：夜间检修。请点击链接登记：http`);
    expect(inv).not.toContain('姜柠檬');

    const [room] = await t.ctx.db.insert(meetingRooms).values({ name: `第${Math.floor(Math.random() * 1e6)}会议室`, capacity: 20, seatingStyles: ['课桌式'], services: ['茶水'] }).returning();
    const m = tomorrow(14, 0, 90);
    const [b] = await t.ctx.db
      .insert(meetingBookings)
      .values({ roomId: room!.id, title: '季度工作例会', applicantId: s.host.id, coBookerIds: [], settlementUnitId: s.unit.id, seating: '课桌式', headcount: 10, startAt: new Date(m.startAt), endAt: new Date(m.endAt), status: 'approved' })
      .returning();
    const guest = randomPhone();
    expect((await s.hostClient.post(`/api/bookings/${b!.id}/invitations`, { internal: [], external: [{ name: '赵明远', phone: guest }] })).statusCode).toBe(200);
    const [meeting] = await smsTo(guest, 'meeting_invitation');
    expect(meeting).toContain(`【市行政中心】姜*檬邀请您参加会议“季度工作例会”（${m.date} 14:00至15:30，${room!.name}），请点击链接登记：http`);
  });
});

describe('stored templates', () => {
  it('a template still equal to a former default gets the new wording at startup; an edited one stays', async () => {
    const set = (event: string, content: string) => t.ctx.db.update(notificationTemplates).set({ content }).where(eq(notificationTemplates.event, event));
    const read = async (event: string) => (await t.ctx.db.select().from(notificationTemplates).where(eq(notificationTemplates.event, event)))[0]!.content;
    await set('order_approved', FORMER_DEFAULTS.order_approved![0]!);
    await set('meeting_invitation', FORMER_DEFAULTS.meeting_invitation![0]!);
    await set('order_rejected', '【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：{comment}');
    await ensureDefaultTemplates(t.ctx);
    expect(await read('order_approved')).toBe(DEFAULT_TEMPLATES.order_approved.content);
    expect(await read('meeting_invitation')).toBe(DEFAULT_TEMPLATES.meeting_invitation.content);
    expect(await read('order_rejected')).toBe('【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：{comment}');
    await set('order_rejected', DEFAULT_TEMPLATES.order_rejected.content);
  });

  it('…unless a real provider\'s template is mapped to the event (its parameters are positional)', async () => {
    const p = await createTestApp({
      env: {
        SMS_PROVIDER: 'tencent',
        TENCENT_SECRET_ID: 'id',
        TENCENT_SECRET_KEY: 'key',
        TENCENT_SMS_SDK_APP_ID: '1400000000',
        TENCENT_SMS_SIGN_NAME: '市行政中心',
        TENCENT_SMS_TEMPLATE_ID: '100001',
        TENCENT_SMS_EVENT_TEMPLATES: 'order_approved=100002',
      },
    });
    try {
      const set = (event: string, content: string) => p.ctx.db.update(notificationTemplates).set({ content }).where(eq(notificationTemplates.event, event));
      const read = async (event: string) => (await p.ctx.db.select().from(notificationTemplates).where(eq(notificationTemplates.event, event)))[0]!.content;
      await set('order_approved', FORMER_DEFAULTS.order_approved![0]!);
      await set('order_submitted', FORMER_DEFAULTS.order_submitted![0]!);
      await ensureDefaultTemplates(p.ctx);
      expect(await read('order_approved')).toBe(FORMER_DEFAULTS.order_approved![0]);
      expect(await read('order_submitted')).toBe(DEFAULT_TEMPLATES.order_submitted.content);
    } finally {
      await p.close();
    }
  });
});
