import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { hash, verify } from '@node-rs/argon2';
import type { FastifyReply } from 'fastify';
import { admins, smsCodes, staff, units, visitors } from '../../db/schema/index.js';
import { ADMIN_SESSION_HOURS, TwoFactorService } from './two-factor.service.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { randomCode, randomToken } from '../../platform/crypto.js';
import { logPhone } from '../../platform/logger.js';
import { isValidPhone } from '../../../../contracts/identity.js';
import { queueSms } from '../notify/sms.service.js';
import { audit } from '../audit/audit.js';
import { createSession, type Actor } from './session.js';
import { afterFailedLogin, canResend, CODE_TTL_MS, isLocked, judgeCode, STAFF_PASSWORD_MAX_FAILURES, STAFF_PASSWORD_WINDOW_S, type SmsPurpose } from './identity.rules.js';

export const ARGON2_OPTS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const; // OWASP minimum for Argon2id
export const hashPassword = (pw: string) => hash(pw, ARGON2_OPTS);

function assertPhone(phone: string) {
  if (!isValidPhone(phone)) throw new AppError('PHONE_INVALID');
}

export class IdentityService {
  constructor(private readonly ctx: AppContext) {}

  private codeHash(phone: string, purpose: string, code: string) {
    return this.ctx.crypto.blindIndex(`sms:${phone}:${purpose}:${code}`);
  }

  /**
   * V1 / staff login: send a 6-digit code (60 s gap per phone whatever the purpose, per-phone and
   * per-IP hourly limits). A staff-code request for a phone that is no active staff member's gets
   * the same answers (gap, limits) and no SMS, so the endpoint can't list staff: it records a code
   * nobody knows.
   */
  private async lastCodeAt(phone: string): Promise<Date | null> {
    const [last] = await this.ctx.db.select({ createdAt: smsCodes.createdAt }).from(smsCodes).where(eq(smsCodes.phone, phone)).orderBy(desc(smsCodes.createdAt)).limit(1);
    return last?.createdAt ?? null;
  }

  async requestCode(phone: string, purpose: SmsPurpose, ip: string): Promise<void> {
    assertPhone(phone);
    const { ctx } = this;
    const now = ctx.clock.now();
    if ((await ctx.rateLimiter.hit(`sms:ip:${ip}`, 3600)) > ctx.config.SMS_PER_IP_PER_HOUR) throw new AppError('SMS_RATE_LIMITED');
    const deliver = purpose !== 'staff_login' || !!(await this.findActiveStaff(phone));
    const code = randomCode();
    // a request inside the resend gap sends nothing, so it must not use up one of the phone's
    // hourly sends (a user tapping 重发 early, or a client retrying, would lock the phone out):
    // refuse it before counting; the transaction checks again under the phone's lock
    if (!canResend(await this.lastCodeAt(phone), now)) throw new AppError('SMS_TOO_SOON');
    // (PGlite has one connection: nothing may use ctx.db while a transaction is open)
    const perPhone = await ctx.rateLimiter.hit(`sms:phone:${phone}`, 3600);
    await ctx.db.transaction(async (tx) => {
      // serialise sends for one phone across processes
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'sms:' + phone}))`);
      const [last] = await tx.select({ createdAt: smsCodes.createdAt }).from(smsCodes).where(eq(smsCodes.phone, phone)).orderBy(desc(smsCodes.createdAt)).limit(1);
      if (!canResend(last?.createdAt ?? null, now)) throw new AppError('SMS_TOO_SOON');
      if (perPhone > ctx.config.SMS_PER_PHONE_PER_HOUR) throw new AppError('SMS_RATE_LIMITED');
      await tx.update(smsCodes).set({ consumedAt: now }).where(and(eq(smsCodes.phone, phone), eq(smsCodes.purpose, purpose), isNull(smsCodes.consumedAt)));
      await tx.insert(smsCodes).values({ phone, purpose, codeHash: this.codeHash(phone, purpose, deliver ? code : randomToken()), expiresAt: new Date(now.getTime() + CODE_TTL_MS), createdAt: now });
      if (!deliver) return;
      await queueSms(ctx, tx, {
        phone,
        template: 'login_code',
        content:
          purpose === 'staff_phone_change'
            ? `【${ctx.config.CENTER_NAME}】您正在将本手机号设为智慧通行登录手机号，验证码为${code}，5分钟内有效。如非本人操作，请忽略本短信。`
            : `【${ctx.config.CENTER_NAME}】您的验证码为${code}，5分钟内有效。如非本人操作，请忽略本短信。`,
        params: { code },
      });
    });
    ctx.log.info({ phone: logPhone(phone), purpose }, 'sms code requested');
  }

  /** Check a code; consumes it on success. Wrong tries are counted even though the call fails. */
  async verifyCode(phone: string, purpose: SmsPurpose, code: string): Promise<void> {
    assertPhone(phone);
    const { ctx } = this;
    const now = ctx.clock.now();
    const outcome = await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(smsCodes)
        .where(and(eq(smsCodes.phone, phone), eq(smsCodes.purpose, purpose)))
        .orderBy(desc(smsCodes.createdAt))
        .limit(1)
        .for('update');
      const result = judgeCode(row ? { attempts: row.attempts, expiresAt: row.expiresAt, consumedAt: row.consumedAt, matches: row.codeHash === this.codeHash(phone, purpose, code) } : null, now);
      if (row && result === 'ok') await tx.update(smsCodes).set({ consumedAt: now }).where(eq(smsCodes.id, row.id));
      if (row && (result === 'wrong' || result === 'wrong_last_try')) await tx.update(smsCodes).set({ attempts: row.attempts + 1 }).where(eq(smsCodes.id, row.id));
      return result;
    });
    if (outcome === 'expired') throw new AppError('SMS_CODE_EXPIRED');
    if (outcome === 'too_many_tries' || outcome === 'wrong_last_try') throw new AppError(outcome === 'wrong_last_try' ? 'SMS_CODE_INVALID' : 'SMS_CODE_TOO_MANY_TRIES');
    if (outcome === 'wrong') throw new AppError('SMS_CODE_INVALID');
  }

  /** V1: a known visitor gets a visitor session; a new phone gets a short "verified phone" session for 注册. */
  async visitorLogin(phone: string, code: string, reply: FastifyReply, ua?: string) {
    await this.verifyCode(phone, 'visitor_login', code);
    const [v] = await this.ctx.db.select({ id: visitors.id }).from(visitors).where(eq(visitors.phone, phone));
    return this.ctx.db.transaction(async (tx) => {
      if (v) {
        await createSession(this.ctx, tx, reply, { type: 'visitor', id: v.id }, ua);
        return { registered: true };
      }
      await createSession(this.ctx, tx, reply, { type: 'phone', id: phone }, ua, 1);
      return { registered: false };
    });
  }

  async staffLoginByCode(phone: string, code: string, reply: FastifyReply, ua?: string) {
    await this.verifyCode(phone, 'staff_login', code);
    const s = await this.findActiveStaff(phone);
    if (!s) throw new AppError('SMS_CODE_INVALID');
    await this.ctx.db.transaction((tx) => createSession(this.ctx, tx, reply, { type: 'staff', id: s.id }, ua));
    // proof of the phone lifts the password lock-out for it on every address (a new generation of counters)
    await this.ctx.rateLimiter.hit(`staffpw:lift:${phone}`, STAFF_PASSWORD_WINDOW_S);
  }

  /**
   * Failures are counted per phone AND source address, so nobody can lock a colleague out from
   * elsewhere; the locked user is told to sign in by SMS code, which lifts the lock. The lift count
   * shares the failures' fixed window, so a lift holds until the window ends like the failures do.
   */
  private async staffPasswordKey(phone: string, ip: string) {
    const generation = await this.ctx.rateLimiter.count(`staffpw:lift:${phone}`, STAFF_PASSWORD_WINDOW_S);
    return `staffpw:${phone}:${generation}:${ip}`;
  }

  async staffLoginByPassword(phone: string, password: string, ip: string, reply: FastifyReply, ua?: string) {
    assertPhone(phone);
    // only failures count
    const key = await this.staffPasswordKey(phone, ip);
    if ((await this.ctx.rateLimiter.count(key, STAFF_PASSWORD_WINDOW_S)) >= STAFF_PASSWORD_MAX_FAILURES) throw new AppError('PASSWORD_LOGIN_LOCKED');
    const s = await this.findActiveStaff(phone);
    const ok = s?.passwordHash ? await verify(s.passwordHash, password) : false;
    if (!s || !ok) {
      this.ctx.log.info({ phone: logPhone(phone), ip }, 'staff password login failed');
      const failures = await this.ctx.rateLimiter.hit(key, STAFF_PASSWORD_WINDOW_S);
      throw new AppError(failures >= STAFF_PASSWORD_MAX_FAILURES ? 'PASSWORD_LOGIN_LOCKED' : 'LOGIN_FAILED');
    }
    await this.ctx.db.transaction((tx) => createSession(this.ctx, tx, reply, { type: 'staff', id: s.id }, ua));
  }

  private async findActiveStaff(phone: string) {
    const [s] = await this.ctx.db
      .select({ id: staff.id, passwordHash: staff.passwordHash })
      .from(staff)
      .where(and(eq(staff.phone, phone), isNull(staff.deletedAt), eq(staff.active, true)));
    return s;
  }

  /**
   * Admin password login: Argon2id; 5 consecutive failures lock the account for 15 minutes. With a
   * second factor on, the right password answers a challenge for POST /api/auth/admin/login/two-factor.
   */
  async adminLogin(username: string, password: string, ip: string, reply: FastifyReply, ua?: string): Promise<{ twoFactorChallenge?: string }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const [a] = await ctx.db.select().from(admins).where(eq(admins.username, username));
    if (!a || a.disabledAt) {
      await verify('$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0l4k0yq3rFQ2ZW4m0Zk3m3Q3c1lS8m3l3e7iLx0xk4A', password).catch(() => false);
      throw new AppError('LOGIN_FAILED');
    }
    if (isLocked(a.lockedUntil, now)) throw new AppError('ACCOUNT_LOCKED');
    const ok = await verify(a.passwordHash, password).catch(() => false);
    if (!ok) {
      const next = afterFailedLogin(a.failedCount, now);
      await ctx.db.transaction(async (tx) => {
        await tx.update(admins).set(next).where(eq(admins.id, a.id));
        await audit(tx, { type: 'admin', id: a.id, ip }, next.lockedUntil ? 'admin.locked' : 'admin.login_failed', { type: 'admin', id: a.id });
      });
      throw new AppError(next.lockedUntil ? 'ACCOUNT_LOCKED' : 'LOGIN_FAILED');
    }
    // with a second factor on, the password only opens the second step (its failures count on)
    if (a.totpEnabledAt) return { twoFactorChallenge: await ctx.db.transaction((tx) => new TwoFactorService(ctx).startChallenge(tx, a.id)) };
    await ctx.db.transaction(async (tx) => {
      await tx.update(admins).set({ failedCount: 0, lockedUntil: null, lastLoginAt: now }).where(eq(admins.id, a.id));
      await createSession(ctx, tx, reply, { type: 'admin', id: a.id }, ua, ADMIN_SESSION_HOURS);
      await audit(tx, { type: 'admin', id: a.id, ip }, 'admin.login', { type: 'admin', id: a.id });
    });
    return {};
  }

  /** Who is signed in, for the apps' headers. */
  async me(actor: Actor) {
    const { db } = this.ctx;
    switch (actor.type) {
      case 'visitor': {
        const [v] = await db.select({ name: visitors.name, phone: visitors.phone }).from(visitors).where(eq(visitors.id, actor.id));
        return { type: actor.type, id: actor.id, name: v?.name ?? '', phone: v?.phone ?? null };
      }
      case 'phone':
        return { type: actor.type, id: actor.id, name: '', phone: actor.id };
      case 'staff': {
        const [s] = await db.select({ name: staff.name, phone: staff.phone, roles: staff.roles }).from(staff).where(eq(staff.id, actor.id));
        return { type: actor.type, id: actor.id, name: s?.name ?? '', phone: s?.phone ?? null, roles: s?.roles ?? [] };
      }
      case 'admin': {
        const [a] = await db
          .select({ name: admins.name, username: admins.username, role: admins.role, unitId: admins.unitId, unitName: units.name, totp: admins.totpEnabledAt })
          .from(admins)
          .leftJoin(units, eq(units.id, admins.unitId))
          .where(eq(admins.id, actor.id));
        return {
          type: actor.type,
          id: actor.id,
          name: a?.name ?? a?.username ?? '',
          phone: null,
          admin: {
            role: a?.role ?? 'system',
            unitId: a?.unitId ?? null,
            unitName: a?.unitName ?? null,
            twoFactor: !!a?.totp,
            twoFactorRequired: this.ctx.config.ADMIN_REQUIRE_2FA,
          },
        };
      }
      default:
        return { type: actor.type, id: actor.id, name: '', phone: null };
    }
  }
}

/** Administrators' usernames by id (other modules show who did something, e.g. 点名). */
export async function adminUsernames(tx: import('../../platform/db.js').Tx, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  return new Map((await tx.select({ id: admins.id, username: admins.username }).from(admins).where(inArray(admins.id, ids))).map((a) => [a.id, a.username]));
}

/** 注销: the verification codes ever sent to this phone (hashes, tries, times) go with the account. */
export async function forgetCodesOf(tx: import('../../platform/db.js').Tx, phone: string): Promise<void> {
  await tx.delete(smsCodes).where(eq(smsCodes.phone, phone));
}
