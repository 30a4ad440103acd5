import { describe, expect, it } from 'vitest';
import { afterFailedLogin, canResend, isLocked, judgeCode, CODE_MAX_TRIES } from './identity.rules.js';

const now = new Date('2026-11-24T10:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('judgeCode', () => {
  it.each([
    ['no code was sent', null, 'expired'],
    ['right code within 5 minutes', { attempts: 0, expiresAt: later(1), consumedAt: null, matches: true }, 'ok'],
    ['right code after expiry', { attempts: 0, expiresAt: now, consumedAt: null, matches: true }, 'expired'],
    ['right code already used', { attempts: 0, expiresAt: later(60_000), consumedAt: now, matches: true }, 'expired'],
    ['wrong code, first try', { attempts: 0, expiresAt: later(60_000), consumedAt: null, matches: false }, 'wrong'],
    ['wrong code, fifth try', { attempts: CODE_MAX_TRIES - 1, expiresAt: later(60_000), consumedAt: null, matches: false }, 'wrong_last_try'],
    ['right code after 5 wrong tries', { attempts: CODE_MAX_TRIES, expiresAt: later(60_000), consumedAt: null, matches: true }, 'too_many_tries'],
  ] as const)('%s → %s', (_name, stored, expected) => {
    expect(judgeCode(stored, now)).toBe(expected);
  });
});

describe('canResend', () => {
  it.each([
    [null, true],
    [later(-59_999), false],
    [later(-60_000), true],
  ] as const)('last sent %s → %s', (last, expected) => expect(canResend(last, now)).toBe(expected));
});

describe('admin lock-out', () => {
  it('locks for 15 minutes on the fifth consecutive failure, not before', () => {
    let state = { failedCount: 0, lockedUntil: null as Date | null };
    for (let i = 1; i <= 4; i++) {
      state = afterFailedLogin(state.failedCount, now);
      expect(state.lockedUntil).toBeNull();
    }
    state = afterFailedLogin(state.failedCount, now);
    expect(state.lockedUntil?.getTime()).toBe(now.getTime() + 15 * 60_000);
    expect(isLocked(state.lockedUntil, later(15 * 60_000 - 1))).toBe(true);
    expect(isLocked(state.lockedUntil, later(15 * 60_000))).toBe(false);
  });
});
