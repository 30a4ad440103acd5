/**
 * 账号安全 (A10): an administrator's optional second factor — set up by scanning a QR code and
 * confirming one code, ten recovery codes shown once, turned off or the codes renewed with a current
 * code — and the second step of admin sign-in. A wrong code counts like a wrong password (5 → the
 * account is locked for 15 minutes); a code is accepted once (its time step is remembered).
 */
import { and, eq, gt, isNull, count } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { adminRecoveryCodes, admins, sessions } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { afterFailedLogin, isLocked } from './identity.rules.js';
import { createSession, type Actor } from './session.js';
import {
  acceptedStep,
  CHALLENGE_TTL_MS,
  ENROLMENT_TTL_MS,
  hashRecoveryCode,
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  totpFor,
} from './two-factor.rules.js';

type AdminRow = typeof admins.$inferSelect;
/** the pending second step of a sign-in: a sessions row of its own kind, never a cookie */
const CHALLENGE = 'admin_2fa';
export const ADMIN_SESSION_HOURS = 12;

export class TwoFactorService {
  constructor(private readonly ctx: AppContext) {}

  /** GET /api/admin/account */
  async account(actor: Actor) {
    const a = await this.admin(this.ctx.db, actor.id);
    const [left] = await this.ctx.db
      .select({ n: count() })
      .from(adminRecoveryCodes)
      .where(and(eq(adminRecoveryCodes.adminId, a.id), isNull(adminRecoveryCodes.usedAt)));
    return {
      username: a.username,
      name: a.name,
      role: a.role,
      twoFactor: !!a.totpEnabledAt,
      twoFactorEnabledAt: a.totpEnabledAt?.toISOString() ?? null,
      recoveryCodesLeft: a.totpEnabledAt ? Number(left?.n ?? 0) : 0,
      twoFactorRequired: this.ctx.config.ADMIN_REQUIRE_2FA,
    };
  }

  /** POST /api/admin/account/two-factor/setup: a new secret (kept encrypted, not yet on) and its QR code. */
  async setup(actor: Actor) {
    const a = await this.admin(this.ctx.db, actor.id);
    if (a.totpEnabledAt) throw new AppError('TWO_FACTOR_ALREADY_ENABLED');
    const secret = newTotpSecret();
    const issuer = `${this.ctx.config.CENTER_NAME}智慧通行`;
    const uri = totpFor(secret, a.username, issuer).toString();
    // set-up time kept in totp_last_step's place until confirmed: an old QR code cannot be confirmed later
    await this.ctx.db
      .update(admins)
      .set({ totpSecretEnc: this.ctx.crypto.encrypt(secret), totpLastStep: -this.ctx.clock.now().getTime() })
      .where(eq(admins.id, a.id));
    const qrDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    return { secret, otpauthUrl: uri, qrDataUrl };
  }

  /** POST /api/admin/account/two-factor/enable {code}: the first code turns it on; ten recovery codes, shown once. */
  async enable(actor: Actor, code: string) {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const a = await this.admin(tx, actor.id, true);
      if (a.totpEnabledAt) throw new AppError('TWO_FACTOR_ALREADY_ENABLED');
      const startedAt = a.totpLastStep !== null && a.totpLastStep < 0 ? -a.totpLastStep : null;
      if (!a.totpSecretEnc || startedAt === null || now.getTime() - startedAt > ENROLMENT_TTL_MS) throw new AppError('TWO_FACTOR_ENROLMENT_EXPIRED');
      const step = acceptedStep(this.ctx.crypto.decrypt(a.totpSecretEnc), code.trim(), now, null);
      if (step === null) throw new AppError('TWO_FACTOR_CODE_INVALID');
      await tx.update(admins).set({ totpEnabledAt: now, totpLastStep: step }).where(eq(admins.id, a.id));
      const codes = await this.replaceRecoveryCodes(tx, a.id);
      await audit(tx, actor, 'admin.two_factor_enabled', { type: 'admin', id: a.id });
      return { recoveryCodes: codes };
    });
  }

  /** POST /api/admin/account/two-factor/disable {code}: a current code or a recovery code. */
  async disable(actor: Actor, code: string) {
    return this.withCode(actor, code, async (tx, a) => {
      await tx.update(admins).set({ totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null }).where(eq(admins.id, a.id));
      await tx.delete(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, a.id));
      await audit(tx, actor, 'admin.two_factor_disabled', { type: 'admin', id: a.id });
      return { ok: true as const };
    });
  }

  /** POST /api/admin/account/two-factor/recovery-codes {code}: ten new codes; the old ones stop working. */
  async regenerate(actor: Actor, code: string) {
    return this.withCode(actor, code, async (tx, a) => {
      const codes = await this.replaceRecoveryCodes(tx, a.id);
      await audit(tx, actor, 'admin.recovery_codes_regenerated', { type: 'admin', id: a.id });
      return { recoveryCodes: codes };
    });
  }

  /** A system administrator turns another's second factor off (a lost phone); they set it up again. */
  async reset(tx: Tx, adminId: string) {
    await tx.update(admins).set({ totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null }).where(eq(admins.id, adminId));
    await tx.delete(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, adminId));
  }

  // ------------------------------------------------------------------ sign-in

  /** After the right password: a challenge the second step answers (5 minutes). */
  async startChallenge(tx: Tx, adminId: string): Promise<string> {
    const token = randomToken();
    await tx.insert(sessions).values({ tokenHash: sha256(token), subjectType: CHALLENGE, subjectId: adminId, expiresAt: new Date(this.ctx.clock.now().getTime() + CHALLENGE_TTL_MS) });
    return token;
  }

  /** POST /api/auth/admin/login/two-factor {challenge, code}: the code or a recovery code → the admin session. */
  async completeLogin(challenge: string, code: string, ip: string, reply: FastifyReply, ua?: string) {
    const { ctx } = this;
    const now = ctx.clock.now();
    const [c] = await ctx.db
      .select({ id: sessions.id, adminId: sessions.subjectId })
      .from(sessions)
      .where(and(eq(sessions.tokenHash, sha256(challenge)), eq(sessions.subjectType, CHALLENGE), gt(sessions.expiresAt, now)));
    if (!c) throw new AppError('TWO_FACTOR_CHALLENGE_EXPIRED');
    const failed = await ctx.db.transaction(async (tx) => {
      const a = await this.admin(tx, c.adminId, true);
      if (a.disabledAt) throw new AppError('TWO_FACTOR_CHALLENGE_EXPIRED');
      if (isLocked(a.lockedUntil, now)) throw new AppError('ACCOUNT_LOCKED');
      const how = await this.check(tx, a, code);
      const who = { type: 'admin' as const, id: a.id, ip };
      if (!how) {
        const next = afterFailedLogin(a.failedCount, now);
        await tx.update(admins).set(next).where(eq(admins.id, a.id));
        await audit(tx, who, next.lockedUntil ? 'admin.locked' : 'admin.two_factor_failed', { type: 'admin', id: a.id });
        // a locked account's challenge is spent: the password is asked again after the lock
        if (next.lockedUntil) await tx.delete(sessions).where(eq(sessions.id, c.id));
        return next.lockedUntil ? 'ACCOUNT_LOCKED' : 'TWO_FACTOR_CODE_INVALID';
      }
      await tx.delete(sessions).where(eq(sessions.id, c.id));
      await tx.update(admins).set({ failedCount: 0, lockedUntil: null, lastLoginAt: now }).where(eq(admins.id, a.id));
      await createSession(ctx, tx, reply, { type: 'admin', id: a.id }, ua, ADMIN_SESSION_HOURS);
      await audit(tx, who, how === 'recovery' ? 'admin.recovery_code_used' : 'admin.login', { type: 'admin', id: a.id }, { secondFactor: how });
      return null;
    });
    // the failure is committed (count, audit) before it is answered
    if (failed) throw new AppError(failed);
  }

  // ------------------------------------------------------------------ helpers

  private async withCode<T>(actor: Actor, code: string, fn: (tx: Tx, a: AdminRow) => Promise<T>): Promise<T> {
    const now = this.ctx.clock.now();
    const outcome = await this.ctx.db.transaction(async (tx) => {
      const a = await this.admin(tx, actor.id, true);
      if (!a.totpEnabledAt) throw new AppError('TWO_FACTOR_NOT_ENABLED');
      if (isLocked(a.lockedUntil, now)) throw new AppError('ACCOUNT_LOCKED');
      if (!(await this.check(tx, a, code))) {
        const next = afterFailedLogin(a.failedCount, now);
        await tx.update(admins).set(next).where(eq(admins.id, a.id));
        await audit(tx, actor, 'admin.two_factor_failed', { type: 'admin', id: a.id });
        return { ok: false as const };
      }
      return { ok: true as const, value: await fn(tx, a) };
    });
    if (!outcome.ok) throw new AppError('TWO_FACTOR_CODE_INVALID');
    return outcome.value;
  }

  /** A current TOTP code (not used before) or an unused recovery code; marks it used. */
  private async check(tx: Tx, a: AdminRow, raw: string): Promise<'totp' | 'recovery' | null> {
    const code = raw.trim();
    if (!a.totpEnabledAt || !a.totpSecretEnc) return null;
    if (/^\d{6}$/.test(code)) {
      const step = acceptedStep(this.ctx.crypto.decrypt(a.totpSecretEnc), code, this.ctx.clock.now(), a.totpLastStep);
      if (step === null) return null;
      await tx.update(admins).set({ totpLastStep: step }).where(eq(admins.id, a.id));
      return 'totp';
    }
    if (!looksLikeRecoveryCode(code)) return null;
    const used = await tx
      .update(adminRecoveryCodes)
      .set({ usedAt: this.ctx.clock.now() })
      .where(and(eq(adminRecoveryCodes.adminId, a.id), eq(adminRecoveryCodes.codeHash, hashRecoveryCode(code)), isNull(adminRecoveryCodes.usedAt)))
      .returning({ id: adminRecoveryCodes.id });
    return used.length ? 'recovery' : null;
  }

  private async replaceRecoveryCodes(tx: Tx, adminId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await tx.delete(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, adminId));
    await tx.insert(adminRecoveryCodes).values(codes.map((c) => ({ adminId, codeHash: hashRecoveryCode(c) })));
    return codes;
  }

  private async admin(tx: Tx, id: string, lock = false): Promise<AdminRow> {
    const q = tx.select().from(admins).where(eq(admins.id, id));
    const [a] = lock ? await q.for('update') : await q;
    if (!a) throw new AppError('AUTH_REQUIRED');
    return a;
  }
}
