/**
 * The review-rules table of SPEC §2, one test per row, and the "other rules" — through the HTTP API
 * on a real database (PGlite here, PostgreSQL in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { approvalChains, smsMessages, visitOrders, visitors } from '../../db/schema/index.js';
import { TERMS_VERSION } from '../../../../contracts/consent.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HOUR = 3600_000;
const window = (startInH = 2, lengthH = 2) => {
  const s = new Date(Date.now() + startInH * HOUR);
  return { startAt: s.toISOString(), endAt: new Date(s.getTime() + lengthH * HOUR).toISOString() };
};
let keySeq = 0;
const idem = () => `test-key-${Date.now()}-${keySeq++}`;

async function scene(o: { chain?: Array<{ type: 'person'; staffId: string } | { type: 'role'; role: string }>; cc?: string[] } = {}) {
  const unit = await newUnit(t);
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const hostClient = await signInStaff(t, host.phone);
  if (o.chain) await t.ctx.db.insert(approvalChains).values({ unitId: unit.id, kind: 'appointment', nodes: o.chain, ccStaffIds: o.cc ?? [] });
  const me = await newVisitor(t, { name: '陈小春' });
  const visitor = await signInVisitor(t, me.phone);
  return { unit, host, hostClient, me, visitor };
}

async function book(c: Client, hostPhone: string, extra: Record<string, unknown> = {}) {
  const res = await c.post('/api/visits/appointments', { hostPhone, reason: '商务洽谈', ...window(), companionPhones: [], idempotencyKey: idem(), ...extra });
  if (res.statusCode !== 201) throw new Error(`book: ${res.body}`);
  return res.json();
}
const review = (c: Client, id: string, decision: 'approve' | 'reject', comment?: string) => c.post(`/api/visits/${id}/review`, { decision, comment });
const order = async (id: string) => (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, id)))[0]!;

/** The link the outbox holds for a phone. */
async function linkFor(phone: string): Promise<string> {
  await t.ctx.queue.drain();
  const rows = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
  const m = rows.map((r) => r.content.match(/\/l\/([A-Za-z0-9_.-]+)/)?.[1]).filter(Boolean).pop();
  if (!m) throw new Error(`no link for ${phone}: ${rows.map((r) => r.content).join(' | ')}`);
  return m;
}

describe('review-rules table (SPEC §2)', () => {
  it('appointment, main — reviewed by the host, then the approval-chain nodes; always reviewed', async () => {
    const node = await newStaff(t, { name: '审批甲' });
    const s = await scene({ chain: [{ type: 'person', staffId: node.id }] });
    await t.ctx.db.update(approvalChains).set({ unitId: s.unit.id }).where(eq(approvalChains.unitId, s.unit.id));
    const o = await book(s.visitor, s.host.phone);
    expect(o.status).toBe('pending');
    const nodeClient = await signInStaff(t, node.phone);
    expect((await review(nodeClient, o.id, 'approve')).statusCode).toBe(404); // not the node's turn yet
    const afterHost = (await review(s.hostClient, o.id, 'approve')).json();
    expect(afterHost.status).toBe('pending');
    const done = (await review(nodeClient, o.id, 'approve')).json();
    expect(done.status).toBe('confirmed');
    expect(done.trail.map((x: { label: { 'zh-CN': string } }) => x.label['zh-CN'])).toEqual(['访客：提交', '邀约人：审核通过', '审批人：审核通过']);
  });

  it('appointment, sub from companion — known companion is submitted with the main; unknown gets a link, registers, submits; follows the main', async () => {
    const s = await scene();
    const known = await newVisitor(t, { name: '林晓燕' });
    const unknownPhone = randomPhone();
    const o = await book(s.visitor, s.host.phone, { companionPhones: [known.phone, unknownPhone] });
    const [k, u] = o.companions;
    expect(k).toMatchObject({ origin: 'companion', status: 'pending', name: '林晓燕' });
    expect(u).toMatchObject({ origin: 'companion', status: 'initiated', name: null });
    // the unknown companion opens the SMS link, is signed in by it, registers, submits
    const token = await linkFor(unknownPhone);
    const c = new Client(t);
    expect((await c.get(`/api/links/${token}`)).json()).toMatchObject({ purpose: 'companion', registered: false });
    expect((await c.post(`/api/links/${token}/session`)).json()).toEqual({ registered: false });
    expect((await c.post('/api/visitor/register', { name: '赵明远', idType: 'prc_id', idNumber: validIdNumber(7), termsVersion: TERMS_VERSION })).statusCode).toBe(200);
    const sub = (await c.post(`/api/links/${token}/submit`, {})).json();
    expect(sub.status).toBe('pending');
    // companions are nobody's to review
    expect((await review(s.hostClient, k.id, 'approve')).statusCode).toBe(404);
    // main confirmed → subs confirmed
    await review(s.hostClient, o.id, 'approve');
    expect((await order(k.id)).status).toBe('confirmed');
    expect((await order(u.id)).status).toBe('confirmed');
    // the link works once
    expect((await c.post(`/api/links/${token}/submit`, {})).json().error.code).toBe('LINK_USED');
  });

  it('appointment, sub from companion — main rejected → companions cancelled (cascaded)', async () => {
    const s = await scene();
    const known = await newVisitor(t);
    const o = await book(s.visitor, s.host.phone, { companionPhones: [known.phone, randomPhone()] });
    const rejected = (await review(s.hostClient, o.id, 'reject', '时间冲突')).json();
    expect(rejected).toMatchObject({ status: 'cancelled', cancelReason: 'rejected' });
    expect(rejected.companions.map((c: { status: string; cancelReason: string }) => [c.status, c.cancelReason])).toEqual([
      ['cancelled', 'cascaded'],
      ['cancelled', 'cascaded'],
    ]);
    expect(rejected.trail.at(-1)).toMatchObject({ comment: '时间冲突', label: { 'zh-CN': '邀约人：审核不通过' } });
  });

  it('appointment, sub from help_fill — the host reviews it separately; an unknown companion is registered from the details', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone);
    const phone = randomPhone();
    const res = await s.visitor.post(`/api/visits/${o.id}/help-fill`, { name: '王芳', phone, idType: 'prc_id', idNumber: validIdNumber(11) });
    expect(res.statusCode).toBe(201);
    const sub = res.json();
    expect(sub).toMatchObject({ origin: 'help_fill', status: 'pending', parentId: o.id });
    const [registered] = await t.ctx.db.select().from(visitors).where(eq(visitors.phone, phone));
    expect(registered).toMatchObject({ name: '王芳', registeredVia: 'help_fill' });
    expect(registered!.idNumberEnc).not.toContain(validIdNumber(11).slice(6));
    // independent of the main: the host rejects the sub, approves the main
    expect((await review(s.hostClient, sub.id, 'reject')).json().status).toBe('cancelled');
    expect((await review(s.hostClient, o.id, 'approve')).json().status).toBe('confirmed');
    expect((await order(sub.id)).status).toBe('cancelled');
  });

  it('appointment, sub from forward_fill — companion signs in, submits through the forwarded link; reviewed separately; 转发邀请人 shown', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone);
    const { url } = (await s.visitor.post(`/api/visits/${o.id}/forward-link`)).json();
    const token = url.split('/l/')[1];
    const friend = await newVisitor(t, { name: '林晓燕' });
    const fc = await signInVisitor(t, friend.phone);
    const sub = (await fc.post(`/api/links/${token}/submit`, {})).json();
    expect(sub).toMatchObject({ origin: 'forward_fill', status: 'pending', forwardedBy: '陈小春' });
    expect((await review(s.hostClient, sub.id, 'approve')).json().status).toBe('confirmed');
    expect((await order(o.id)).status).toBe('pending');
    // the same companion can't use it twice
    expect((await fc.post(`/api/links/${token}/submit`, {})).json().error.code).toBe('COMPANION_DUPLICATE');
  });

  it('invitation, main — review on: the visitor gets a link, registers, submits → pending; the host reviews', async () => {
    const s = await scene();
    const phone = randomPhone();
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: phone, name: '李雷', reason: '座谈', ...window(), reviewRequired: true, companionLimit: 0, companionPhones: [] })).json();
    expect(inv.status).toBe('initiated');
    const token = await linkFor(phone);
    const c = new Client(t);
    await c.post(`/api/links/${token}/session`);
    await c.post('/api/visitor/register', { name: '李雷', idType: 'prc_id', idNumber: validIdNumber(21), termsVersion: TERMS_VERSION });
    expect((await c.post(`/api/links/${token}/submit`, {})).json().status).toBe('pending');
    expect((await review(s.hostClient, inv.id, 'approve')).json().status).toBe('confirmed');
  });

  it('invitation, main — review off: confirmed on submission', async () => {
    const s = await scene();
    const v = await newVisitor(t);
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: v.phone, reason: '座谈', ...window(), reviewRequired: false, companionLimit: 0, companionPhones: [] })).json();
    const token = await linkFor(v.phone);
    const c = await signInVisitor(t, v.phone);
    expect((await c.post(`/api/links/${token}/submit`, {})).json().status).toBe('confirmed');
    expect((await review(s.hostClient, inv.id, 'approve')).statusCode).toBe(404);
  });

  it('invitation, any sub — nobody reviews; subs of all three origins follow the main', async () => {
    const s = await scene();
    const v = await newVisitor(t, { name: '主访客' });
    const companionPhone = randomPhone();
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: v.phone, reason: '座谈', ...window(), reviewRequired: true, companionLimit: 3, companionPhones: [companionPhone] })).json();
    const c = await signInVisitor(t, v.phone);
    await c.post(`/api/links/${await linkFor(v.phone)}/submit`, {});
    // help_fill and forward_fill subs on the invitation
    const hf = (await c.post(`/api/visits/${inv.id}/help-fill`, { name: '帮填', phone: randomPhone(), idType: 'prc_id', idNumber: validIdNumber(31) })).json();
    expect(hf.status).toBe('pending');
    const { url } = (await c.post(`/api/visits/${inv.id}/forward-link`)).json();
    const f = await newVisitor(t);
    const ff = (await (await signInVisitor(t, f.phone)).post(`/api/links/${url.split('/l/')[1]}/submit`, {})).json();
    expect(ff.status).toBe('pending');
    for (const id of [hf.id, ff.id]) expect((await review(s.hostClient, id, 'approve')).statusCode).toBe(404);
    await review(s.hostClient, inv.id, 'approve');
    expect((await order(hf.id)).status).toBe('confirmed');
    expect((await order(ff.id)).status).toBe('confirmed');
    // the companion who had not submitted yet takes the main's state when they do
    const cc = new Client(t);
    const tok = await linkFor(companionPhone);
    await cc.post(`/api/links/${tok}/session`);
    await cc.post('/api/visitor/register', { name: '同行', idType: 'prc_id', idNumber: validIdNumber(41), termsVersion: TERMS_VERSION });
    expect((await cc.post(`/api/links/${tok}/submit`, {})).json().status).toBe('confirmed');
    // the main order's visitor can open each companion's order
    const companions = (await c.get(`/api/visits/${inv.id}`)).json().companions as Array<{ id: string }>;
    expect(companions).toHaveLength(3);
    for (const sub of companions) expect((await c.get(`/api/visits/${sub.id}`)).statusCode).toBe(200);
  });
});

describe('other rules (SPEC §2)', () => {
  it('only staff with visit permission can be found as hosts — otherwise 无此受访人', async () => {
    const s = await scene();
    const off = await newStaff(t, { visitPermission: false });
    for (const phone of [off.phone, randomPhone()]) {
      const res = await s.visitor.post('/api/visits/appointments', { hostPhone: phone, reason: 'x', ...window(), companionPhones: [] });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'HOST_NOT_FOUND', message: { 'zh-CN': '无此受访人', en: 'No such host' } });
    }
  });

  it('the trail shows one entry per action: a booking is one 提交; an invitation the visitor submits keeps 发起 and 提交', async () => {
    const s = await scene();
    const labels = (o: { trail: Array<{ label: { 'zh-CN': string }; fromStatus: string | null }> }) => o.trail.map((x) => x.label['zh-CN']);
    const booked = await book(s.visitor, s.host.phone);
    expect(labels(booked)).toEqual(['访客：提交']);
    expect(booked.trail[0]).toMatchObject({ action: 'submit', fromStatus: null, toStatus: 'pending' });
    expect(labels((await s.hostClient.get(`/api/visits/${booked.id}`)).json())).toEqual(['访客：提交']);

    const v = await newVisitor(t);
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: v.phone, reason: '座谈', ...window(), reviewRequired: true, companionLimit: 0, companionPhones: [] })).json();
    const c = await signInVisitor(t, v.phone);
    const submitted = (await c.post(`/api/links/${await linkFor(v.phone)}/submit`, {})).json();
    expect(submitted.id).toBe(inv.id);
    expect(labels(submitted)).toEqual(['邀约人：发起', '访客：提交']);
  });

  it('sub orders can never create subs', async () => {
    const s = await scene();
    const known = await newVisitor(t);
    const o = await book(s.visitor, s.host.phone, { companionPhones: [known.phone] });
    const kc = await signInVisitor(t, known.phone);
    const subId = o.companions[0].id;
    const sub = (await kc.get(`/api/visits/${subId}`)).json();
    expect(sub.actions).toMatchObject({ helpFill: false, forward: false, addCompanions: false });
    const res = await kc.post(`/api/visits/${subId}/help-fill`, { name: 'x', phone: randomPhone(), idType: 'prc_id', idNumber: validIdNumber(51) });
    expect(res.json().error.code).toBe('SUB_CANNOT_HAVE_SUBS');
    expect((await kc.post(`/api/visits/${subId}/forward-link`)).json().error.code).toBe('SUB_CANNOT_HAVE_SUBS');
  });

  it('invitation companion limit counts subs of all three origins; at the limit the buttons go and the API refuses', async () => {
    const s = await scene();
    const v = await newVisitor(t);
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: v.phone, reason: 'x', ...window(), reviewRequired: false, companionLimit: 2, companionPhones: [randomPhone()] })).json();
    const c = await signInVisitor(t, v.phone);
    await c.post(`/api/links/${await linkFor(v.phone)}/submit`, {});
    expect((await c.post(`/api/visits/${inv.id}/help-fill`, { name: '二', phone: randomPhone(), idType: 'prc_id', idNumber: validIdNumber(61) })).statusCode).toBe(201);
    const full = (await c.get(`/api/visits/${inv.id}`)).json();
    expect(full.actions).toMatchObject({ helpFill: false, forward: false, addCompanions: false });
    expect((await c.post(`/api/visits/${inv.id}/help-fill`, { name: '三', phone: randomPhone(), idType: 'prc_id', idNumber: validIdNumber(62) })).json().error.code).toBe('COMPANION_LIMIT_REACHED');
    expect((await c.post(`/api/visits/${inv.id}/companions`, { phones: [randomPhone()] })).json().error.code).toBe('COMPANION_LIMIT_REACHED');
    expect((await s.hostClient.post('/api/visits/invitations', { visitorPhone: randomPhone(), reason: 'x', ...window(), reviewRequired: false, companionLimit: 1, companionPhones: [randomPhone(), randomPhone()] })).json().error.code).toBe('COMPANION_LIMIT_REACHED');
  });

  it('the companion limit holds under concurrent requests (row lock)', async () => {
    const s = await scene();
    const v = await newVisitor(t);
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: v.phone, reason: 'x', ...window(), reviewRequired: false, companionLimit: 2, companionPhones: [] })).json();
    const c = await signInVisitor(t, v.phone);
    await c.post(`/api/links/${await linkFor(v.phone)}/submit`, {});
    const results = await Promise.all(Array.from({ length: 6 }, (_x, i) => c.post(`/api/visits/${inv.id}/help-fill`, { name: `并发${i}`, phone: randomPhone(), idType: 'prc_id', idNumber: validIdNumber(70 + i) })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(2);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'COMPANION_LIMIT_REACHED')).toBe(true);
    const subs = await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.parentId, inv.id));
    expect(subs).toHaveLength(2);
  });

  it('添加同行人员: only the visitor adds companions to their appointment; the host only to an invitation — no SMS to numbers the host picks', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone);
    const seen = (await s.hostClient.get(`/api/visits/${o.id}`)).json();
    expect(seen.actions.addCompanions).toBe(false);
    const stranger = randomPhone();
    const res = await s.hostClient.post(`/api/visits/${o.id}/companions`, { phones: [stranger] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    await t.ctx.queue.drain();
    expect(await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.parentId, o.id))).toHaveLength(0);
    expect(await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, stranger))).toHaveLength(0);
    // the visitor adds to their own appointment; the host adds to their invitation
    expect((await s.visitor.post(`/api/visits/${o.id}/companions`, { phones: [randomPhone()] })).json().companions).toHaveLength(1);
    const inv = (await s.hostClient.post('/api/visits/invitations', { visitorPhone: randomPhone(), reason: 'x', ...window(), reviewRequired: false, companionLimit: 3, companionPhones: [] })).json();
    expect(inv.actions.addCompanions).toBe(true);
    const added = await s.hostClient.post(`/api/visits/${inv.id}/companions`, { phones: [randomPhone()] });
    expect(added.statusCode).toBe(200);
    expect(added.json().companions).toHaveLength(1);
  });

  it('appointment companions have no limit', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone, { companionPhones: Array.from({ length: 12 }, () => randomPhone()) });
    expect(o.companions).toHaveLength(12);
    expect(o.actions.addCompanions).toBe(true);
  });

  it.each([
    ['end before start', () => ({ startAt: new Date(Date.now() + 3 * HOUR).toISOString(), endAt: new Date(Date.now() + 2 * HOUR).toISOString() }), 'WINDOW_END_BEFORE_START'],
    ['start in the past', () => ({ startAt: new Date(Date.now() - 3 * HOUR).toISOString(), endAt: new Date(Date.now() + 2 * HOUR).toISOString() }), 'WINDOW_IN_PAST'],
    ['longer than the unit allows (24 h)', () => ({ startAt: new Date(Date.now() + HOUR).toISOString(), endAt: new Date(Date.now() + 30 * HOUR).toISOString() }), 'WINDOW_TOO_LONG'],
  ])('window rule: %s → %s, nothing stored', async (_n, w, code) => {
    const s = await scene();
    const res = await s.visitor.post('/api/visits/appointments', { hostPhone: s.host.phone, reason: 'x', ...w(), companionPhones: [randomPhone()] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.visitorId, s.me.id))).toHaveLength(0);
  });

  it('a pending order whose end passed is cancelled as expired by the scheduled job', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone, { ...window(1, 1) });
    t.ctx.clock.set(new Date(Date.now() + 3 * HOUR));
    try {
      await t.ctx.queue.drain();
      expect(await order(o.id)).toMatchObject({ status: 'cancelled', cancelReason: 'expired' });
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('a blocked visitor cannot submit', async () => {
    const s = await scene();
    await t.ctx.db.update(visitors).set({ blocked: true }).where(eq(visitors.id, s.me.id));
    const res = await s.visitor.post('/api/visits/appointments', { hostPhone: s.host.phone, reason: 'x', ...window(), companionPhones: [] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('VISITOR_BLOCKED');
  });

  it('the answer to a booking is the order as it reads back — chain, CC, companions, plate — and a repeat with its key gets the same', async () => {
    const node = await newStaff(t, { name: '审批甲' });
    const cc = await newStaff(t, { name: '抄送乙' });
    const s = await scene({ chain: [{ type: 'person', staffId: node.id }, { type: 'role', role: 'approver' }], cc: [cc.id] });
    const known = await newVisitor(t, { name: '林晓燕' });
    const body = { hostPhone: s.host.phone, reason: '商务洽谈', ...window(), plate: '浙C12345', companionPhones: [known.phone, randomPhone()], idempotencyKey: idem() };
    const res = await s.visitor.post('/api/visits/appointments', body);
    expect(res.statusCode).toBe(201);
    const answer = res.json();
    expect(answer).toMatchObject({ status: 'pending', vehicle: { plate: '浙C12345', status: 'pending' } });
    expect(answer.chain).toEqual([
      { position: 1, name: '审批甲', status: 'waiting' },
      { position: 2, name: 'approver', status: 'waiting' },
    ]);
    expect(answer.companions.map((c: { name: string | null; status: string }) => [c.name, c.status])).toEqual([
      ['林晓燕', 'pending'],
      [null, 'initiated'],
    ]);
    expect((await s.visitor.get(`/api/visits/${answer.id}`)).json()).toEqual(answer);
    const again = await s.visitor.post('/api/visits/appointments', body);
    expect(again.json()).toEqual(answer);
  });

  it('double submit with one idempotency key makes one order', async () => {
    const s = await scene();
    const body = { hostPhone: s.host.phone, reason: 'x', ...window(), companionPhones: [], idempotencyKey: idem() };
    const [a, b] = await Promise.all([s.visitor.post('/api/visits/appointments', body), s.visitor.post('/api/visits/appointments', body)]);
    expect(a.json().id).toBe(b.json().id);
    expect(await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.visitorId, s.me.id))).toHaveLength(1);
  });

  it('取消预约 before arrival; cancelling the main cancels its companions; cancelled can’t be cancelled again', async () => {
    const s = await scene();
    const known = await newVisitor(t);
    const o = await book(s.visitor, s.host.phone, { companionPhones: [known.phone] });
    const res = (await s.visitor.post(`/api/visits/${o.id}/cancel`, {})).json();
    expect(res).toMatchObject({ status: 'cancelled', cancelReason: 'withdrawn_by_visitor' });
    expect(res.companions[0]).toMatchObject({ status: 'cancelled', cancelReason: 'cascaded' });
    expect((await s.visitor.post(`/api/visits/${o.id}/cancel`, {})).json().error.code).toBe('ORDER_NOT_CANCELLABLE');
  });

  it('link tokens: tampered → LINK_INVALID; expired → LINK_EXPIRED; another phone → LINK_WRONG_PHONE', async () => {
    const s = await scene();
    const phone = randomPhone();
    await s.hostClient.post('/api/visits/invitations', { visitorPhone: phone, reason: 'x', ...window(1, 1), reviewRequired: true, companionLimit: 0, companionPhones: [] });
    const token = await linkFor(phone);
    expect((await new Client(t).get(`/api/links/${token.slice(0, -3)}abc`)).json().error.code).toBe('LINK_INVALID');
    const other = await signInVisitor(t, (await newVisitor(t)).phone);
    expect((await other.post(`/api/links/${token}/submit`, {})).json().error.code).toBe('LINK_WRONG_PHONE');
    t.ctx.clock.set(new Date(Date.now() + 3 * HOUR));
    try {
      expect((await new Client(t).get(`/api/links/${token}`)).json().error.code).toBe('LINK_EXPIRED');
    } finally {
      t.ctx.clock.set(null);
    }
  });
});

describe('access', () => {
  it('no session → 401; another visitor’s order → 404; reviewing an order one may not review → 404', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone);
    expect((await new Client(t).get(`/api/visits/${o.id}`)).statusCode).toBe(401);
    expect((await new Client(t).post('/api/visits/appointments', { hostPhone: s.host.phone, reason: 'x', ...window(), companionPhones: [] })).statusCode).toBe(401);
    const stranger = await signInVisitor(t, (await newVisitor(t)).phone);
    expect((await stranger.get(`/api/visits/${o.id}`)).statusCode).toBe(404);
    expect((await stranger.post(`/api/visits/${o.id}/cancel`, {})).statusCode).toBe(404);
    const otherStaff = await signInStaff(t, (await newStaff(t)).phone);
    expect((await review(otherStaff, o.id, 'approve')).statusCode).toBe(404);
    expect((await otherStaff.get(`/api/visits/${o.id}`)).statusCode).toBe(404);
  });

  it('bad input → 400 with a stable code', async () => {
    const s = await scene();
    expect((await s.visitor.post('/api/visits/appointments', { hostPhone: s.host.phone })).json().error.code).toBe('VALIDATION_FAILED');
    expect((await s.visitor.post('/api/visits/appointments', { hostPhone: '123', reason: 'x', ...window(), companionPhones: [] })).json().error.code).toBe('PHONE_INVALID');
    expect((await s.visitor.post('/api/visits/appointments', { hostPhone: s.host.phone, reason: 'x', ...window(), companionPhones: ['13800000000', '13800000000'] })).json().error.code).toBe('COMPANION_DUPLICATE');
    expect((await s.visitor.get('/api/visits/not-a-uuid')).statusCode).toBe(400);
  });

  it('审批中心: 待处理 / 已处理 / 抄送我 and the badge count', async () => {
    const cc = await newStaff(t);
    const s = await scene({ chain: [], cc: [cc.id] });
    const o = await book(s.visitor, s.host.phone);
    expect((await s.hostClient.get('/api/approvals/counts')).json()).toEqual({ visitsPending: 1, meetingsPending: 0, vehiclesPending: 0, personnelPending: 0, personnelReviewer: false });
    expect((await s.hostClient.get('/api/approvals/visits?tab=pending')).json().items.map((x: { id: string }) => x.id)).toEqual([o.id]);
    await review(s.hostClient, o.id, 'approve');
    expect((await s.hostClient.get('/api/approvals/counts')).json()).toEqual({ visitsPending: 0, meetingsPending: 0, vehiclesPending: 0, personnelPending: 0, personnelReviewer: false });
    expect((await s.hostClient.get('/api/approvals/visits?tab=done')).json().total).toBe(1);
    const ccClient = await signInStaff(t, cc.phone);
    expect((await ccClient.get('/api/approvals/visits?tab=cc')).json().items.map((x: { id: string }) => x.id)).toEqual([o.id]);
    expect((await ccClient.get(`/api/visits/${o.id}`)).statusCode).toBe(200);
  });

  it('审批中心: the badge and 待处理 follow the order along its chain — the host, a person node, then a role held in the order’s unit', async () => {
    const node = await newStaff(t, { name: '审批甲' });
    const s = await scene({ chain: [{ type: 'person', staffId: node.id }, { type: 'role', role: 'approver' }] });
    const leader = await newStaff(t, { unitId: s.unit.id, roles: ['staff', 'approver'] });
    const elsewhere = await newStaff(t, { roles: ['staff', 'approver'] }); // the role, in another unit
    const [nodeClient, leaderClient, elsewhereClient] = await Promise.all([node, leader, elsewhere].map((x) => signInStaff(t, x.phone)));
    const o = await book(s.visitor, s.host.phone);
    const badges = async () => Promise.all([s.hostClient, nodeClient, leaderClient, elsewhereClient].map(async (c) => (await c.get('/api/approvals/counts')).json().visitsPending));
    const waiting = async (c: Client) => (await c.get('/api/approvals/visits?tab=pending')).json().items.map((x: { id: string }) => x.id);
    expect(await badges()).toEqual([1, 0, 0, 0]);
    await review(s.hostClient, o.id, 'approve');
    expect(await badges()).toEqual([0, 1, 0, 0]);
    expect(await waiting(nodeClient)).toEqual([o.id]);
    expect(await waiting(s.hostClient)).toEqual([]);
    await review(nodeClient, o.id, 'approve');
    expect(await badges()).toEqual([0, 0, 1, 0]);
    expect(await waiting(leaderClient)).toEqual([o.id]);
    expect(await waiting(elsewhereClient)).toEqual([]);
    expect((await review(leaderClient, o.id, 'approve')).json().status).toBe('confirmed');
    expect(await badges()).toEqual([0, 0, 0, 0]);
  });

  it('我的预约: 查看最近 (today on) and 查看历史记录 (before today), with status filter', async () => {
    const s = await scene();
    const o = await book(s.visitor, s.host.phone);
    const recent = (await s.visitor.get('/api/visits/mine?scope=recent')).json();
    expect(recent.items.map((x: { id: string }) => x.id)).toEqual([o.id]);
    expect(recent.items[0].host.name).toBe('姜*檬');
    expect((await s.visitor.get('/api/visits/mine?scope=history')).json().total).toBe(0);
    expect((await s.visitor.get('/api/visits/mine?scope=recent&status=confirmed')).json().total).toBe(0);
    expect((await s.visitor.get('/api/visits/mine?scope=recent&status=pending')).json().total).toBe(1);
    expect((await s.hostClient.get('/api/visits/hosted?scope=recent')).json().items[0].host.name).toBe('姜柠檬');
  });

  it('我的预约 pages: each page its orders, newest first, and the total — also on a page past the end', async () => {
    const s = await scene();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await book(s.visitor, s.host.phone, window(2 + i))).id);
    const page = (n: number) => s.visitor.get(`/api/visits/mine?scope=recent&page=${n}&pageSize=2`).then((r) => r.json());
    const [one, two, three] = [await page(1), await page(2), await page(3)];
    expect(one.items.map((x: { id: string }) => x.id)).toEqual([ids[2], ids[1]]);
    expect(two.items.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
    expect([one.total, two.total, three.total]).toEqual([3, 3, 3]);
    expect(three.items).toEqual([]);
  });
});
