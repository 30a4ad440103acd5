/**
 * Visit notifications (X2) and their templates (A4): notifyVisit → notify.visit job → sms.send →
 * the development outbox; the admin template API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff } from '../../test/factories.js';
import { auditLog, jobs, notificationTemplates, smsMessages } from '../../db/schema/index.js';
import { backoffMs } from '../../platform/queue.js';
import { DEFAULT_TEMPLATES, VISIT_EVENTS } from '../../../../contracts/notify.js';
import type { SmsMessage, SmsProvider } from './sms.provider.js';
import { ensureDefaultTemplates, notifyVisit, type VisitNotice } from './notify.service.js';
import { insertOrder } from './test-orders.js';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL: 'https://visit.example.gov.cn/' } });
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

let phoneSeq = 0;
const nextPhone = () => `1390000${String(1000 + phoneSeq++).padStart(4, '0')}`;
const vars = { visitorName: '陈小春', hostName: '姜柠檬', unitName: '市政务服务管理局', reason: '商务洽谈', startAt: '11月24日 14:00', endAt: '11月24日 16:00', timeRange: '11月24日 14:00至16:00' };
const notify = (app: TestApp, n: VisitNotice) => app.ctx.db.transaction((tx) => notifyVisit(app.ctx, tx, n));
const messagesTo = (app: TestApp, phone: string) => app.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
const setTemplate = (event: string, v: Partial<typeof notificationTemplates.$inferInsert>) => t.ctx.db.update(notificationTemplates).set(v).where(eq(notificationTemplates.event, event));
const resetTemplate = (event: keyof typeof DEFAULT_TEMPLATES) => setTemplate(event, DEFAULT_TEMPLATES[event]);

describe('notifyVisit', () => {
  it('queues inside the transaction and the message lands in the outbox once the queue drains', async () => {
    const phone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone });
    await notify(t, { event: 'order_submitted', orderId, recipient: { kind: 'staff', id: 'x', phone }, vars });
    expect(await messagesTo(t, phone)).toHaveLength(0); // nothing is rendered or sent inside the request
    const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `notify:order_submitted:${orderId}:${phone}`));
    expect(job).toMatchObject({ type: 'notify.visit', status: 'queued' });
    // names and the phone travel encrypted in the payload
    expect(JSON.stringify(job!.payload)).not.toContain('陈小春');
    expect(JSON.stringify(job!.payload)).not.toContain(phone);

    await t.ctx.queue.drain();
    const [msg] = await messagesTo(t, phone);
    expect(msg).toMatchObject({ template: 'order_submitted', provider: 'outbox', status: 'sent', content: '【市行政中心】陈小春预约于11月24日 14:00至16:00来访，事由：商务洽谈，请及时审核。' });

    const outbox = await admin.get(`/api/admin/sms-outbox?phone=${phone}`);
    expect(outbox.json().items).toEqual([expect.objectContaining({ template: 'order_submitted', content: msg!.content, status: 'sent' })]);
  });

  it('is idempotent per (event, order, recipient phone): the same notice twice sends one message', async () => {
    const phone = nextPhone();
    const other = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone });
    const n: VisitNotice = { event: 'order_rejected', orderId, recipient: { kind: 'visitor', phone }, vars: { ...vars, comment: '时间冲突' } };
    await notify(t, n);
    await notify(t, n);
    await t.ctx.db.transaction(async (tx) => {
      await notifyVisit(t.ctx, tx, n);
      await notifyVisit(t.ctx, tx, n);
    });
    await t.ctx.queue.drain();
    await notify(t, n); // after delivery too
    await t.ctx.queue.drain();
    expect(await messagesTo(t, phone)).toHaveLength(1);
    // another recipient, or another event, of the same order is another message
    await notify(t, { ...n, recipient: { kind: 'phone', phone: other } });
    await notify(t, { ...n, event: 'order_cancelled' });
    await t.ctx.queue.drain();
    expect(await messagesTo(t, other)).toHaveLength(1);
    expect((await messagesTo(t, phone)).map((m) => m.template).sort()).toEqual(['order_cancelled', 'order_rejected']);
  });

  it('a disabled template, or channel none, sends nothing', async () => {
    const phone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone });
    await setTemplate('order_cancelled', { enabled: false });
    await setTemplate('order_expired', { channel: 'none' });
    try {
      await notify(t, { event: 'order_cancelled', orderId, recipient: { kind: 'visitor', phone }, vars });
      await notify(t, { event: 'order_expired', orderId, recipient: { kind: 'visitor', phone }, vars });
      await t.ctx.queue.drain();
      expect(await messagesTo(t, phone)).toHaveLength(0);
      const done = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `notify:order_cancelled:${orderId}:${phone}`));
      expect(done[0]!.status).toBe('done');
    } finally {
      await resetTemplate('order_cancelled');
      await resetTemplate('order_expired');
    }
  });

  it('appendCodeLink adds the appointment-code link to the approval message (visitor only); off → no link', async () => {
    const visitor = nextPhone();
    const staffPhone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: visitor, status: 'confirmed' });
    await notify(t, { event: 'order_approved', orderId, recipient: { kind: 'visitor', phone: visitor }, vars });
    await notify(t, { event: 'order_approved', orderId, recipient: { kind: 'staff', id: 's', phone: staffPhone }, vars });
    await t.ctx.queue.drain();
    const [m] = await messagesTo(t, visitor);
    expect(m!.content).toBe(
      `【市行政中心】您预约的来访（11月24日 14:00至16:00，市政务服务管理局，受访人：姜*檬）已审核通过，请按时来访。 https://visit.example.gov.cn/v/orders/${orderId}/code`,
    );
    // the visitor's message masks the host as the visitor's pages do; a staff member's keeps the name
    expect((await messagesTo(t, staffPhone))[0]!.content).not.toContain('/code');
    expect((await messagesTo(t, staffPhone))[0]!.content).toContain('受访人：姜柠檬');

    const later = nextPhone();
    const order2 = await insertOrder(t, { visitorPhone: later, status: 'confirmed' });
    await setTemplate('order_approved', { appendCodeLink: false });
    try {
      await notify(t, { event: 'order_approved', orderId: order2, recipient: { kind: 'visitor', phone: later }, vars });
      await t.ctx.queue.drain();
      expect((await messagesTo(t, later))[0]!.content).not.toContain('http');
    } finally {
      await resetTemplate('order_approved');
    }
  });

  it('appends the registration link of an invitation, and renders the template as it is when the job runs', async () => {
    const phone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone, kind: 'invitation', status: 'initiated' });
    const link = 'https://visit.example.gov.cn/v/l/eyJhbGciOi.token';
    await notify(t, { event: 'invitation_sent', orderId, recipient: { kind: 'phone', phone }, vars, link });
    await setTemplate('invitation_sent', { content: '{hostName}邀请您来访，登记：' }); // edited before the job ran
    try {
      await t.ctx.queue.drain();
      expect((await messagesTo(t, phone))[0]!.content).toBe(`姜*檬邀请您来访，登记：${link}`);
    } finally {
      await resetTemplate('invitation_sent');
    }
  });

  it('an unknown placeholder or a missing variable is left out, never a crash', async () => {
    const phone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone });
    await setTemplate('order_cc', { content: '【{centerName}】{visitorName}{notAVariable}的预约{status}。{comment}' });
    try {
      await notify(t, { event: 'order_cc', orderId, recipient: { kind: 'staff', phone }, vars: { visitorName: '陈小春' } });
      await t.ctx.queue.drain();
      const [m] = await messagesTo(t, phone);
      expect(m).toMatchObject({ status: 'sent', content: '【市行政中心】陈小春的预约。' });
    } finally {
      await resetTemplate('order_cc');
    }
  });

  it('a recipient without a phone is skipped without failing the business transaction', async () => {
    const orderId = await insertOrder(t, { visitorPhone: nextPhone() });
    await expect(notify(t, { event: 'order_cc', orderId, recipient: { kind: 'staff', id: 'x', phone: '' }, vars })).resolves.toBeUndefined();
    expect(await t.ctx.db.select().from(jobs).where(eq(jobs.key, `notify:order_cc:${orderId}:`))).toHaveLength(0);
  });

  it('a failed send is retried by the queue with backoff, and delivered once', async () => {
    const attempts: SmsMessage[] = [];
    const flaky: SmsProvider = {
      name: 'flaky',
      async send(m) {
        attempts.push(m);
        if (attempts.length === 1) throw new Error('gateway timeout');
        return { ref: 'ok-1' };
      },
    };
    const f = await createTestApp({ sms: flaky });
    const start = new Date('2026-11-24T02:00:00Z');
    f.ctx.clock.set(start);
    try {
      const phone = nextPhone();
      const orderId = await insertOrder(f, { visitorPhone: phone });
      await notify(f, { event: 'order_submitted', orderId, recipient: { kind: 'staff', phone }, vars });
      await f.ctx.queue.drain();
      let [m] = await messagesTo(f, phone);
      expect(m).toMatchObject({ status: 'failed', error: 'gateway timeout' });
      const smsKey = `sms:notify:order_submitted:${orderId}:${phone}`;
      let [job] = await f.ctx.db.select().from(jobs).where(eq(jobs.key, smsKey));
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job!.runAt.getTime()).toBe(start.getTime() + backoffMs(1));

      f.ctx.clock.set(new Date(start.getTime() + backoffMs(1)));
      expect(await f.ctx.queue.drain()).toBe(1);
      [job] = await f.ctx.db.select().from(jobs).where(eq(jobs.key, smsKey));
      expect(job).toMatchObject({ status: 'done', attempts: 2 });
      const rows = await messagesTo(f, phone);
      expect(rows).toHaveLength(1);
      [m] = rows;
      expect(m).toMatchObject({ status: 'sent', providerRef: 'ok-1', error: null });
      expect(attempts).toHaveLength(2);
      expect(attempts[1]!.params).toEqual({ visitorName: '陈小春', timeRange: '11月24日 14:00至16:00', reason: '商务洽谈' });
    } finally {
      await f.close();
    }
  });
});

describe('ensureDefaultTemplates', () => {
  it('gives every event a template at startup, and running it again changes nothing', async () => {
    const rows = await t.ctx.db.select().from(notificationTemplates);
    expect(rows.map((r) => r.event).sort()).toEqual([...VISIT_EVENTS].sort());
    await setTemplate('order_expired', { content: '已过期：{visitorName}' });
    try {
      expect(await ensureDefaultTemplates(t.ctx)).toBe(0);
      const [r] = await t.ctx.db.select().from(notificationTemplates).where(eq(notificationTemplates.event, 'order_expired'));
      expect(r!.content).toBe('已过期：{visitorName}');
      await t.ctx.db.delete(notificationTemplates).where(eq(notificationTemplates.event, 'order_expired'));
      expect(await ensureDefaultTemplates(t.ctx)).toBe(1);
    } finally {
      await resetTemplate('order_expired');
    }
  });
});

describe('admin notification templates API', () => {
  it('GET lists every event with its label, channel, switches and variables', async () => {
    const res = await admin.get('/api/admin/notification-templates');
    expect(res.statusCode).toBe(200);
    const items = res.json() as Array<Record<string, unknown>>;
    expect(items.map((i) => i.event)).toEqual([...VISIT_EVENTS]);
    expect(items.find((i) => i.event === 'order_approved')).toMatchObject({
      label: { 'zh-CN': '审核通过', en: 'Order approved' },
      channel: 'sms',
      appendCodeLink: true,
      enabled: true,
      codeLinkAvailable: true,
      variables: expect.arrayContaining(['visitorName', 'hostName', 'startAt', 'comment']),
      content: DEFAULT_TEMPLATES.order_approved.content,
    });
    expect(items.find((i) => i.event === 'invitation_sent')).toMatchObject({ hasLink: true, codeLinkAvailable: false, variables: expect.arrayContaining(['inviterName']) });
  });

  it('GET and PUT without an admin session → 401 (a staff session is not enough)', async () => {
    expect((await new Client(t).get('/api/admin/notification-templates')).statusCode).toBe(401);
    expect((await new Client(t).put('/api/admin/notification-templates/order_approved', { channel: 'sms', content: 'x', appendCodeLink: false, enabled: true })).statusCode).toBe(401);
    const staff = await newStaff(t);
    const s = await signInStaff(t, staff.phone);
    expect((await s.get('/api/admin/notification-templates')).statusCode).toBe(401);
    expect((await s.put('/api/admin/notification-templates/order_approved', { channel: 'sms', content: 'x', appendCodeLink: false, enabled: true })).statusCode).toBe(401);
  });

  it('PUT changes a template (audited), and the next message uses it', async () => {
    const body = { channel: 'voice', content: '  【{centerName}】{visitorName}的预约已过期。  ', appendCodeLink: false, enabled: true };
    const res = await admin.put('/api/admin/notification-templates/order_expired', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ event: 'order_expired', channel: 'voice', content: '【{centerName}】{visitorName}的预约已过期。', enabled: true, updatedAt: expect.any(String) });
    const listed = (await admin.get('/api/admin/notification-templates')).json().find((i: { event: string }) => i.event === 'order_expired');
    expect(listed).toMatchObject({ channel: 'voice', content: '【{centerName}】{visitorName}的预约已过期。' });

    const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'notification_template.update'), eq(auditLog.targetId, 'order_expired')));
    expect(entry).toMatchObject({ actorType: 'admin', targetType: 'notification_template' });
    expect(entry!.detail).toMatchObject({ before: { content: DEFAULT_TEMPLATES.order_expired.content, channel: 'sms' }, after: { channel: 'voice' } });

    const phone = nextPhone();
    const orderId = await insertOrder(t, { visitorPhone: phone });
    await notify(t, { event: 'order_expired', orderId, recipient: { kind: 'visitor', phone }, vars });
    await t.ctx.queue.drain();
    expect((await messagesTo(t, phone))[0]!.content).toBe('【市行政中心】陈小春的预约已过期。');
    await resetTemplate('order_expired');
  });

  it('PUT for an unknown event → 404', async () => {
    const res = await admin.put('/api/admin/notification-templates/order_teleported', { channel: 'sms', content: 'x', appendCodeLink: false, enabled: true });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['empty content', { channel: 'sms', content: '   ', appendCodeLink: false, enabled: true }, 'VALIDATION_FAILED'],
    ['content over 500 characters', { channel: 'sms', content: '长'.repeat(501), appendCodeLink: false, enabled: true }, 'VALIDATION_FAILED'],
    ['an unknown channel', { channel: 'email', content: 'x', appendCodeLink: false, enabled: true }, 'VALIDATION_FAILED'],
    ['a missing switch', { channel: 'sms', content: 'x', enabled: true }, 'VALIDATION_FAILED'],
    ['a variable the event does not offer', { channel: 'sms', content: '{visitorName}{inviterName}', appendCodeLink: false, enabled: true }, 'TEMPLATE_VARIABLE_UNKNOWN'],
    ['the code link on another event', { channel: 'sms', content: 'x', appendCodeLink: true, enabled: true }, 'VALIDATION_FAILED'],
  ])('PUT with %s → 400 %s, nothing stored', async (_, body, code) => {
    const res = await admin.put('/api/admin/notification-templates/order_submitted', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    const [row] = await t.ctx.db.select().from(notificationTemplates).where(eq(notificationTemplates.event, 'order_submitted'));
    expect(row).toMatchObject(DEFAULT_TEMPLATES.order_submitted);
  });

  it('a 500-character template is accepted', async () => {
    const res = await admin.put('/api/admin/notification-templates/order_submitted', { channel: 'sms', content: '长'.repeat(500), appendCodeLink: false, enabled: false });
    expect(res.statusCode).toBe(200);
    await resetTemplate('order_submitted');
  });

  it('is documented in OpenAPI', async () => {
    const doc = (await new Client(t).get('/api/docs/json')).json();
    expect(doc.paths['/api/admin/notification-templates'].get.operationId).toBe('listNotificationTemplates');
    expect(doc.paths['/api/admin/notification-templates/{event}'].put.operationId).toBe('updateNotificationTemplate');
  });
});
