/**
 * 账号安全 and 管理员 (A10) through the HTTP API: setting up TOTP (codes computed here with otpauth,
 * as an authenticator app would), signing in with a code, a wrong code, a replayed code, recovery
 * codes used once, the lock-out, ADMIN_REQUIRE_2FA; the administrators page (create a 单位管理员,
 * role/unit changes, the last 系统管理员, disable, password reset, unlock, 2FA reset), all audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit } from '../../test/factories.js';
import { admins, adminRecoveryCodes, auditLog, sessions } from '../../db/schema/index.js';
import { Clock } from '../../platform/clock.js';

let t: TestApp;
const clock = new Clock('Asia/Shanghai');
const PASSWORD = 'admin-password-1';

beforeAll(async () => {
  clock.set(new Date('2026-12-07T02:00:10Z'));
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

const codeAt = (secret: string, at: Date) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at.getTime() });
const adminRow = async (username: string) => (await t.ctx.db.select().from(admins).where(eq(admins.username, username)))[0]!;

/** An administrator with the second factor on: their secret and recovery codes. */
async function enrolled(username: string) {
  const c = await newAdminClient(t, username, PASSWORD);
  const setup = await c.post('/api/admin/account/two-factor/setup');
  expect(setup.statusCode).toBe(200);
  const { secret, otpauthUrl, qrDataUrl } = setup.json();
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/.+secret=[A-Z2-7]+/);
  expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
  const on = await c.post('/api/admin/account/two-factor/enable', { code: codeAt(secret, clock.now()) });
  expect(on.statusCode).toBe(200);
  const codes: string[] = on.json().recoveryCodes;
  clock.advance(30_000); // the next step, so the set-up code is not "replayed" by the sign-in below
  return { c, secret, codes };
}

async function passwordStep(username: string, password = PASSWORD) {
  const c = new Client(t);
  const res = await c.post('/api/auth/admin/login', { username, password });
  return { c, res };
}

describe('second factor (TOTP)', () => {
  it('set-up: the secret is stored encrypted, only hashes of 10 recovery codes; 账号安全 tells it; audited', async () => {
    const { c, secret, codes } = await enrolled('totp-setup');
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const row = await adminRow('totp-setup');
    expect(row.totpEnabledAt).not.toBeNull();
    expect(row.totpSecretEnc).not.toContain(secret);
    expect(t.ctx.crypto.decrypt(row.totpSecretEnc!)).toBe(secret);
    const stored = await t.ctx.db.select().from(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, row.id));
    expect(stored).toHaveLength(10);
    expect(stored.map((s) => s.codeHash)).not.toContain(codes[0]);
    expect((await c.get('/api/admin/account')).json()).toMatchObject({ twoFactor: true, recoveryCodesLeft: 10, twoFactorRequired: false });
    // a second set-up while on is refused
    expect((await c.post('/api/admin/account/two-factor/setup')).json().error.code).toBe('TWO_FACTOR_ALREADY_ENABLED');
    const log = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'admin.two_factor_enabled'), eq(auditLog.actorId, row.id)));
    expect(log).toHaveLength(1);
  });

  it('a wrong confirmation code does not turn it on; an old QR code cannot be confirmed later', async () => {
    const c = await newAdminClient(t, 'totp-wrong-setup', PASSWORD);
    const { secret } = (await c.post('/api/admin/account/two-factor/setup')).json();
    const wrong = await c.post('/api/admin/account/two-factor/enable', { code: '000000' === codeAt(secret, clock.now()) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    clock.advance(16 * 60_000);
    const late = await c.post('/api/admin/account/two-factor/enable', { code: codeAt(secret, clock.now()) });
    expect(late.json().error.code).toBe('TWO_FACTOR_ENROLMENT_EXPIRED');
    expect((await adminRow('totp-wrong-setup')).totpEnabledAt).toBeNull();
  });

  it('sign-in: the password alone gives no session, the code does; the same code is refused a second time', async () => {
    const { secret } = await enrolled('totp-login');
    const { c, res } = await passwordStep('totp-login');
    expect(res.statusCode).toBe(200);
    const challenge = res.json().twoFactorChallenge as string;
    expect(challenge).toBeTruthy();
    expect((await c.get('/api/admin/units')).statusCode).toBe(401);
    const code = codeAt(secret, clock.now());
    const ok = await c.post('/api/auth/admin/login/two-factor', { challenge, code });
    expect(ok.statusCode).toBe(200);
    expect((await c.get('/api/admin/units')).statusCode).toBe(200);
    // the challenge is spent
    expect((await c.post('/api/auth/admin/login/two-factor', { challenge, code })).json().error.code).toBe('TWO_FACTOR_CHALLENGE_EXPIRED');
    // replay: the same code within its own 30 seconds, on a fresh password step
    const again = await passwordStep('totp-login');
    const replay = await again.c.post('/api/auth/admin/login/two-factor', { challenge: again.res.json().twoFactorChallenge, code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    expect((await again.c.get('/api/admin/units')).statusCode).toBe(401);
    // the next step's code works
    clock.advance(30_000);
    expect((await again.c.post('/api/auth/admin/login/two-factor', { challenge: again.res.json().twoFactorChallenge, code: codeAt(secret, clock.now()) })).statusCode).toBe(200);
  });

  it('a wrong code is refused and counted: 5 lock the account (423) even for the right code, as with passwords', async () => {
    const { secret } = await enrolled('totp-lock');
    const { c, res } = await passwordStep('totp-lock');
    const challenge = res.json().twoFactorChallenge;
    const right = codeAt(secret, clock.now());
    const wrongCode = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 4; i++) {
      const r = await c.post('/api/auth/admin/login/two-factor', { challenge, code: wrongCode });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    }
    const fifth = await c.post('/api/auth/admin/login/two-factor', { challenge, code: wrongCode });
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().error.code).toBe('ACCOUNT_LOCKED');
    const after = await passwordStep('totp-lock');
    expect(after.res.statusCode).toBe(423);
    expect((await adminRow('totp-lock')).lockedUntil).not.toBeNull();
    const failed = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'admin.two_factor_failed'), eq(auditLog.actorId, (await adminRow('totp-lock')).id)));
    expect(failed).toHaveLength(4);
  });

  it('a recovery code signs in once; used again it is refused; 账号安全 counts what is left', async () => {
    const { codes } = await enrolled('totp-recovery');
    const first = await passwordStep('totp-recovery');
    const typed = codes[3]!.toUpperCase().replace('-', ' ');
    expect((await first.c.post('/api/auth/admin/login/two-factor', { challenge: first.res.json().twoFactorChallenge, code: typed })).statusCode).toBe(200);
    expect((await first.c.get('/api/admin/account')).json().recoveryCodesLeft).toBe(9);
    const second = await passwordStep('totp-recovery');
    const reused = await second.c.post('/api/auth/admin/login/two-factor', { challenge: second.res.json().twoFactorChallenge, code: codes[3] });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    const used = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'admin.recovery_code_used'), eq(auditLog.actorId, (await adminRow('totp-recovery')).id)));
    expect(used).toHaveLength(1);
  });

  it('new recovery codes need a code and replace the old ones; turning it off needs a code', async () => {
    const { c, secret, codes } = await enrolled('totp-manage');
    expect((await c.post('/api/admin/account/two-factor/recovery-codes', { code: 'nonsense' })).json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    const fresh = await c.post('/api/admin/account/two-factor/recovery-codes', { code: codeAt(secret, clock.now()) });
    expect(fresh.statusCode).toBe(200);
    const newCodes: string[] = fresh.json().recoveryCodes;
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(codes[0]);
    // an old recovery code no longer works; a new one turns the factor off
    expect((await c.post('/api/admin/account/two-factor/disable', { code: codes[0] })).json().error.code).toBe('TWO_FACTOR_CODE_INVALID');
    expect((await c.post('/api/admin/account/two-factor/disable', { code: newCodes[0] })).statusCode).toBe(200);
    expect((await adminRow('totp-manage')).totpEnabledAt).toBeNull();
    expect((await adminRow('totp-manage')).totpSecretEnc).toBeNull();
    // signing in is the password alone again
    const { res } = await passwordStep('totp-manage');
    expect(res.json().twoFactorChallenge).toBeUndefined();
  });
});

describe('ADMIN_REQUIRE_2FA', () => {
  it('without a second factor only 账号安全 works (403 TWO_FACTOR_REQUIRED); after set-up everything does', async () => {
    const strict = await createTestApp({ clock, env: { ADMIN_REQUIRE_2FA: 'true' } });
    try {
      const c = await newAdminClient(strict, 'must-enrol', PASSWORD);
      const blocked = await c.get('/api/admin/units');
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().error.code).toBe('TWO_FACTOR_REQUIRED');
      expect(blocked.json().error.message['zh-CN']).toContain('双重验证');
      expect((await c.get('/api/auth/me?scope=admin')).json().admin).toMatchObject({ twoFactor: false, twoFactorRequired: true });
      expect((await c.get('/api/admin/account')).statusCode).toBe(200);
      const { secret } = (await c.post('/api/admin/account/two-factor/setup')).json();
      expect((await c.post('/api/admin/account/two-factor/enable', { code: codeAt(secret, clock.now()) })).statusCode).toBe(200);
      expect((await c.get('/api/admin/units')).statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('管理员 (系统管理员 only)', () => {
  let sys: Client;
  let sysId: string;
  beforeAll(async () => {
    sys = await newAdminClient(t, 'root-admin', PASSWORD);
    sysId = (await adminRow('root-admin')).id;
  });

  it('creates a 单位管理员 who signs in and sees only their unit; a unit admin cannot open the page', async () => {
    const u = await newUnit(t, { name: '管理员测试单位' });
    const other = await newUnit(t);
    await newStaff(t, { unitId: other.id, name: '别的单位的人' });
    expect((await sys.post('/api/admin/admins', { username: 'ua-new', name: '单位管理员甲', role: 'unit', password: 'unit-pass-123' })).json().error.code).toBe('ADMIN_UNIT_REQUIRED');
    const created = await sys.post('/api/admin/admins', { username: 'ua-new', name: '单位管理员甲', role: 'unit', unitId: u.id, password: 'unit-pass-123' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ role: 'unit', unitId: u.id, unitName: '管理员测试单位', twoFactor: false, disabled: false });
    expect((await sys.post('/api/admin/admins', { username: 'ua-new', name: 'x', role: 'system', password: 'unit-pass-123' })).json().error.code).toBe('USERNAME_TAKEN');
    expect((await sys.post('/api/admin/admins', { username: 'ua-short', name: 'x', role: 'system', password: 'short' })).json().error.code).toBe('PASSWORD_TOO_WEAK');

    const ua = new Client(t);
    expect((await ua.post('/api/auth/admin/login', { username: 'ua-new', password: 'unit-pass-123' })).statusCode).toBe(200);
    const list = (await ua.get('/api/admin/units')).json().items;
    expect(list.map((x: { id: string }) => x.id)).toEqual([u.id]);
    const staffList = (await ua.get('/api/admin/staff?pageSize=100')).json();
    expect(staffList.items.every((s: { unitId: string }) => s.unitId === u.id)).toBe(true);
    expect((await ua.get(`/api/admin/staff?unitId=${other.id}`)).json().error.code).toBe('NOT_FOUND');
    const page = await ua.get('/api/admin/admins');
    expect(page.statusCode).toBe(403);
    expect(page.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    const audited = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'admin.create'), eq(auditLog.actorId, sysId)));
    expect(audited).toHaveLength(1);
  });

  it('the last active 系统管理员 cannot be demoted or disabled; with another one they can', async () => {
    // the other system admins of this file would count: disable them for this check
    const others = (await t.ctx.db.select().from(admins).where(eq(admins.role, 'system'))).filter((a) => a.id !== sysId);
    for (const o of others) await t.ctx.db.update(admins).set({ disabledAt: new Date() }).where(eq(admins.id, o.id));
    const u = await newUnit(t);
    const demote = await sys.patch(`/api/admin/admins/${sysId}`, { role: 'unit', unitId: u.id });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('LAST_SYSTEM_ADMIN');
    expect((await sys.patch(`/api/admin/admins/${sysId}`, { disabled: true })).json().error.code).toBe('LAST_SYSTEM_ADMIN');
    const second = (await sys.post('/api/admin/admins', { username: 'second-root', name: '第二系统管理员', role: 'system', password: 'second-pass-1' })).json();
    const off = await sys.patch(`/api/admin/admins/${second.id}`, { disabled: true });
    expect(off.json()).toMatchObject({ disabled: true });
    expect((await sys.patch(`/api/admin/admins/${sysId}`, { disabled: true })).json().error.code).toBe('LAST_SYSTEM_ADMIN');
    expect((await sys.patch(`/api/admin/admins/${second.id}`, { disabled: false })).json()).toMatchObject({ disabled: false });
    for (const o of others) await t.ctx.db.update(admins).set({ disabledAt: null }).where(eq(admins.id, o.id));
  });

  it('changing role or unit, disabling and a password reset sign that administrator out; unlock and 2FA reset', async () => {
    const u1 = await newUnit(t);
    const u2 = await newUnit(t);
    const made = (await sys.post('/api/admin/admins', { username: 'ua-move', name: '调动', role: 'unit', unitId: u1.id, password: 'move-pass-12' })).json();
    const c = new Client(t);
    await c.post('/api/auth/admin/login', { username: 'ua-move', password: 'move-pass-12' });
    expect((await c.get(`/api/admin/units/${u1.id}`)).statusCode).toBe(200);
    expect((await sys.patch(`/api/admin/admins/${made.id}`, { unitId: u2.id })).json()).toMatchObject({ unitId: u2.id });
    expect((await c.get('/api/admin/units')).statusCode).toBe(401);
    await c.post('/api/auth/admin/login', { username: 'ua-move', password: 'move-pass-12' });
    expect((await c.get(`/api/admin/units/${u1.id}`)).statusCode).toBe(404);
    expect((await c.get(`/api/admin/units/${u2.id}`)).statusCode).toBe(200);
    // a password reset ends the session and lifts a lock-out
    await t.ctx.db.update(admins).set({ failedCount: 5, lockedUntil: new Date(clock.now().getTime() + 600_000) }).where(eq(admins.id, made.id));
    expect((await sys.get('/api/admin/admins')).json().items.find((a: { id: string }) => a.id === made.id)).toMatchObject({ locked: true });
    expect((await sys.post(`/api/admin/admins/${made.id}/unlock`)).json()).toMatchObject({ locked: false });
    expect((await sys.post(`/api/admin/admins/${made.id}/password`, { password: 'new-pass-123' })).statusCode).toBe(200);
    expect((await c.get('/api/admin/units')).statusCode).toBe(401);
    expect((await new Client(t).post('/api/auth/admin/login', { username: 'ua-move', password: 'move-pass-12' })).statusCode).toBe(401);
    // disabled: signed out and cannot sign in
    await c.post('/api/auth/admin/login', { username: 'ua-move', password: 'new-pass-123' });
    await sys.patch(`/api/admin/admins/${made.id}`, { disabled: true });
    expect((await c.get('/api/admin/units')).statusCode).toBe(401);
    expect((await c.post('/api/auth/admin/login', { username: 'ua-move', password: 'new-pass-123' })).statusCode).toBe(401);
    expect(await t.ctx.db.select().from(sessions).where(and(eq(sessions.subjectType, 'admin'), eq(sessions.subjectId, made.id)))).toHaveLength(0);
    // a lost phone: the system admin turns the second factor off
    const { secret: _s } = await enrolled('totp-lost');
    const lost = await adminRow('totp-lost');
    expect((await sys.delete(`/api/admin/admins/${lost.id}/two-factor`)).json()).toMatchObject({ twoFactor: false });
    expect((await passwordStep('totp-lost')).res.json().twoFactorChallenge).toBeUndefined();
    expect((await sys.patch(`/api/admin/admins/00000000-0000-7000-8000-000000000000`, { name: 'x' })).statusCode).toBe(404);
  });
});
