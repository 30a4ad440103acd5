/**
 * Short SMS links (issue 9): /l/<12-character code> instead of a 276-character signed token, still
 * single-purpose, phone-bound, single-use and expiring — through the HTTP API on a real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { meetingBookings, meetingRooms, shortLinks, smsMessages } from '../../db/schema/index.js';
import { LINK_CODE_LENGTH, newLinkCode } from './links.js';

const PUBLIC_URL = 'https://fk.wzxzzx.gov.cn';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL } });
});
afterAll(() => t.close());

const HOUR = 3600_000;
const SHORT_LINK = new RegExp(`${PUBLIC_URL.replace(/[./]/g, '\\$&')}/l/([0-9A-Za-z]{${LINK_CODE_LENGTH}})$`);
const window = (startInH = 2, lengthH = 2) => {
  const s = new Date(Math.ceil((Date.now() + startInH * HOUR) / (15 * 60_000)) * 15 * 60_000);
  return { startAt: s.toISOString(), endAt: new Date(s.getTime() + lengthH * HOUR).toISOString() };
};

async function smsTo(phone: string): Promise<string> {
  await t.ctx.queue.drain();
  const rows = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, phone));
  if (!rows.length) throw new Error(`no SMS for ${phone}`);
  return rows.at(-1)!.content;
}
/** The code of the short link at the end of the newest SMS to a phone (fails on any other link). */
async function codeFor(phone: string): Promise<string> {
  const text = await smsTo(phone);
  const m = text.match(SHORT_LINK);
  if (!m) throw new Error(`no short link in: ${text}`);
  return m[1]!;
}

async function host() {
  const unit = await newUnit(t);
  const h = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  return { unit, host: h, client: await signInStaff(t, h.phone) };
}
async function invite(visitorPhone: string, w = window()) {
  const h = await host();
  const res = await h.client.post('/api/visits/invitations', { visitorPhone, reason: '商务洽谈', ...w, reviewRequired: true, companionLimit: 0, companionPhones: [] });
  expect(res.statusCode).toBe(201);
  return { ...h, order: res.json() };
}

describe('short SMS links', () => {
  it('a meeting invitation carries a short link: at most 70 characters of link in the SMS', async () => {
    const h = await host();
    const [room] = await t.ctx.db.insert(meetingRooms).values({ name: '第一会议室', capacity: 20, seatingStyles: ['课桌式'], services: ['茶水'] }).returning();
    const w = window(26);
    const [b] = await t.ctx.db
      .insert(meetingBookings)
      .values({ roomId: room!.id, title: '季度工作例会', applicantId: h.host.id, coBookerIds: [], settlementUnitId: h.unit.id, seating: '课桌式', headcount: 10, startAt: new Date(w.startAt), endAt: new Date(w.endAt), status: 'approved' })
      .returning();
    const phone = randomPhone();
    expect((await h.client.post(`/api/bookings/${b!.id}/invitations`, { internal: [], external: [{ name: '赵明远', phone }] })).statusCode).toBe(200);
    const text = await smsTo(phone);
    const link = text.slice(text.indexOf('https://'));
    expect(link).toMatch(SHORT_LINK);
    expect(link.length).toBeLessThanOrEqual(70);
    // before: 300 characters of link, 365 in all
    expect(text.length).toBeLessThan(120);
    // and it opens the meeting it is for
    expect((await new Client(t).get(`/api/links/${await codeFor(phone)}`)).json()).toMatchObject({ purpose: 'meeting', meeting: { title: '季度工作例会' } });
  });

  it('the invitation and companion links are short too, and the code is stored only as its hash', async () => {
    const phone = randomPhone();
    const companion = randomPhone();
    const h = await host();
    const res = await h.client.post('/api/visits/invitations', { visitorPhone: phone, reason: '商务洽谈', ...window(), reviewRequired: true, companionLimit: 2, companionPhones: [companion] });
    expect(res.statusCode).toBe(201);
    const codes = [await codeFor(phone), await codeFor(companion)];
    const rows = await t.ctx.db.select().from(shortLinks);
    const stored = JSON.stringify(rows);
    for (const code of codes) expect(stored).not.toContain(code);
    expect(rows.filter((r) => r.phone === phone || r.phone === companion).map((r) => r.purpose).sort()).toEqual(['companion', 'invitation']);
  });

  it('works once: open, sign in, submit; then LINK_USED — and another phone gets LINK_WRONG_PHONE', async () => {
    const v = await newVisitor(t, { name: '陈小春' });
    const { order } = await invite(v.phone);
    const code = await codeFor(v.phone);
    const c = new Client(t);
    expect((await c.get(`/api/links/${code}`)).json()).toMatchObject({ purpose: 'invitation', registered: true, order: { hostName: '姜*檬' } });
    const other = await signInVisitor(t, (await newVisitor(t)).phone);
    const wrong = await other.post(`/api/links/${code}/submit`, {});
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'LINK_WRONG_PHONE']);
    expect((await c.post(`/api/links/${code}/session`)).json()).toEqual({ registered: true });
    const submitted = await c.post(`/api/links/${code}/submit`, {});
    expect(submitted.json()).toMatchObject({ id: order.id, status: 'pending' });
    for (const again of [await c.post(`/api/links/${code}/submit`, {}), await c.get(`/api/links/${code}`), await new Client(t).post(`/api/links/${code}/session`)]) {
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'LINK_USED']);
    }
    const [row] = (await t.ctx.db.select().from(shortLinks).where(eq(shortLinks.orderId, order.id))).filter((r) => r.purpose === 'invitation');
    expect(row!.usedAt).not.toBeNull();
  });

  it('expires with the visit: LINK_EXPIRED on every link route, in words', async () => {
    const v = await newVisitor(t);
    await invite(v.phone, window(1, 1));
    const code = await codeFor(v.phone);
    const c = await signInVisitor(t, v.phone);
    expect((await new Client(t).get(`/api/links/${code}`)).statusCode).toBe(200);
    t.ctx.clock.set(new Date(Date.now() + 3 * HOUR));
    try {
      for (const res of [await new Client(t).get(`/api/links/${code}`), await new Client(t).post(`/api/links/${code}/session`), await c.post(`/api/links/${code}/submit`, {})]) {
        expect(res.statusCode).toBe(410);
        expect(res.json().error).toMatchObject({ code: 'LINK_EXPIRED', message: { 'zh-CN': '链接已过期', en: 'The link has expired' } });
      }
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('an unknown or malformed code is a clear 400 LINK_INVALID, never a 500', async () => {
    const v = await newVisitor(t);
    await invite(v.phone);
    const code = await codeFor(v.phone);
    const flipped = code.slice(0, -1) + (code.endsWith('a') ? 'b' : 'a');
    for (const bad of [flipped, newLinkCode(), 'NoSuchCode99', 'abc-def-ghi-jkl', 'x'.repeat(40), 'aaaa.bbbb.cccc']) {
      const res = await new Client(t).get(`/api/links/${bad}`);
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'LINK_INVALID']);
      expect(res.json().error.message).toEqual({ 'zh-CN': '链接无效', en: 'The link is not valid' });
    }
  });

  it('a forwarded link works for several companions until it expires', async () => {
    const h = await host();
    const me = await newVisitor(t, { name: '陈小春' });
    const mine = await signInVisitor(t, me.phone);
    const o = (await mine.post('/api/visits/appointments', { hostPhone: h.host.phone, reason: '商务洽谈', ...window(), companionPhones: [], idempotencyKey: randomUUID() })).json();
    const { url } = (await mine.post(`/api/visits/${o.id}/forward-link`)).json();
    expect(url).toMatch(SHORT_LINK);
    const code = url.match(SHORT_LINK)[1];
    for (const name of ['林晓燕', '赵明远']) {
      const friend = await signInVisitor(t, (await newVisitor(t, { name })).phone);
      expect((await friend.post(`/api/links/${code}/submit`, {})).json()).toMatchObject({ origin: 'forward_fill', status: 'pending' });
    }
  });

  it('codes are not guessable: 12 base62 characters from the CSPRNG (> 70 bits), all distinct, every character used', () => {
    const codes = Array.from({ length: 5000 }, newLinkCode);
    for (const c of codes) expect(c).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(new Set(codes).size).toBe(codes.length);
    expect(LINK_CODE_LENGTH * Math.log2(62)).toBeGreaterThan(70);
    const seen = new Set(codes.join(''));
    expect(seen.size).toBe(62);
    // no position is stuck: each one takes many values
    for (let i = 0; i < LINK_CODE_LENGTH; i++) expect(new Set(codes.map((c) => c[i])).size).toBeGreaterThan(55);
  });

  it('transition: a signed link sent before the change still works once, until it expires', async () => {
    const v = await newVisitor(t);
    const { order } = await invite(v.phone);
    const now = Math.floor(Date.now() / 1000);
    const legacy = await new SignJWT({ p: 'invitation', o: order.id, ph: v.phone })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 2 * 3600)
      .sign(t.ctx.crypto.linkKey);
    const c = await signInVisitor(t, v.phone);
    expect((await c.post(`/api/links/${legacy}/submit`, {})).json()).toMatchObject({ id: order.id, status: 'pending' });
    expect((await c.post(`/api/links/${legacy}/submit`, {})).json().error.code).toBe('LINK_USED');
    const forged = await new SignJWT({ p: 'invitation', o: order.id, ph: v.phone }).setProtectedHeader({ alg: 'HS256' }).setJti(randomUUID()).sign(Buffer.alloc(32, 1));
    expect((await c.get(`/api/links/${forged}`)).json().error.code).toBe('LINK_INVALID');
  });
});
