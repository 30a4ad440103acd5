/**
 * Notices in WeCom (企业微信, issue 11): a template switched to the channel 企业微信 in 通知模板 sends
 * the staff recipient a text card from the app (gettoken → message/send against a local stub that
 * speaks WeCom's protocol over real HTTP), whose 详情 opens the right staff-app page through WeCom
 * sign-in; an expired token is renewed once; anyone WeCom can't reach gets the SMS.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { startWecomStub, type WecomStub } from '../../test/stubs/wecom-stub.js';
import { requireService } from '../../test/services.js';
import { jobs, notificationTemplates, smsMessages, staff } from '../../db/schema/index.js';
import { DEFAULT_TEMPLATES, VISIT_EVENTS, WECOM_EVENTS, type NotifyChannel, type VisitEvent } from '../../../../contracts/notify.js';
import { notifyVisit, type VisitNotice } from './notify.service.js';
import { insertOrder } from './test-orders.js';

const wc = { corpId: 'ww0c0ffee000000001', corpSecret: 'wecom-secret-0001', agentId: '1000002' };
const PUBLIC_URL = 'https://visit.example.gov.cn';
const wecomEnv = (stub: WecomStub, extra: Record<string, string> = {}) => ({
  PUBLIC_URL,
  WECOM_CORP_ID: wc.corpId,
  WECOM_CORP_SECRET: wc.corpSecret,
  WECOM_AGENT_ID: wc.agentId,
  WECOM_OAUTH_URL: stub.url,
  WECOM_API_URL: stub.url,
  ...extra,
});

const lines: string[] = [];
let stub: WecomStub;
let t: TestApp;
let admin: Client;
beforeAll(async () => {
  stub = await startWecomStub(wc);
  t = await createTestApp({ env: { ...wecomEnv(stub), LOG_LEVEL: 'info' }, logStream: { write: (l: string) => void lines.push(l) } });
  admin = await newAdminClient(t);
});
afterAll(async () => {
  await t?.close();
  await stub?.close();
});
beforeEach(() => {
  stub.setMembers(null);
});

const HOUR = 3600_000;
let seq = 0;
const uid = () => `wx_${Date.now().toString(36)}_${seq++}`;
const putTemplate = (c: Client, event: VisitEvent, channel: NotifyChannel) => c.put(`/api/admin/notification-templates/${event}`, { ...DEFAULT_TEMPLATES[event], channel });
const rowsTo = (app: TestApp, phone: string) => app.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
const cardsTo = (userid: string) => stub.messages.filter((m) => m.touser === userid);
const sends = () => stub.requests.filter((r) => r.path === '/cgi-bin/message/send');

/** A host in WeCom (or not), a visitor who books with them: order_submitted goes to the host. */
async function bookWith(host: { phone: string }) {
  const me = await newVisitor(t, { name: '陈小春' });
  const visitor = await signInVisitor(t, me.phone);
  const s = new Date(Date.now() + 2 * HOUR);
  const res = await visitor.post('/api/visits/appointments', {
    hostPhone: host.phone,
    reason: '商务洽谈',
    startAt: s.toISOString(),
    endAt: new Date(s.getTime() + 2 * HOUR).toISOString(),
    companionPhones: [],
    idempotencyKey: `wecom-${uid()}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  await t.ctx.queue.drain();
  return { order: res.json() as { id: string }, visitorPhone: me.phone };
}

describe('a template switched to 企业微信', () => {
  it('the host gets a text card: title the event, the message as its text, 详情 opening the order in the staff app; no SMS', async () => {
    expect((await putTemplate(admin, 'order_submitted', 'wecom')).json()).toMatchObject({ channel: 'wecom', wecom: 'available' });
    try {
      const unit = await newUnit(t);
      const userid = uid();
      const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬', wecomUserId: userid });
      const { order } = await bookWith(host);

      const [card] = cardsTo(userid);
      expect(cardsTo(userid)).toHaveLength(1);
      expect(card).toMatchObject({
        msgtype: 'textcard',
        agentid: 1000002,
        enable_duplicate_check: 1,
        textcard: {
          title: '预约待审核',
          description: expect.stringMatching(/^【市行政中心】陈小春预约于.+来访，事由：商务洽谈，请及时审核。$/),
          url: `${PUBLIC_URL}/staff/visits/${order.id}?from=wecom`,
          btntxt: '详情',
        },
      });
      // recorded like every message (短信发件箱, channel wecom) with WeCom's msgid; no SMS to the host
      const rows = await rowsTo(t, host.phone);
      expect(rows).toEqual([expect.objectContaining({ channel: 'wecom', provider: 'wecom', template: 'order_submitted', status: 'sent', providerRef: card!.msgid, content: card!.textcard.description, error: null })]);
      const outbox = (await admin.get(`/api/admin/sms-outbox?phone=${host.phone}&channel=wecom`)).json();
      expect(outbox.items).toEqual([expect.objectContaining({ channel: 'wecom', template: 'order_submitted', status: 'sent' })]);

      // 详情, not signed in: the staff app sends the browser through WeCom sign-in back to this page
      stub.signInAs({ userid });
      const browser = new Client(t);
      const start = await browser.get(`/api/auth/wecom/start?returnTo=${encodeURIComponent(`/staff/visits/${order.id}`)}`);
      expect(start.statusCode).toBe(302);
      const authorize = await fetch(start.headers.location as string, { redirect: 'manual' });
      const back = new URL(authorize.headers.get('location')!);
      const cb = await browser.get(back.pathname + back.search);
      expect(cb.statusCode).toBe(302);
      expect(cb.headers.location).toBe(`/staff/visits/${order.id}`);
      // and the page's order is one the host may read
      const detail = await browser.get(`/api/visits/${order.id}`);
      expect(detail.statusCode, detail.body).toBe(200);
      expect(detail.json().actions.review).toBe(true);
    } finally {
      await putTemplate(admin, 'order_submitted', 'sms');
    }
  });

  it('an expired access_token is renewed exactly once and the card still goes out', async () => {
    const userid = uid();
    const host = await newStaff(t, { name: '黄波', wecomUserId: userid });
    await putTemplate(admin, 'visitor_arrived', 'wecom');
    try {
      // a first card: the app holds a token
      const first = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId: first, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春', timeRange: '12月6日 10:30至11:30' } });
      expect(cardsTo(userid)).toHaveLength(1);

      stub.expireTokens();
      const issued = stub.tokensIssued;
      const sent = sends().length;
      const second = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId: second, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '林晓燕', timeRange: '12月6日 14:00至15:00' } });
      expect(stub.tokensIssued - issued).toBe(1);
      // refused once with 42001, then accepted with the new token
      expect(sends().length - sent).toBe(2);
      const cards = cardsTo(userid);
      expect(cards).toHaveLength(2);
      expect(cards[1]!.textcard).toMatchObject({ title: '访客已到达', description: '【市行政中心】您的访客林晓燕已到达（预约时间：12月6日 14:00至15:00），请做好接待。', url: `${PUBLIC_URL}/staff/visits/${second}?from=wecom` });
      const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `wecom:notify:visitor_arrived:${second}:${host.phone}`));
      expect(job).toMatchObject({ type: 'wecom.send', status: 'done', attempts: 1 });

      // the renewed token is used from then on: no further gettoken
      const third = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId: third, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '赵明远' } });
      expect(stub.tokensIssued - issued).toBe(1);
      expect(cardsTo(userid)).toHaveLength(3);
    } finally {
      await putTemplate(admin, 'visitor_arrived', 'sms');
    }
  });

  it('a booking card opens the booking; reception told of an overstay opens the home page', async () => {
    await putTemplate(admin, 'booking_submitted', 'wecom');
    await putTemplate(admin, 'visitor_overstay', 'wecom');
    try {
      const approver = await newStaff(t, { wecomUserId: uid() });
      const bookingId = randomUUID();
      await notify({ event: 'booking_submitted', orderId: bookingId, recipient: { kind: 'staff', id: approver.id, phone: approver.phone }, vars: { applicantName: '姜柠檬', roomName: '第一会议室', meetingTitle: '季度工作例会' } });
      expect(cardsTo(approver.wecomUserId!)[0]!.textcard).toMatchObject({ title: '会议室待审核', url: `${PUBLIC_URL}/staff/bookings/${bookingId}?from=wecom` });

      const reception = await newStaff(t, { wecomUserId: uid() });
      const orderId = await insertOrder(t, { visitorPhone: randomPhone() });
      await notify({ event: 'visitor_overstay', orderId, recipient: { kind: 'staff', id: reception.id, phone: reception.phone, page: '/' }, vars: { visitorName: '陈小春', overstayMinutes: '30' } });
      expect(cardsTo(reception.wecomUserId!)[0]!.textcard.url).toBe(`${PUBLIC_URL}/staff/?from=wecom`);
    } finally {
      await putTemplate(admin, 'booking_submitted', 'sms');
      await putTemplate(admin, 'visitor_overstay', 'sms');
    }
  });
});

const notify = async (n: VisitNotice) => {
  await t.ctx.db.transaction((tx) => notifyVisit(t.ctx, tx, n));
  await t.ctx.queue.drain();
};

describe('who WeCom can not reach gets the SMS', () => {
  it('a staff member without a WeCom userid: the same text lands in the SMS outbox, nothing goes to WeCom', async () => {
    await putTemplate(admin, 'order_submitted', 'wecom');
    try {
      const host = await newStaff(t, { name: '余若蕾' }); // no wecomUserId
      const before = sends().length;
      const { order } = await bookWith(host);
      expect(sends().length).toBe(before);
      const rows = await rowsTo(t, host.phone);
      expect(rows).toEqual([expect.objectContaining({ channel: 'sms', provider: 'outbox', template: 'order_submitted', status: 'sent' })]);
      expect(rows[0]!.content).toMatch(/^【市行政中心】陈小春预约于.+来访，事由：商务洽谈，请及时审核。$/);
      const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `sms:notify:order_submitted:${order.id}:${host.phone}`));
      expect(job).toMatchObject({ type: 'sms.send', status: 'done' });
    } finally {
      await putTemplate(admin, 'order_submitted', 'sms');
    }
  });

  it('the visitor of an event that also reaches staff (预约已取消) gets the SMS; the host the card', async () => {
    await putTemplate(admin, 'order_cancelled', 'wecom');
    try {
      const userid = uid();
      const host = await newStaff(t, { wecomUserId: userid });
      const visitorPhone = randomPhone();
      const orderId = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone });
      const vars = { visitorName: '陈小春', unitName: '市政务服务管理局', timeRange: '12月6日 10:30至11:30', status: '已取消' };
      await notify({ event: 'order_cancelled', orderId, recipient: { kind: 'visitor', phone: visitorPhone }, vars });
      await notify({ event: 'order_cancelled', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars });
      expect((await rowsTo(t, visitorPhone)).map((r) => r.channel)).toEqual(['sms']);
      expect((await rowsTo(t, host.phone)).map((r) => r.channel)).toEqual(['wecom']);
      expect(cardsTo(userid)).toHaveLength(1);
    } finally {
      await putTemplate(admin, 'order_cancelled', 'sms');
    }
  });

  it('a userid WeCom does not know (81013: left the corporation, mistyped) is not retried: the SMS goes instead', async () => {
    await putTemplate(admin, 'visitor_arrived', 'wecom');
    try {
      const host = await newStaff(t, { wecomUserId: uid() });
      stub.setMembers([]);
      const orderId = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } });
      const rows = await rowsTo(t, host.phone);
      expect(rows.find((r) => r.channel === 'wecom')).toMatchObject({ status: 'failed', error: expect.stringContaining('81013') });
      expect(rows.find((r) => r.channel === 'sms')).toMatchObject({ status: 'sent', content: expect.stringContaining('您的访客陈小春已到达') });
      const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `wecom:notify:visitor_arrived:${orderId}:${host.phone}`));
      expect(job).toMatchObject({ status: 'done', attempts: 1 });
    } finally {
      await putTemplate(admin, 'visitor_arrived', 'sms');
    }
  });

  it('a staff member deactivated since has no WeCom card (nor a session to open it): SMS', async () => {
    await putTemplate(admin, 'visitor_arrived', 'wecom');
    try {
      const host = await newStaff(t, { wecomUserId: uid() });
      await t.ctx.db.update(staff).set({ active: false }).where(eq(staff.id, host.id));
      const orderId = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } });
      expect((await rowsTo(t, host.phone)).map((r) => r.channel)).toEqual(['sms']);
    } finally {
      await putTemplate(admin, 'visitor_arrived', 'sms');
    }
  });
});

describe('人员管理: the staff member\'s 企业微信账号', () => {
  it('the admin links a WeCom userid and the next notice goes by WeCom; unlinked, by SMS again', async () => {
    const host = await newStaff(t, { name: '黄波' });
    const userid = uid();
    const set = await admin.patch(`/api/admin/staff/${host.id}`, { wecomUserId: ` ${userid} ` });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().wecomUserId).toBe(userid);
    expect((await admin.get(`/api/admin/staff/${host.id}`)).json().wecomUserId).toBe(userid);
    await putTemplate(admin, 'visitor_arrived', 'wecom');
    try {
      const first = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId: first, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } });
      expect(cardsTo(userid)).toHaveLength(1);
      expect((await admin.patch(`/api/admin/staff/${host.id}`, { wecomUserId: '' })).json().wecomUserId).toBeNull();
      const second = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await notify({ event: 'visitor_arrived', orderId: second, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } });
      expect(cardsTo(userid)).toHaveLength(1);
      expect((await rowsTo(t, host.phone)).map((r) => r.channel).sort()).toEqual(['sms', 'wecom']);
    } finally {
      await putTemplate(admin, 'visitor_arrived', 'sms');
    }
  });

  it('one WeCom account belongs to one staff member (409 WECOM_USER_TAKEN), until that member is deleted; a malformed one → 400', async () => {
    const userid = uid();
    const a = await newStaff(t, { wecomUserId: userid });
    const b = await newStaff(t);
    const taken = await admin.patch(`/api/admin/staff/${b.id}`, { wecomUserId: userid });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'WECOM_USER_TAKEN', message: { 'zh-CN': '该企业微信账号已绑定其他人员' } });
    const created = await admin.post('/api/admin/staff', { name: '丙', phone: randomPhone(), unitId: b.unitId, wecomUserId: userid });
    expect(created.json().error?.code).toBe('WECOM_USER_TAKEN');
    const bad = await admin.patch(`/api/admin/staff/${b.id}`, { wecomUserId: 'zhang san' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    expect((await admin.delete(`/api/admin/staff/${a.id}`)).statusCode).toBe(200);
    const moved = await admin.patch(`/api/admin/staff/${b.id}`, { wecomUserId: userid });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().wecomUserId).toBe(userid);
  });
});

describe('WeCom refuses or is unreachable', () => {
  it('another errcode: the message is failed and retried with backoff like an SMS, then sent; no token or phone in the log', async () => {
    await putTemplate(admin, 'visitor_arrived', 'wecom');
    try {
      const userid = uid();
      const host = await newStaff(t, { wecomUserId: userid });
      const orderId = await insertOrder(t, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      lines.length = 0;
      stub.failSends(45009); // API call frequency limit
      await notify({ event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } });
      const key = `wecom:notify:visitor_arrived:${orderId}:${host.phone}`;
      const [failed] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, key));
      expect(failed).toMatchObject({ type: 'wecom.send', status: 'failed', attempts: 1 });
      expect(failed!.runAt.getTime()).toBeGreaterThan(t.ctx.clock.now().getTime());
      expect((await rowsTo(t, host.phone))[0]).toMatchObject({ channel: 'wecom', status: 'failed', error: 'WeCom message/send refused: errcode 45009' });
      expect(cardsTo(userid)).toHaveLength(0);

      // the retry, when due, goes through
      t.ctx.clock.set(new Date(failed!.runAt.getTime() + 1000));
      try {
        await t.ctx.queue.drain();
      } finally {
        t.ctx.clock.set(null);
      }
      expect(cardsTo(userid)).toHaveLength(1);
      expect((await rowsTo(t, host.phone))[0]).toMatchObject({ status: 'sent', error: null });
      expect((await t.ctx.db.select().from(jobs).where(eq(jobs.key, key)))[0]).toMatchObject({ status: 'done', attempts: 2 });
      expect(await rowsTo(t, host.phone)).toHaveLength(1); // no SMS besides

      const log = lines.join('');
      expect(log).toContain('job failed');
      const tokens = new Set(stub.requests.map((r) => r.query.get('access_token')).filter(Boolean));
      expect(tokens.size).toBeGreaterThan(0);
      for (const tok of tokens) expect(log).not.toContain(tok);
      expect(log).not.toContain(host.phone);
      expect(log).not.toContain(wc.corpSecret);
      expect(log).not.toContain(userid);
    } finally {
      await putTemplate(admin, 'visitor_arrived', 'sms');
    }
  });

  it('WeCom unreachable: failed with a message naming neither the token nor the secret, retried later', async () => {
    const down = await startWecomStub(wc);
    const url = down.url;
    await down.close();
    const t2 = await createTestApp({ env: wecomEnv(down, { WECOM_API_URL: url }) });
    try {
      const a2 = await newAdminClient(t2);
      expect((await putTemplate(a2, 'visitor_arrived', 'wecom')).statusCode).toBe(200);
      const host = await newStaff(t2, { wecomUserId: uid() });
      const orderId = await insertOrder(t2, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await t2.ctx.db.transaction((tx) => notifyVisit(t2.ctx, tx, { event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: {} }));
      await t2.ctx.queue.drain();
      const [row] = await rowsTo(t2, host.phone);
      expect(row).toMatchObject({ channel: 'wecom', status: 'failed' });
      expect(row!.error).toMatch(/^WeCom \/cgi-bin\/gettoken unreachable/);
      expect(row!.error).not.toContain(wc.corpSecret);
      const [job] = await t2.ctx.db.select().from(jobs).where(and(eq(jobs.type, 'wecom.send')));
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job!.lastError).not.toContain(wc.corpSecret);
    } finally {
      await t2.close();
    }
  });
});

describe('通知模板: the channel 企业微信', () => {
  it('can be chosen for the events that reach staff; a visitors-only message refuses it', async () => {
    const list = (await admin.get('/api/admin/notification-templates')).json() as Array<{ event: VisitEvent; wecom: string }>;
    for (const row of list) expect(row.wecom).toBe(WECOM_EVENTS.includes(row.event) ? 'available' : 'not_for_event');
    expect(list.find((r) => r.event === 'order_approved')!.wecom).toBe('not_for_event');
    expect(list.find((r) => r.event === 'vehicle_submitted')?.wecom ?? 'available').toBe('available');
    const res = await putTemplate(admin, 'order_approved', 'wecom');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.json().error.message['zh-CN']).toBeTruthy();
    expect(VISIT_EVENTS.filter((e) => !WECOM_EVENTS.includes(e)).sort()).toEqual(['companion_link', 'invitation_sent', 'meeting_invitation', 'order_approved', 'order_expired', 'order_rejected'].sort());
  });

  it('without WeCom configured it is shown unavailable and switching to it is refused; the events still go by SMS', async () => {
    const t2 = await createTestApp({ env: { WECOM_CORP_ID: wc.corpId, WECOM_CORP_SECRET: wc.corpSecret } }); // sign-in only: no AgentId
    try {
      const a2 = await newAdminClient(t2);
      const list = (await a2.get('/api/admin/notification-templates')).json() as Array<{ event: VisitEvent; wecom: string }>;
      expect(list.find((r) => r.event === 'order_submitted')!.wecom).toBe('not_configured');
      expect(list.find((r) => r.event === 'order_approved')!.wecom).toBe('not_for_event');
      const res = await putTemplate(a2, 'order_submitted', 'wecom');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      // a template left on WeCom when the configuration went: its notices go by SMS
      await t2.ctx.db.update(notificationTemplates).set({ channel: 'wecom' }).where(eq(notificationTemplates.event, 'visitor_arrived'));
      expect((await putTemplate(a2, 'visitor_arrived', 'wecom')).statusCode).toBe(200); // kept, not switched
      const host = await newStaff(t2, { wecomUserId: uid() });
      const orderId = await insertOrder(t2, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
      await t2.ctx.db.transaction((tx) => notifyVisit(t2.ctx, tx, { event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: { visitorName: '陈小春' } }));
      await t2.ctx.queue.drain();
      expect((await rowsTo(t2, host.phone)).map((r) => [r.channel, r.status])).toEqual([['sms', 'sent']]);
    } finally {
      await t2.close();
    }
  });
});

describe('the access_token in Redis (REDIS_URL)', () => {
  it('is shared by every process: a second process sends with it, without asking gettoken', async () => {
    const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
    await requireService('redis', REDIS_URL, 'the WeCom token-sharing test');
    const own = await startWecomStub(wc);
    // the processes of one deployment share the master key (the token is kept encrypted with it)
    const env = wecomEnv(own, { REDIS_URL, REDIS_KEY_PREFIX: `sgtest:${randomBytes(4).toString('hex')}:`, MASTER_KEY: randomBytes(32).toString('base64') });
    const p1 = await createTestApp({ env });
    const p2 = await createTestApp({ env });
    try {
      for (const p of [p1, p2]) {
        const a = await newAdminClient(p);
        expect((await putTemplate(a, 'visitor_arrived', 'wecom')).statusCode).toBe(200);
        const host = await newStaff(p, { wecomUserId: uid() });
        const orderId = await insertOrder(p, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
        await p.ctx.db.transaction((tx) => notifyVisit(p.ctx, tx, { event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: {} }));
        await p.ctx.queue.drain();
        expect((await rowsTo(p, host.phone))[0]).toMatchObject({ channel: 'wecom', status: 'sent' });
      }
      expect(own.messages).toHaveLength(2);
      expect(own.tokensIssued).toBe(1);
      // expired for both: the first to be refused renews it, once, for everyone
      own.expireTokens();
      for (const p of [p1, p2]) {
        const host = await newStaff(p, { wecomUserId: uid() });
        const orderId = await insertOrder(p, { hostId: host.id, unitId: host.unitId, visitorPhone: randomPhone() });
        await p.ctx.db.transaction((tx) => notifyVisit(p.ctx, tx, { event: 'visitor_arrived', orderId, recipient: { kind: 'staff', id: host.id, phone: host.phone }, vars: {} }));
        await p.ctx.queue.drain();
      }
      expect(own.messages).toHaveLength(4);
      expect(own.tokensIssued).toBe(2);
    } finally {
      await p1.close();
      await p2.close();
      await own.close();
    }
  });
});
