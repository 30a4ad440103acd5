/** A 访客预约码 signed by the server, checked as the kiosk does offline (contracts/code-verify.ts). */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { verifyCodeWithKey } from '../../../../contracts/code-verify.js';
import { CODE_LIFETIME_S, publicJwk, signCode, signSlipCode } from './codes.js';
import type { AppContext } from '../../platform/context.js';

const T0 = new Date('2026-12-07T02:00:00Z');
const fakeCtx = (linkKey = randomBytes(32)) => ({ crypto: { linkKey }, clock: { now: () => T0 } }) as unknown as AppContext;
const ORDER = '5f3c2f0e-8a0e-4a7e-9d8b-2f6f3c1e9a11';

describe('访客预约码 verified offline against the public key', () => {
  it('a code the server signed: valid with the order id until it expires, then expired', async () => {
    const ctx = fakeCtx();
    const key = await publicJwk(ctx);
    const { token } = await signCode(ctx, ORDER);
    expect(verifyCodeWithKey(token, key, T0)).toEqual({ ok: true, orderId: ORDER, expiresAt: new Date(T0.getTime() + CODE_LIFETIME_S * 1000), slip: false });
    expect(verifyCodeWithKey(token, key, new Date(T0.getTime() + (CODE_LIFETIME_S - 1) * 1000)).ok).toBe(true);
    expect(verifyCodeWithKey(token, key, new Date(T0.getTime() + CODE_LIFETIME_S * 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a slip code is valid until the window ends', async () => {
    const ctx = fakeCtx();
    const end = new Date(T0.getTime() + 3 * 3600_000);
    const { token } = await signSlipCode(ctx, ORDER, end);
    expect(verifyCodeWithKey(token, await publicJwk(ctx), new Date(end.getTime() - 60_000))).toMatchObject({ ok: true, orderId: ORDER, slip: true });
  });

  it('altered, signed by another deployment, another kind of token, or garbage → invalid; no key yet → no_key', async () => {
    const ctx = fakeCtx();
    const key = await publicJwk(ctx);
    const { token } = await signCode(ctx, ORDER);
    const [h, p, s] = token.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ o: '00000000-0000-4000-8000-000000000000', exp: Math.floor(T0.getTime() / 1000) + 60 })).toString('base64url');
    expect(verifyCodeWithKey(`${h}.${otherPayload}.${s}`, key, T0)).toEqual({ ok: false, reason: 'invalid' });
    const flipped = Buffer.from(s!, 'base64url');
    flipped[5] ^= 1;
    expect(verifyCodeWithKey(`${h}.${p}.${flipped.toString('base64url')}`, key, T0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyCodeWithKey((await signCode(fakeCtx(), ORDER)).token, key, T0)).toEqual({ ok: false, reason: 'invalid' });
    // same key, but not a 访客预约码 (typ), or not EdDSA
    const { privateKey } = generateKeyPairSync('ed25519');
    const notACode = await new SignJWT({ o: ORDER }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).setExpirationTime(Math.floor(T0.getTime() / 1000) + 60).sign(privateKey);
    expect(verifyCodeWithKey(notACode, key, T0)).toEqual({ ok: false, reason: 'invalid' });
    for (const junk of ['', 'abc', 'a.b.c', `${h}.${p}`, '访客预约码']) expect(verifyCodeWithKey(junk, key, T0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyCodeWithKey(token, null, T0)).toEqual({ ok: false, reason: 'no_key' });
  });
});
