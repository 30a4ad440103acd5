import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, lastCode, nextRateWindow, pinInsideRateWindow, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newVisitor, newAdminClient } from '../../test/factories.js';
import { jobs, smsCodes } from '../../db/schema/index.js';
import { STAFF_PASSWORD_WINDOW_S } from './identity.rules.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const send = (c: Client, phone: string, purpose = 'visitor_login') => c.post('/api/auth/sms-codes', { phone, purpose });

describe('SMS login codes (X1)', () => {
  it('rejects a phone that is not 11 digits with PHONE_INVALID, in zh-CN and en', async () => {
    const res = await send(new Client(t), '1380000');
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('PHONE_INVALID');
    const res2 = await send(new Client(t), '23800000000');
    expect(res2.json().error).toMatchObject({ code: 'PHONE_INVALID', message: { 'zh-CN': '手机号码应为11位数字', en: expect.any(String) } });
  });

  it('sends a 6-digit code to the outbox and stores only its hash', async () => {
    const phone = '13911110001';
    expect((await send(new Client(t), phone)).statusCode).toBe(200);
    const code = await lastCode(t, phone);
    expect(code).toMatch(/^\d{6}$/);
    const rows = await t.ctx.db.select().from(smsCodes).where(eq(smsCodes.phone, phone));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.codeHash).not.toContain(code);
    const queued = await t.ctx.db.select().from(jobs);
    expect(JSON.stringify(queued)).not.toContain(code);
  });

  it('refuses a second code within 60 seconds, allows it after', async () => {
    const phone = '13911110002';
    const c = new Client(t);
    expect((await send(c, phone)).statusCode).toBe(200);
    const again = await send(c, phone);
    expect(again.statusCode).toBe(429);
    expect(again.json().error.code).toBe('SMS_TOO_SOON');
    t.ctx.clock.set(new Date(Date.now() + 61_000));
    expect((await send(c, phone)).statusCode).toBe(200);
    t.ctx.clock.set(null);
  });

  it('the 60-second gap is per phone, whatever the purpose: a visitor code then a staff code is refused, allowed after', async () => {
    const s = await newStaff(t, { phone: '13911110019' });
    const c = new Client(t);
    expect((await send(c, s.phone, 'visitor_login')).statusCode).toBe(200);
    const staffCode = await send(c, s.phone, 'staff_login');
    expect(staffCode.statusCode).toBe(429);
    expect(staffCode.json().error.code).toBe('SMS_TOO_SOON');
    t.ctx.clock.set(new Date(Date.now() + 61_000));
    expect((await send(c, s.phone, 'staff_login')).statusCode).toBe(200);
    expect((await send(c, s.phone, 'visitor_login')).json().error.code).toBe('SMS_TOO_SOON');
    t.ctx.clock.set(null);
  });

  it('the gap does not tell staff phones from others: an unknown phone answers staff-code requests exactly as a staff phone does, and gets no SMS', async () => {
    const s = await newStaff(t, { phone: '13911110020' });
    const answers = async (phone: string) => {
      const c = new Client(t);
      return [(await send(c, phone, 'staff_login')).statusCode, (await send(c, phone, 'staff_login')).statusCode, (await send(c, phone, 'visitor_login')).statusCode];
    };
    expect(await answers(s.phone)).toEqual([200, 429, 429]);
    expect(await answers('13911110021')).toEqual([200, 429, 429]);
    await expect(lastCode(t, '13911110021')).rejects.toThrow();
  });

  it('limits sends per IP per hour', async () => {
    const c = new Client(t, '10.9.9.9');
    const release = pinInsideRateWindow(t, 3600);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await send(c, `1370000${String(1000 + i)}`)).statusCode);
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
      expect(statuses[30]).toBe(429);
    } finally {
      release();
    }
  });

  it('new phone: login succeeds but is sent to registration', async () => {
    const phone = '13911110003';
    const c = new Client(t);
    await send(c, phone);
    const res = await c.post('/api/auth/visitor/login', { phone, code: await lastCode(t, phone) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ registered: false });
    expect(res.cookies.find((k: { name: string }) => k.name === 'sg_visitor')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'phone', phone });
  });

  it('a code works once; a reused code is refused as expired', async () => {
    const v = await newVisitor(t, { phone: '13911110004' });
    const c = new Client(t);
    await send(c, v.phone);
    const code = await lastCode(t, v.phone);
    const ok = await c.post('/api/auth/visitor/login', { phone: v.phone, code });
    expect(ok.json()).toEqual({ registered: true });
    const again = await new Client(t).post('/api/auth/visitor/login', { phone: v.phone, code });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('SMS_CODE_EXPIRED');
  });

  it('a code expires after 5 minutes', async () => {
    const phone = '13911110005';
    const c = new Client(t);
    await send(c, phone);
    const code = await lastCode(t, phone);
    t.ctx.clock.set(new Date(Date.now() + 5 * 60_000 + 1000));
    const res = await c.post('/api/auth/visitor/login', { phone, code });
    t.ctx.clock.set(null);
    expect(res.json().error.code).toBe('SMS_CODE_EXPIRED');
  });

  it('after 5 wrong tries even the right code is refused', async () => {
    const phone = '13911110006';
    const c = new Client(t);
    await send(c, phone);
    const code = await lastCode(t, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await c.post('/api/auth/visitor/login', { phone, code: wrong })).json().error.code);
    expect(codes).toEqual(['SMS_CODE_INVALID', 'SMS_CODE_INVALID', 'SMS_CODE_INVALID', 'SMS_CODE_INVALID', 'SMS_CODE_INVALID']);
    const right = await c.post('/api/auth/visitor/login', { phone, code });
    expect(right.json().error.code).toBe('SMS_CODE_TOO_MANY_TRIES');
  });

  it('a code for visitor login does not sign a staff member in', async () => {
    const s = await newStaff(t, { phone: '13911110007' });
    const c = new Client(t);
    await send(c, s.phone, 'visitor_login');
    const res = await c.post('/api/auth/staff/login', { phone: s.phone, code: await lastCode(t, s.phone) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('SMS_CODE_EXPIRED');
  });

  it('staff sign in by SMS code and by password', async () => {
    const s = await newStaff(t, { phone: '13911110008', password: 'correct-horse' });
    const c = new Client(t);
    await send(c, s.phone, 'staff_login');
    expect((await c.post('/api/auth/staff/login', { phone: s.phone, code: await lastCode(t, s.phone) })).statusCode).toBe(200);
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'staff', name: s.name });
    const p = new Client(t);
    expect((await p.post('/api/auth/staff/login', { phone: s.phone, password: 'nope' })).json().error.code).toBe('LOGIN_FAILED');
    expect((await p.post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).statusCode).toBe(200);
  });

  it('staff password: only failures count — many successful sign-ins never lock; 5 wrong passwords from one address lock it there, then even the right one is refused with a hint to use an SMS code', async () => {
    const s = await newStaff(t, { phone: '13911110018', password: 'correct-horse' });
    onTestFinished(pinInsideRateWindow(t, STAFF_PASSWORD_WINDOW_S)); // the failures counted in one window
    const ip = '10.77.0.1';
    for (let i = 0; i < 8; i++) expect((await new Client(t, ip).post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).statusCode).toBe(200);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await new Client(t, ip).post('/api/auth/staff/login', { phone: s.phone, password: 'nope' })).json().error.code);
    expect(codes).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'PASSWORD_LOGIN_LOCKED']);
    const locked = await new Client(t, ip).post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error).toMatchObject({ code: 'PASSWORD_LOGIN_LOCKED', message: { 'zh-CN': expect.stringContaining('验证码登录'), en: expect.stringContaining('SMS code') } });
  });

  it('wrong passwords from one address do not lock the staff member out elsewhere', async () => {
    const s = await newStaff(t, { phone: '13911110022', password: 'correct-horse' });
    onTestFinished(pinInsideRateWindow(t, STAFF_PASSWORD_WINDOW_S)); // the failures counted in one window
    for (let i = 0; i < 6; i++) await new Client(t, '10.77.0.2').post('/api/auth/staff/login', { phone: s.phone, password: 'nope' });
    expect((await new Client(t, '10.77.0.2').post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).json().error.code).toBe('PASSWORD_LOGIN_LOCKED');
    // the staff member's own phone, on another address, still signs in by password
    const own = new Client(t, '10.77.0.3');
    expect((await own.post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).statusCode).toBe(200);
    expect((await own.get('/api/auth/me?scope=staff')).json()).toMatchObject({ type: 'staff', id: s.id });
  });

  it('a successful SMS-code sign-in lifts the password lock for that phone (on every address), within the same 15 minutes', async () => {
    const s = await newStaff(t, { phone: '13911110023', password: 'correct-horse' });
    const at = nextRateWindow(STAFF_PASSWORD_WINDOW_S); // the start of a 15-minute window
    t.ctx.clock.set(new Date(at));
    try {
      for (const ip of ['10.77.0.4', '10.77.0.5']) for (let i = 0; i < 5; i++) await new Client(t, ip).post('/api/auth/staff/login', { phone: s.phone, password: 'nope' });
      const c = new Client(t, '10.77.0.4');
      expect((await c.post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).json().error.code).toBe('PASSWORD_LOGIN_LOCKED');
      // a wrong code lifts nothing
      await send(c, s.phone, 'staff_login');
      const code = await lastCode(t, s.phone);
      expect((await c.post('/api/auth/staff/login', { phone: s.phone, code: code === '000000' ? '111111' : '000000' })).statusCode).toBe(400);
      expect((await c.post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).json().error.code).toBe('PASSWORD_LOGIN_LOCKED');
      expect((await c.post('/api/auth/staff/login', { phone: s.phone, code })).statusCode).toBe(200);
      t.ctx.clock.set(new Date(at + 60_000));
      for (const ip of ['10.77.0.4', '10.77.0.5']) expect((await new Client(t, ip).post('/api/auth/staff/login', { phone: s.phone, password: 'correct-horse' })).statusCode, ip).toBe(200);
      // and the count starts again: 5 new failures lock again
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await new Client(t, '10.77.0.4').post('/api/auth/staff/login', { phone: s.phone, password: 'nope' })).json().error.code);
      expect(codes.at(-1)).toBe('PASSWORD_LOGIN_LOCKED');
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('an unknown staff phone gets the same answer and no SMS', async () => {
    const res = await send(new Client(t), '13911110009', 'staff_login');
    expect(res.statusCode).toBe(200);
    await expect(lastCode(t, '13911110009')).rejects.toThrow();
  });
});

describe('sessions', () => {
  it('no session → 401 AUTH_REQUIRED', async () => {
    const res = await new Client(t).get('/api/auth/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
  });

  it.each([
    ['POST', '/api/visits/appointments'],
    ['POST', '/api/admin/staff'],
    ['POST', '/api/kiosk/walk-ins'],
    ['POST', '/api/visitor/register'],
    ['GET', '/api/approvals/visits?tab=nonsense'],
  ] as const)('without a session %s %s answers 401 even for a malformed request', async (method, url) => {
    const res = await new Client(t).req(method, url, method === 'POST' ? { nonsense: true } : undefined);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
  });

  it('public endpoints stay open without a session', async () => {
    for (const url of ['/api/health', '/api/config', '/api/units', '/api/instructions', '/api/auth/oauth/config', '/api/codes/public-key']) {
      expect((await new Client(t).get(url)).statusCode, url).toBe(200);
    }
    expect((await new Client(t).post('/api/kiosk/pair', { token: 'sgk_not-a-real-token-000000000000' })).json().error.code).toBe('DEVICE_TOKEN_INVALID');
  });

  it('a state change from another origin is refused', async () => {
    const c = await signInVisitor(t, '13911110010');
    const res = await c.req('POST', '/api/auth/logout', {}, { origin: 'https://evil.example', host: 'localhost' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_REJECTED');
  });

  it('a forged X-Forwarded-Host does not make a foreign origin look like ours (no proxy is trusted by default)', async () => {
    const c = await signInVisitor(t, '13911110014');
    const res = await c.req('POST', '/api/auth/logout', {}, { origin: 'https://evil.example', host: 'localhost', 'x-forwarded-host': 'evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_REJECTED');
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'phone' });
  });

  it('a state change from an opaque origin (Origin: null — sandboxed frame, data: URL) is refused like a foreign one', async () => {
    const c = await signInVisitor(t, '13911110013');
    const res = await c.req('POST', '/api/auth/logout', {}, { origin: 'null', host: 'localhost' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_REJECTED');
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'phone' }); // still signed in
    const sameOrigin = await c.req('POST', '/api/auth/logout', {}, { origin: 'http://localhost', host: 'localhost' });
    expect(sameOrigin.statusCode).toBe(200);
  });

  it('one browser can be signed in to the visitor app and the admin console at once; signing out of one keeps the other', async () => {
    const v = await newVisitor(t, { phone: '13911110012' });
    const c = await signInVisitor(t, v.phone);
    await newAdminClient(t, 'both', 'long-enough-pw');
    expect((await c.post('/api/auth/admin/login', { username: 'both', password: 'long-enough-pw' })).statusCode).toBe(200);
    expect((await c.get('/api/auth/me?scope=visitor')).json()).toMatchObject({ type: 'visitor' });
    expect((await c.get('/api/auth/me?scope=admin')).json()).toMatchObject({ type: 'admin' });
    expect((await c.get('/api/auth/me?scope=staff')).statusCode).toBe(401);
    expect((await c.post('/api/auth/logout?scope=visitor')).statusCode).toBe(200);
    expect((await c.get('/api/auth/me?scope=visitor')).statusCode).toBe(401);
    expect((await c.get('/api/auth/me?scope=admin')).json()).toMatchObject({ type: 'admin' });
  });

  it('logout ends the session', async () => {
    const c = await signInVisitor(t, '13911110011');
    expect((await c.post('/api/auth/logout')).statusCode).toBe(200);
    expect((await c.get('/api/auth/me')).statusCode).toBe(401);
  });
});

describe('admin password login', () => {
  it('signs in with the right password and locks for 15 minutes after 5 failures', async () => {
    await newAdminClient(t, 'ops', 'long-enough-pw');
    const c = new Client(t);
    expect((await c.post('/api/auth/admin/login', { username: 'ops', password: 'long-enough-pw' })).statusCode).toBe(200);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await new Client(t).post('/api/auth/admin/login', { username: 'ops', password: 'wrong' })).json().error.code);
    expect(codes).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'ACCOUNT_LOCKED']);
    const locked = await new Client(t).post('/api/auth/admin/login', { username: 'ops', password: 'long-enough-pw' });
    expect(locked.statusCode).toBe(423);
    t.ctx.clock.set(new Date(Date.now() + 15 * 60_000 + 1000));
    expect((await new Client(t).post('/api/auth/admin/login', { username: 'ops', password: 'long-enough-pw' })).statusCode).toBe(200);
    t.ctx.clock.set(null);
  });
});

describe('health', () => {
  it('answers ok with the database kind', async () => {
    const res = await new Client(t).get('/api/health');
    expect(res.json()).toEqual({ status: 'ok', db: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite' });
  });
});
