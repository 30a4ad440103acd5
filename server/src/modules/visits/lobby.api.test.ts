/**
 * The lobby (K2, check-out, on site): a kiosk finds today's appointment by code, ID card or phone,
 * checks visitors in (once, whatever is retried), refuses in words, alerts the desk for a blocked
 * person; visitors leave by the kiosk, an exit gate or automatically; overstay is told once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, orderTransitions, securityAlerts, smsMessages, visitors } from '../../db/schema/index.js';
import { Client, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit } from '../../test/factories.js';
import { deviceToken } from '../access/access.service.js';
import { bookedVisit, confirmedVisit, held, newGate, orderRow, startAccessApp, T0 } from '../access/test-helpers.js';
import { personIdOf } from '../../../../contracts/access.js';

let t: TestApp;
let admin: Client;
let kiosk: Client;
const MIN = 60_000;
const at = (d: Date) => t.ctx.clock.set(d);
const drain = () => t.ctx.queue.drain();

beforeAll(async () => {
  ({ t, admin } = await startAccessApp());
  at(T0);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '1号楼大厅访客机' })).json();
  kiosk = new Client(t);
  expect((await kiosk.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
});
afterAll(() => t.close());

/** A confirmed appointment for [now+2h, now+4h) and the clock moved inside it. */
async function confirmedNow() {
  at(T0);
  const s = await confirmedVisit(t);
  at(new Date(s.start.getTime() + 5 * MIN));
  const code = async () => (await s.visitor.get(`/api/visits/${s.order.id}/code`)).json().token as string;
  return { ...s, code };
}
const idNumberOf = async (visitorId: string) => {
  const [v] = await t.ctx.db.select().from(visitors).where(eq(visitors.id, visitorId));
  return t.ctx.crypto.decrypt(v!.idNumberEnc!);
};

describe('K2 预约访客: find today’s appointment', () => {
  it('by the 访客预约码: the order as the manual shows it (masked ID and phone, host and department), no refusal', async () => {
    const s = await confirmedNow();
    const res = await kiosk.post('/api/kiosk/lobby/find', { code: await s.code() });
    expect(res.statusCode).toBe(200);
    const [g] = res.json().groups;
    expect(g.matchedId).toBe(s.order.id);
    expect(g.main).toMatchObject({ id: s.order.id, status: 'confirmed', refusal: null, reason: '设备联调', host: { name: '姜*檬' }, visitor: { name: '陈小春', hasPhoto: true } });
    expect(g.main.visitor.idNumberMasked).toMatch(/^\d{3,4}\*{6,}[\dX]{4}$/);
    expect(g.main.visitor.phoneMasked).toContain('****');
    expect(JSON.stringify(res.json())).not.toContain(s.v.phone);
  });

  it('by an ID number (as a card reader sends it) and by phone; nothing today → 404 in words', async () => {
    const s = await confirmedNow();
    const byId = await kiosk.post('/api/kiosk/lobby/find', { idNumber: await idNumberOf(s.v.id) });
    expect(byId.json().groups.map((g: { main: { id: string } }) => g.main.id)).toContain(s.order.id);
    const byPhone = await kiosk.post('/api/kiosk/lobby/find', { phone: s.v.phone });
    expect(byPhone.json().groups[0].main.id).toBe(s.order.id);
    const none = await kiosk.req('POST', '/api/kiosk/lobby/find', { phone: '13900000001' }, { 'accept-language': 'en' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error).toMatchObject({ code: 'LOBBY_NOT_FOUND' });
    expect(none.json().error.message.en).toMatch(/no appointment/i);
    // a wrong ID number is a clear 400, not a search
    expect((await kiosk.post('/api/kiosk/lobby/find', { idNumber: '110101199001011235' })).json().error.code).toBe('ID_NUMBER_INVALID');
  });

  it('refusals: not yet confirmed, not today (a later day), already arrived', async () => {
    at(T0);
    const pending = await bookedVisit(t);
    at(new Date(pending.start.getTime() + 5 * MIN));
    expect((await kiosk.post('/api/kiosk/lobby/find', { phone: pending.v.phone })).json().groups[0].main.refusal).toBe('NOT_CONFIRMED');
    // the day before: the order is found but refused as not today
    at(new Date(pending.start.getTime() - 24 * 60 * MIN));
    expect((await kiosk.post('/api/kiosk/lobby/find', { phone: pending.v.phone })).json().groups[0].main.refusal).toBe('NOT_TODAY');

    const s = await confirmedNow();
    expect((await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] })).json().results[0].ok).toBe(true);
    expect((await kiosk.post('/api/kiosk/lobby/find', { code: await s.code().catch(() => '') }).catch(() => null))?.statusCode).not.toBe(500);
    const again = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    expect(again.json().results[0]).toMatchObject({ ok: false, refusal: 'ALREADY_ARRIVED' });
  });

  it('a blocked visitor is refused in words and the desk is alerted (once in a few minutes)', async () => {
    const s = await confirmedNow();
    const reception = await newStaff(t, { unitId: s.unit.id, name: '前台小王', roles: ['reception'] });
    expect((await admin.patch(`/api/admin/visitors/${s.v.id}/block`, { blocked: true, reason: '扰乱办公秩序' })).statusCode).toBe(200);
    const res = await kiosk.post('/api/kiosk/lobby/find', { phone: s.v.phone });
    expect(res.json().groups[0].main.refusal).toBe('VISITOR_BLOCKED');
    await kiosk.post('/api/kiosk/lobby/find', { phone: s.v.phone });
    const alerts = await t.ctx.db.select().from(securityAlerts).where(and(eq(securityAlerts.visitorId, s.v.id), eq(securityAlerts.source, 'kiosk')));
    expect(alerts).toHaveLength(1);
    const ci = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    expect(ci.json().results[0]).toMatchObject({ ok: false, refusal: 'VISITOR_BLOCKED' });
    expect((await orderRow(t, s.order.id)).status).toBe('cancelled');
    await drain();
    const sms = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, reception.phone));
    expect(sms.some((m) => m.content.includes('安全告警'))).toBe(true);
  });
});

describe('签到', () => {
  it('makes the order 已到达 via the kiosk with the trail entry 访客机：签到 and tells the host; the detail shows how', async () => {
    const s = await confirmedNow();
    const res = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id], temperature: 36.5 });
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ ok: true, order: { status: 'arrived', presence: { arrivedVia: 'kiosk', arrivedWhere: '1号楼大厅访客机' } } });
    const detail = (await s.hostClient.get(`/api/visits/${s.order.id}`)).json();
    expect(detail.trail.at(-1).label['zh-CN']).toBe('访客机：签到');
    expect(detail.trail.at(-1).comment).toContain('体温 36.5℃');
    expect(detail.presence).toMatchObject({ arrivedAt: t.ctx.clock.now().toISOString(), arrivedVia: 'kiosk', leftAt: null });
    await drain();
    const sms = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, s.host.phone));
    expect(sms.some((m) => m.content.includes('已到达'))).toBe(true);
  });

  it('a fever stops it (422 in words) and nothing is written', async () => {
    const s = await confirmedNow();
    const res = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id], temperature: 38.2 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('TEMPERATURE_ABNORMAL');
    expect((await orderRow(t, s.order.id)).status).toBe('confirmed');
  });

  it('the same attempt sent twice (a retry, an offline replay) is applied once and answers the first result', async () => {
    const s = await confirmedNow();
    const body = { orderIds: [s.order.id], idempotencyKey: `ci-${s.order.id}` };
    const [a, b] = await Promise.all([kiosk.post('/api/kiosk/lobby/check-in', body), kiosk.post('/api/kiosk/lobby/check-in', body)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.json().results[0].ok, b.json().results[0].ok]).toEqual([true, true]);
    expect([a.json().replay, b.json().replay].filter(Boolean)).toHaveLength(1);
    const trail = await t.ctx.db.select().from(orderTransitions).where(and(eq(orderTransitions.orderId, s.order.id), eq(orderTransitions.action, 'check_in')));
    expect(trail).toHaveLength(1);
  });

  it('offline: a code verified at the kiosk is accepted later against the moment it was shown', async () => {
    const s = await confirmedNow();
    const code = await s.code();
    const shown = t.ctx.clock.now();
    at(new Date(shown.getTime() + 10 * MIN)); // the network came back ten minutes later
    const res = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id], code, occurredAt: shown.toISOString(), idempotencyKey: `off-${s.order.id}` });
    expect(res.json().results[0].ok).toBe(true);
    expect((await orderRow(t, s.order.id)).arrivedAt!.toISOString()).toBe(shown.toISOString());
    // a code for another order is refused
    const other = await confirmedNow();
    const mismatch = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [other.order.id], code, occurredAt: shown.toISOString() });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.code).toBe('LOBBY_CODE_MISMATCH');
    expect((await orderRow(t, other.order.id)).status).toBe('confirmed');
  });

  it('companions of one main order are found with it and checked in together', async () => {
    at(T0);
    const s = await bookedVisit(t);
    const companion = await s.visitor.post(`/api/visits/${s.order.id}/companions`, { phones: ['13800138999'] });
    expect(companion.statusCode).toBeLessThan(300);
    at(new Date(s.start.getTime() + 5 * MIN));
    const [g] = (await kiosk.post('/api/kiosk/lobby/find', { phone: s.v.phone })).json().groups;
    expect(g.companions).toHaveLength(1);
    expect(g.companions[0].visitor.phoneMasked).toBe('138****8999');
    // the companion has not registered yet: shown, refused as not confirmed; the main goes in
    const res = await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [g.main.id, g.companions[0].id] });
    expect(res.json().results.map((r: { refusal: string | null }) => r.refusal)).toEqual(['NOT_CONFIRMED', 'NOT_CONFIRMED']);
  });
});

describe('签离, exit gate, automatic check-out, overstay, 在场访客', () => {
  it('kiosk 签离 by code records how and when, and the gates drop the person', async () => {
    const s = await confirmedNow();
    const gate = await newGate(admin, [s.building.id]);
    await drain();
    const code = await s.code();
    expect((await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] })).json().results[0].ok).toBe(true);
    await drain();
    expect(held(t, gate.id)).toHaveLength(1);
    const out = await kiosk.post('/api/kiosk/lobby/check-out', { code, idempotencyKey: `co-${s.order.id}` });
    expect(out.statusCode).toBe(200);
    expect(out.json().results[0]).toMatchObject({ ok: true, order: { presence: { leftVia: 'kiosk', leftWhere: '1号楼大厅访客机' } } });
    // the kiosk retries the same attempt (its answer was lost): the first answer, not ALREADY_LEFT
    const retry = await kiosk.post('/api/kiosk/lobby/check-out', { code, idempotencyKey: `co-${s.order.id}` });
    expect(retry.json().results[0]).toMatchObject({ ok: true });
    await drain();
    expect(held(t, gate.id)).toHaveLength(0);
    const detail = (await s.visitor.get(`/api/visits/${s.order.id}`)).json();
    expect(detail.presence).toMatchObject({ leftVia: 'kiosk', leftAt: t.ctx.clock.now().toISOString() });
    expect(detail.trail.at(-1).label['zh-CN']).toBe('访客机：签离');
    // again → in words: already checked out
    expect((await kiosk.post('/api/kiosk/lobby/check-out', { idNumber: await idNumberOf(s.v.id) })).json().results[0].refusal).toBe('ALREADY_LEFT');
    // a pass in after checking out is refused
    const pass = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` }, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) } });
    expect(pass.json()).toMatchObject({ result: 'anomaly', note: 'CHECKED_OUT' });
  });

  it('never checked in → NOT_ON_SITE', async () => {
    const s = await confirmedNow();
    expect((await kiosk.post('/api/kiosk/lobby/check-out', { phone: s.v.phone })).json().results[0].refusal).toBe('NOT_ON_SITE');
  });

  it('an exit gate records the leave (闸机：已离开) and keeps the credential for a return', async () => {
    const s = await confirmedNow();
    const out = await newGate(admin, [s.building.id], { direction: 'out' });
    await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    const res = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, out.id)}` }, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) } });
    expect(res.statusCode).toBe(200);
    const detail = (await s.hostClient.get(`/api/visits/${s.order.id}`)).json();
    expect(detail.presence).toMatchObject({ arrivedVia: 'kiosk', leftVia: 'gate', leftWhere: out.name });
    expect(detail.trail.at(-1).label['zh-CN']).toBe('闸机：已离开');
  });

  it('overstay: listed and told once to host and reception; then checked out automatically', async () => {
    const s = await confirmedNow();
    const reception = await newStaff(t, { unitId: s.unit.id, name: '前台小李', roles: ['reception'] });
    await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    at(new Date(s.end.getTime() + 29 * MIN));
    await drain();
    let list = (await admin.get('/api/admin/on-site')).json();
    expect(list.items.find((i: { orderId: string }) => i.orderId === s.order.id).presence.overstayMinutes).toBeNull();
    at(new Date(s.end.getTime() + 31 * MIN));
    await t.app.inject({ method: 'GET', url: '/api/health' });
    const { OnSiteService } = await import('./on-site.service.js');
    const sweep = new OnSiteService(t.ctx);
    const told = async (phone: string) => {
      await drain();
      return (await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone))).filter((m) => m.content.includes('仍未签离'));
    };
    expect((await sweep.sweep()).overstay).toBeGreaterThanOrEqual(1);
    const toDesk = (await told(reception.phone)).length;
    expect(toDesk).toBeGreaterThanOrEqual(1); // earlier tests' visitors overstay too
    expect(await told(s.host.phone)).toHaveLength(1);
    // the next sweeps tell nobody again
    expect((await sweep.sweep()).overstay).toBe(0);
    expect(await told(s.host.phone)).toHaveLength(1);
    expect(await told(reception.phone)).toHaveLength(toDesk);
    list = (await admin.get('/api/admin/on-site')).json();
    const mine = list.items.find((i: { orderId: string }) => i.orderId === s.order.id);
    expect(mine).toMatchObject({ visitorName: '陈小春', hostName: '姜柠檬', presence: { arrivedVia: 'kiosk', overstayMinutes: 31 } });
    // overstaying first: nobody after an overstayer has been past their end longer
    const minutes = list.items.map((i: { presence: { overstayMinutes: number | null } }) => i.presence.overstayMinutes ?? -1);
    expect(minutes).toEqual([...minutes].sort((a, b) => b - a));
    expect(list.overstaying).toBeGreaterThanOrEqual(1);

    at(new Date(s.end.getTime() + t.ctx.config.VISIT_AUTO_CHECKOUT_MINUTES * MIN + MIN));
    expect((await sweep.sweep()).autoLeft).toBeGreaterThanOrEqual(1);
    expect((await orderRow(t, s.order.id))).toMatchObject({ leftVia: 'auto' });
    list = (await admin.get('/api/admin/on-site')).json();
    expect(list.items.some((i: { orderId: string }) => i.orderId === s.order.id)).toBe(false);
  });

  it('打印 for an evacuation: everyone on site with their and their host\'s phone in full, audited; not for a 单位管理员', async () => {
    const s = await confirmedNow();
    await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    const onScreen = (await admin.get('/api/admin/on-site')).json().items.find((i: { orderId: string }) => i.orderId === s.order.id);
    expect(onScreen.phoneMasked).not.toBe(s.v.phone);
    const res = await admin.get('/api/admin/on-site/evacuation-phones');
    expect(res.statusCode).toBe(200);
    const mine = res.json().items.find((i: { orderId: string }) => i.orderId === s.order.id);
    expect(mine).toEqual({ orderId: s.order.id, phone: s.v.phone, hostPhone: s.host.phone });
    const [entry] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'visit.evacuation_phones_read'));
    expect(entry?.detail).toMatchObject({ count: res.json().items.length });
    expect(JSON.stringify(entry?.detail)).not.toContain(s.v.phone);
    // the center's on-site list is the 系统管理员's (decision 0015): a 单位管理员 is refused
    const other = await newUnit(t, { name: '疏散测试别的单位' });
    await admin.post('/api/admin/admins', { username: 'evac-ua', name: '单位管理员乙', role: 'unit', unitId: other.id, password: 'unit-pass-123' });
    const ua = new Client(t);
    expect((await ua.post('/api/auth/admin/login', { username: 'evac-ua', password: 'unit-pass-123' })).statusCode).toBe(200);
    const theirs = await ua.get('/api/admin/on-site/evacuation-phones');
    expect(theirs.statusCode).toBe(403);
    expect(theirs.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    expect((await new Client(t).get('/api/admin/on-site/evacuation-phones')).statusCode).toBe(401);
    expect((await kiosk.get('/api/admin/on-site/evacuation-phones')).statusCode).toBe(401);
    expect((await s.visitor.get('/api/admin/on-site/evacuation-phones')).statusCode).toBe(401);
  });

  it('访客库 最近来访 is the visitor\'s latest arrival', async () => {
    const s = await confirmedNow();
    const before = (await admin.get(`/api/admin/visitors?q=${s.v.phone}`)).json().items[0];
    expect(before.lastVisitAt).toBeNull();
    const arrival = t.ctx.clock.now();
    await kiosk.post('/api/kiosk/lobby/check-in', { orderIds: [s.order.id] });
    const after = (await admin.get(`/api/admin/visitors?q=${s.v.phone}`)).json().items[0];
    expect(after.lastVisitAt).toBe(arrival.toISOString());
  });

  it('在场访客 is for administrators only', async () => {
    expect((await new Client(t).get('/api/admin/on-site')).statusCode).toBe(401);
    expect((await kiosk.get('/api/admin/on-site')).statusCode).toBe(401);
  });
});
