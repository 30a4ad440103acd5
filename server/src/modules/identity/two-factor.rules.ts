/**
 * The administrators' second factor (A10): TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1 — what
 * every authenticator app reads from the QR code) through the maintained `otpauth` library, and ten
 * single-use recovery codes. Pure functions: the service stores and audits.
 */
import { Secret, TOTP } from 'otpauth';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../platform/crypto.js';

export const TOTP_PERIOD_S = 30;
/** one step either side: a phone whose clock is up to 30 s off still signs in */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
/** how long the password step waits for the second one */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** a set-up secret not confirmed within this is dropped (scan a new QR code) */
export const ENROLMENT_TTL_MS = 15 * 60_000;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(secretBase32: string, label: string, issuer: string) {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secretBase32) });
}

/**
 * The time step a 6-digit code belongs to, if it is valid now (±1 step) and newer than the last step
 * used — so a code is accepted once, even within its own 30 seconds. null: wrong or replayed.
 */
export function acceptedStep(secretBase32: string, code: string, now: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32, 'x', 'x').validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = Math.floor(now.getTime() / 1000 / TOTP_PERIOD_S) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz023456789'; // 32 signs: no o, 1, l, i

/** Ten codes like `k7m2p-9qx4d` (50 bits each): shown once, only their hashes kept. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const b = randomBytes(10);
    const chars = [...b].map((x) => ALPHABET[x & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Spaces, case and the dash do not matter when a recovery code is typed. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return sha256(`admin-recovery:${normaliseRecoveryCode(code)}`);
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normaliseRecoveryCode(code)) && !/^\d+$/.test(normaliseRecoveryCode(code));
}
