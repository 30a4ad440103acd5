/** Pure rules of SMS verification codes (X1, OWASP ASVS 4.0.3 §2.7). No I/O. */
export const CODE_TTL_MS = 5 * 60_000;
export const CODE_MAX_TRIES = 5;
export const RESEND_GAP_MS = 60_000;
export const ADMIN_MAX_FAILURES = 5;
export const ADMIN_LOCK_MS = 15 * 60_000;
/** Staff password sign-in: this many failures for one phone from one address pause it there for the window. */
export const STAFF_PASSWORD_MAX_FAILURES = 5;
export const STAFF_PASSWORD_WINDOW_S = 15 * 60;

/** What anyone may request a code for (POST /api/auth/sms-code). */
export const SMS_PURPOSES = ['visitor_login', 'staff_login'] as const;
/**
 * …and codes that only a signed-in user's own route sends: 'staff_phone_change' goes to the NEW
 * phone of a 修改个人信息 (S9), proving the staff member holds it.
 */
export type SmsPurpose = (typeof SMS_PURPOSES)[number] | 'staff_phone_change';

export interface StoredCode {
  attempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
  matches: boolean;
}

export type CodeOutcome = 'ok' | 'expired' | 'too_many_tries' | 'wrong' | 'wrong_last_try';

/** What happens when `code` is tried against the newest stored code (null: none). */
export function judgeCode(stored: StoredCode | null, now: Date): CodeOutcome {
  if (!stored || stored.consumedAt || stored.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (stored.attempts >= CODE_MAX_TRIES) return 'too_many_tries';
  if (stored.matches) return 'ok';
  return stored.attempts + 1 >= CODE_MAX_TRIES ? 'wrong_last_try' : 'wrong';
}

/** May a new code be sent, given when the last one was? */
export function canResend(lastSentAt: Date | null, now: Date): boolean {
  return !lastSentAt || now.getTime() - lastSentAt.getTime() >= RESEND_GAP_MS;
}

/** Admin lock-out after ADMIN_MAX_FAILURES consecutive failures. */
export function afterFailedLogin(failedCount: number, now: Date): { failedCount: number; lockedUntil: Date | null } {
  const n = failedCount + 1;
  return n >= ADMIN_MAX_FAILURES ? { failedCount: 0, lockedUntil: new Date(now.getTime() + ADMIN_LOCK_MS) } : { failedCount: n, lockedUntil: null };
}

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return !!lockedUntil && lockedUntil.getTime() > now.getTime();
}
