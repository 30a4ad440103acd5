/**
 * Webhooks (X8) through the HTTP API, against a local receiver that checks every signature with the
 * Standard Webhooks library (Webhook.verify): each event delivered once with a valid signature, a
 * wrong secret fails verification, 500 then 200 is retried after the queue's backoff, 410 disables
 * the endpoint, retries give up after WEBHOOK_MAX_ATTEMPTS, a receiver that never answers times
 * out, redeliver sends the same message again, rotate changes the key; validation errors answer
 * 400 with their codes; only system administrators reach the routes.
 *
 * webhook-timestamp is the wall clock's (the receiver refuses one more than five minutes from its
 * own time); the app clock, which decides retries, is moved by the tests.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { WebhookVerificationError } from 'standardwebhooks';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { auditLog, jobs, meetingRooms, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../test/stubs/webhook-receiver.js';
import { bookedVisit, confirmedVisit } from '../access/test-helpers.js';
import { addDays, atMinute } from '../meetings/bookings.rules.js';
import { WEBHOOK_EVENTS } from '../../../../contracts/webhooks.js';

let t: TestApp;
let admin: Client;
let rx: WebhookReceiver;
const MIN = 60_000;
const HOUR = 60 * MIN;
const MAX_ATTEMPTS = 3;
const drain = () => t.ctx.queue.drain();
/** the app's clock at the wall clock's time (plus ms) */
const wallClock = (plusMs = 0) => {
  const at = new Date(Date.now() + plusMs);
  t.ctx.clock.set(at);
  return at;
};

beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_TIMEOUT_SECONDS: '1' } });
  wallClock();
  admin = await newAdminClient(t);
  rx = await startWebhookReceiver();
});
afterAll(async () => {
  await rx.close();
  await t.close();
});
beforeEach(async () => {
  wallClock();
  // every test starts with no endpoint listening and nothing left to deliver
  await drain();
  await t.ctx.db.delete(webhookEndpoints);
  rx.reset();
});

type Created = { endpoint: { id: string; secretHint: string; events: string[]; enabled: boolean }; secret: string };
async function newEndpoint(events: readonly string[] = WEBHOOK_EVENTS, path = '/hooks'): Promise<Created> {
  const res = await admin.post('/api/admin/webhooks', { url: `${rx.url}${path}`, description: '门禁厂商对接', events });
  expect(res.statusCode).toBe(201);
  return res.json();
}
const deliveries = async (endpointId: string) => (await admin.get(`/api/admin/webhooks/${endpointId}/deliveries?pageSize=100`)).json().items as Array<Record<string, any>>;
const ofType = (type: string) => rx.received.filter((r) => JSON.parse(r.body).type === type);

describe('events', () => {
  it('each event type reaches a subscribed endpoint once, signed so that Webhook.verify accepts it', async () => {
    const { endpoint, secret } = await newEndpoint();
    const other = await newEndpoint(['booking.approved'], '/other');

    // orders booked two hours ago (the window starts ten minutes before now), so that the visitor can arrive now
    wallClock(-2 * HOUR - 10 * MIN);
    const approved = await bookedVisit(t); // order.submitted
    await approved.hostClient.post(`/api/visits/${approved.order.id}/review`, { decision: 'approve' }); // order.approved
    const rejected = await bookedVisit(t);
    expect((await rejected.hostClient.post(`/api/visits/${rejected.order.id}/review`, { decision: 'reject', comment: '当日不在单位' })).statusCode).toBe(200);
    const cancelled = await confirmedVisit(t);
    expect((await cancelled.visitor.post(`/api/visits/${cancelled.order.id}/cancel`, {})).statusCode).toBe(200);

    const now = wallClock();
    const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '1号楼大厅访客机' })).json();
    const kiosk = new Client(t);
    expect((await kiosk.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
    expect((await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [approved.order.id] })).json().results[0].ok).toBe(true); // order.arrived
    expect((await kiosk.post('/api/kiosk/lobby/check-out', { orderIds: [approved.order.id], idempotencyKey: `wh-${approved.order.id}` })).json().results[0].ok).toBe(true); // order.left
    // a blocklisted visitor at the kiosk: blocklist.alert
    wallClock(-2 * HOUR - 10 * MIN);
    const blocked = await confirmedVisit(t);
    wallClock();
    expect((await admin.patch(`/api/admin/visitors/${blocked.v.id}/block`, { blocked: true, reason: '扰乱办公秩序' })).statusCode).toBe(200);
    expect((await kiosk.post('/api/kiosk/lobby/find', { phone: blocked.v.phone })).json().groups[0].main.refusal).toBe('VISITOR_BLOCKED');
    // a room that needs no review: the booking is approved at once (booking.approved)
    const unit = await newUnit(t);
    const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
    const coBooker = await newStaff(t, { unitId: unit.id, name: '余若蕾' });
    const [room] = await t.ctx.db.insert(meetingRooms).values({ name: '大会议室', location: '1号楼3楼', capacity: 30, seatingStyles: ['课桌式'], services: [], reviewRequired: false }).returning();
    const day = addDays(t.ctx.clock.today(), 3);
    const at = (m: number) => atMinute(day, m, t.ctx.config.TZ_CENTER).toISOString();
    const booking = await (await signInStaff(t, applicant.phone)).post('/api/bookings', {
      roomId: room!.id, title: '季度工作例会', coBookerIds: [coBooker.id], settlementUnitId: unit.id, seating: '课桌式', headcount: 12, services: [], startAt: at(600), endAt: at(690),
    });
    expect(booking.statusCode, booking.body).toBe(201);

    await drain();
    const mine = rx.received.filter((r) => r.path === '/hooks');
    const payloads = mine.map((r) => rx.verify(r, secret));
    const key = (p: { type: string; data: Record<string, any> }) => `${p.type} ${p.data.order?.id ?? p.data.booking?.id ?? p.data.alert?.visitorId}`;
    const keys = payloads.map(key);
    for (const k of [
      `order.submitted ${approved.order.id}`,
      `order.approved ${approved.order.id}`,
      `order.arrived ${approved.order.id}`,
      `order.left ${approved.order.id}`,
      `order.submitted ${rejected.order.id}`,
      `order.rejected ${rejected.order.id}`,
      `order.cancelled ${cancelled.order.id}`,
      `blocklist.alert ${blocked.v.id}`,
      `booking.approved ${booking.json().id}`,
    ])
      expect(keys.filter((x) => x === k), k).toHaveLength(1);
    expect(new Set(payloads.map((p) => p.type))).toEqual(new Set(WEBHOOK_EVENTS));
    // Standard Webhooks headers, one message id per message
    for (const r of mine) {
      expect(r.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(r.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(new Set(mine.map((r) => r.headers['webhook-id'])).size).toBe(mine.length);

    // the order's data: kind, status, unit, host, window, the visitor named with the ID masked, never a phone
    const left = payloads.find((p) => p.type === 'order.left')!;
    expect(left.data.order).toMatchObject({
      id: approved.order.id,
      kind: 'appointment',
      status: 'arrived',
      host: { id: approved.host.id, name: '姜柠檬' },
      unit: { id: approved.unit.id, name: approved.unit.name },
      window: { startAt: approved.start.toISOString(), endAt: approved.end.toISOString() },
      visitor: { name: '陈小春', idType: 'prc_id' },
      arrivedVia: 'kiosk',
      leftVia: 'kiosk',
    });
    expect(left.data.order.visitor.idNumberMasked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(left.data.order.leftAt).toBe(now.toISOString());
    expect(payloads.find((p) => p.type === 'order.rejected')!.data.order).toMatchObject({ status: 'cancelled', cancelReason: 'rejected' });
    expect(payloads.find((p) => p.type === 'booking.approved')!.data.booking).toMatchObject({ title: '季度工作例会', room: { name: '大会议室' }, applicant: { name: '姜柠檬' }, status: 'approved' });
    for (const r of mine) for (const phone of [approved.v.phone, approved.host.phone, blocked.v.phone, applicant.phone]) expect(r.body).not.toContain(phone);

    // the other endpoint heard only what it subscribed to, with its own secret
    const others = rx.received.filter((r) => r.path === '/other');
    expect(others.map((r) => rx.verify(r, other.secret).type)).toEqual(['booking.approved']);
    // the log says delivered, once each
    const log = await deliveries(endpoint.id);
    expect(log).toHaveLength(mine.length);
    expect(log.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 200)).toBe(true);
  });

  it('verification fails with a wrong secret, a changed body or a changed timestamp', async () => {
    const { secret } = await newEndpoint(['order.submitted']);
    const other = await newEndpoint(['order.approved'], '/other');
    const s = await bookedVisit(t);
    await drain();
    const [r] = rx.received;
    expect(rx.verify(r!, secret).data.order.id).toBe(s.order.id);
    expect(() => rx.verify(r!, other.secret)).toThrow(WebhookVerificationError);
    const tampered: ReceivedWebhook = { ...r!, body: r!.body.replace('"appointment"', '"invitation"') };
    expect(() => rx.verify(tampered, secret)).toThrow(WebhookVerificationError);
    // a replay with another timestamp: the signature covers it
    const replayed: ReceivedWebhook = { ...r!, headers: { ...r!.headers, 'webhook-timestamp': String(Number(r!.headers['webhook-timestamp']) + 60) } };
    expect(() => rx.verify(replayed, secret)).toThrow(WebhookVerificationError);
  });

  it('no endpoint subscribed, a disabled one: nothing is queued', async () => {
    const { endpoint } = await newEndpoint(['order.approved']);
    await admin.patch(`/api/admin/webhooks/${endpoint.id}`, { enabled: false });
    await bookedVisit(t);
    await drain();
    expect(rx.received).toHaveLength(0);
    expect(await t.ctx.db.select().from(webhookDeliveries)).toHaveLength(0);
  });
});

describe('retries', () => {
  it('a receiver answering 500 then 200: the queue tries again after its backoff and the message is delivered, same webhook-id', async () => {
    const { endpoint, secret } = await newEndpoint(['order.submitted']);
    rx.answer(500);
    await bookedVisit(t);
    await drain();
    let [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    // the first retry is due 5 s later (the queue's backoff), not before
    expect(new Date(d!.nextAttemptAt).getTime() - new Date(d!.lastAttemptAt).getTime()).toBe(5000);
    const failedAt = new Date(d!.lastAttemptAt).getTime();
    t.ctx.clock.set(new Date(failedAt + 4999));
    await drain();
    expect(rx.received).toHaveLength(1);
    t.ctx.clock.set(new Date(failedAt + 5000));
    await drain();
    [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(rx.received).toHaveLength(2);
    expect(rx.received[0]!.headers['webhook-id']).toBe(rx.received[1]!.headers['webhook-id']);
    expect(rx.received[0]!.body).toBe(rx.received[1]!.body);
    for (const r of rx.received) rx.verify(r, secret);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS: the delivery is failed, its job done (not dead), nothing more is sent', async () => {
    const { endpoint } = await newEndpoint(['order.submitted']);
    rx.answer(503, 503, 503);
    await bookedVisit(t);
    let wait = 0;
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) {
      wallClock(wait);
      await drain();
      wait += 5000 * 2 ** i;
    }
    const [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 503, nextAttemptAt: null });
    expect(rx.received).toHaveLength(MAX_ATTEMPTS);
    const [job] = await t.ctx.db.select().from(jobs).where(eq(jobs.key, `webhooks.deliver:${d!.id}:0`));
    expect(job).toMatchObject({ status: 'done', attempts: MAX_ATTEMPTS });
    const { items } = (await admin.get('/api/admin/webhooks')).json();
    expect(items[0].counts).toEqual({ pending: 0, delivered: 0, failed: 1 });
  });

  it('a receiver that never answers times out (WEBHOOK_TIMEOUT_SECONDS) and is retried', async () => {
    const { endpoint } = await newEndpoint(['order.submitted']);
    rx.answer('hang');
    await bookedVisit(t);
    await drain();
    const [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'timeout: no answer within 1 s' });
  });

  it('410 Gone disables the endpoint: nothing retried, no more messages queued for it, 发送测试事件 refused until enabled again', async () => {
    const { endpoint } = await newEndpoint(['order.submitted']);
    rx.answer(410);
    await bookedVisit(t);
    await drain();
    const [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    const after = (await admin.get(`/api/admin/webhooks/${endpoint.id}`)).json();
    expect(after).toMatchObject({ enabled: false, disabledReason: 'gone' });
    wallClock(HOUR);
    await drain();
    expect(rx.received).toHaveLength(1);
    await bookedVisit(t);
    expect(await deliveries(endpoint.id)).toHaveLength(1);
    const refused = await admin.post(`/api/admin/webhooks/${endpoint.id}/test`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('WEBHOOK_ENDPOINT_DISABLED');
    const enabled = await admin.patch(`/api/admin/webhooks/${endpoint.id}`, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });
    expect((await admin.post(`/api/admin/webhooks/${endpoint.id}/test`)).statusCode).toBe(202);
  });
});

describe('the console', () => {
  it('create shows the secret once (stored encrypted); the list shows only its first characters; audited', async () => {
    const { endpoint, secret } = await newEndpoint(['order.approved', 'order.approved', 'order.left']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ events: ['order.approved', 'order.left'], enabled: true, secretHint: `${secret.slice(0, 10)}…` });
    const list = await admin.get('/api/admin/webhooks');
    expect(list.body).not.toContain(secret);
    expect(list.json().items[0]).toMatchObject({ id: endpoint.id, url: `${rx.url}/hooks`, description: '门禁厂商对接', counts: { pending: 0, delivered: 0, failed: 0 } });
    const [row] = await t.ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    expect(row!.secretEnc).not.toContain(secret.slice(6, 20));
    expect(t.ctx.crypto.decrypt(row!.secretEnc)).toBe(secret);
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.create'), eq(auditLog.targetId, endpoint.id)));
    expect(a!.detail).toMatchObject({ webhookUrl: `${rx.url}/hooks`, webhookEvents: ['order.approved', 'order.left'] });
  });

  it('发送测试事件 delivers webhook.test to that endpoint only; the drawer shows payload and answer (read audited); 重新投递 sends the same message again', async () => {
    const { endpoint, secret } = await newEndpoint(['order.left']);
    const sent = await admin.post(`/api/admin/webhooks/${endpoint.id}/test`);
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: 0 });
    await drain();
    expect(rx.verify(rx.received[0]!, secret)).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });
    const id = sent.json().id as string;
    const detail = await admin.get(`/api/admin/webhooks/${endpoint.id}/deliveries/${id}`);
    expect(detail.json()).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, payload: { type: 'webhook.test' }, responseExcerpt: '{"ok":true,"status":200}' });
    expect(await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.delivery.read'), eq(auditLog.targetId, endpoint.id)))).toHaveLength(1);

    wallClock(MIN);
    const again = await admin.post(`/api/admin/webhooks/${endpoint.id}/deliveries/${id}/redeliver`);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id, status: 'pending' });
    await drain();
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.headers['webhook-id']).toBe(rx.received[0]!.headers['webhook-id']);
    expect(rx.received[1]!.body).toBe(rx.received[0]!.body);
    rx.verify(rx.received[1]!, secret);
    const [d] = await deliveries(endpoint.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 2 });
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.redeliver'), eq(auditLog.targetId, endpoint.id)));
    expect(a!.detail).toMatchObject({ messageId: rx.received[0]!.headers['webhook-id'], eventType: 'webhook.test' });
  });

  it('rotate: a new secret shown once; the old one no longer verifies what is sent next', async () => {
    const { endpoint, secret } = await newEndpoint(['order.left']);
    const rotated = await admin.post(`/api/admin/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().secret as string;
    expect(fresh).not.toBe(secret);
    await admin.post(`/api/admin/webhooks/${endpoint.id}/test`);
    await drain();
    expect(rx.verify(rx.received[0]!, fresh).type).toBe('webhook.test');
    expect(() => rx.verify(rx.received[0]!, secret)).toThrow(WebhookVerificationError);
    expect(await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.rotate'), eq(auditLog.targetId, endpoint.id)))).toHaveLength(1);
  });

  it('edit and delete (with its log); both audited', async () => {
    const { endpoint } = await newEndpoint(['order.left']);
    await admin.post(`/api/admin/webhooks/${endpoint.id}/test`);
    const edited = await admin.patch(`/api/admin/webhooks/${endpoint.id}`, { url: `${rx.url}/v2?token=abc`, events: ['order.arrived'], description: '改' });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ url: `${rx.url}/v2?token=abc`, events: ['order.arrived'], description: '改' });
    const [u] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.update'), eq(auditLog.targetId, endpoint.id)));
    expect(u!.detail).toMatchObject({ fields: ['url', 'description', 'events'], webhookUrl: `${rx.url}/v2` });
    expect(JSON.stringify(u!.detail)).not.toContain('token=abc');
    expect((await admin.delete(`/api/admin/webhooks/${endpoint.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/admin/webhooks/${endpoint.id}`)).statusCode).toBe(404);
    expect(await t.ctx.db.select().from(webhookDeliveries)).toHaveLength(0);
    // its queued job finds nothing and ends
    await drain();
    expect(rx.received).toHaveLength(0);
    expect(await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.delete'), eq(auditLog.targetId, endpoint.id)))).toHaveLength(1);
  });
});

describe('refusals', () => {
  it.each([
    [{ url: 'ftp://files.example.com/in', events: ['order.left'] }, 'WEBHOOK_URL_INVALID'],
    [{ url: 'not a url', events: ['order.left'] }, 'WEBHOOK_URL_INVALID'],
    [{ url: 'http://user:pw@example.com/in', events: ['order.left'] }, 'WEBHOOK_URL_INVALID'],
    [{ url: 'https://example.com/in', events: [] }, 'WEBHOOK_EVENTS_REQUIRED'],
    [{ url: 'https://example.com/in', events: ['order.left', 'order.exploded'] }, 'WEBHOOK_EVENT_UNKNOWN'],
    [{ url: 'https://example.com/in' }, 'VALIDATION_FAILED'],
    [{ url: 42, events: ['order.left'] }, 'VALIDATION_FAILED'],
  ])('create %j → 400 %s, in words in both languages', async (body, code) => {
    const res = await admin.post('/api/admin/webhooks', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message['zh-CN']).toBeTruthy();
    expect(res.json().error.message.en).toBeTruthy();
  });

  it('edit with a bad URL or an unknown event → 400, nothing changed', async () => {
    const { endpoint } = await newEndpoint(['order.left']);
    expect((await admin.patch(`/api/admin/webhooks/${endpoint.id}`, { url: 'javascript:alert(1)' })).json().error.code).toBe('WEBHOOK_URL_INVALID');
    expect((await admin.patch(`/api/admin/webhooks/${endpoint.id}`, { events: ['nope'] })).json().error.code).toBe('WEBHOOK_EVENT_UNKNOWN');
    expect((await admin.get(`/api/admin/webhooks/${endpoint.id}`)).json()).toMatchObject({ url: `${rx.url}/hooks`, events: ['order.left'] });
  });

  it('no session, staff or a visitor → 401 on every route, a unit administrator → 403; unknown ids → 404; another endpoint’s delivery → 404', async () => {
    const { endpoint } = await newEndpoint(['order.left']);
    const sent = (await admin.post(`/api/admin/webhooks/${endpoint.id}/test`)).json();
    const others = [new Client(t), await signInStaff(t, (await newStaff(t)).phone), await signInVisitor(t, randomPhone())];
    const routes: Array<[string, string]> = [
      ['GET', '/api/admin/webhooks'],
      ['POST', '/api/admin/webhooks'],
      ['GET', `/api/admin/webhooks/${endpoint.id}`],
      ['PATCH', `/api/admin/webhooks/${endpoint.id}`],
      ['DELETE', `/api/admin/webhooks/${endpoint.id}`],
      ['POST', `/api/admin/webhooks/${endpoint.id}/rotate-secret`],
      ['POST', `/api/admin/webhooks/${endpoint.id}/test`],
      ['GET', `/api/admin/webhooks/${endpoint.id}/deliveries`],
      ['GET', `/api/admin/webhooks/${endpoint.id}/deliveries/${sent.id}`],
      ['POST', `/api/admin/webhooks/${endpoint.id}/deliveries/${sent.id}/redeliver`],
    ];
    for (const c of others)
      for (const [method, url] of routes) {
        const res = await c.req(method as 'GET', url, method === 'GET' || method === 'DELETE' ? undefined : { url: `${rx.url}/x`, events: ['order.left'] });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
    // a 单位管理员 (A10): 403 SYSTEM_ADMIN_ONLY
    const unitAdmin = await newAdminClient(t, undefined, undefined, (await newUnit(t)).id);
    for (const [method, url] of routes) {
      const res = await unitAdmin.req(method as 'GET', url, method === 'GET' || method === 'DELETE' ? undefined : { url: `${rx.url}/x`, events: ['order.left'] });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    }
    const NIL = '00000000-0000-7000-8000-000000000000';
    expect((await admin.get(`/api/admin/webhooks/${NIL}`)).statusCode).toBe(404);
    expect((await admin.patch(`/api/admin/webhooks/${NIL}`, { enabled: false })).statusCode).toBe(404);
    expect((await admin.post(`/api/admin/webhooks/${NIL}/test`)).statusCode).toBe(404);
    const second = await newEndpoint(['order.left'], '/second');
    expect((await admin.get(`/api/admin/webhooks/${second.endpoint.id}/deliveries/${sent.id}`)).statusCode).toBe(404);
    expect((await admin.post(`/api/admin/webhooks/${second.endpoint.id}/deliveries/${sent.id}/redeliver`)).statusCode).toBe(404);
    expect((await admin.get(`/api/admin/webhooks/not-a-uuid`)).statusCode).toBe(400);
    await drain();
    expect(rx.received.map((r) => r.path)).toEqual(['/hooks']);
  });
});
