/**
 * 访客预约码 (V8, X4): a short-lived code for a confirmed order, signed with Ed25519 so that the
 * server verifies it and a gate holding only the public key can verify it offline. The signing key
 * is derived from MASTER_KEY (HKDF), so every process of a deployment signs with the same key.
 */
import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, exportJWK } from 'jose';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';

export const CODE_LIFETIME_S = 60;
export const CODE_REFRESH_S = 30;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const keys = new WeakMap<AppContext, { priv: KeyObject; pub: KeyObject }>();
function keyPair(ctx: AppContext) {
  let k = keys.get(ctx);
  if (!k) {
    // the HKDF input is the link key (itself derived from MASTER_KEY) — a separate info string keeps purposes apart
    const seed = Buffer.from(hkdfSync('sha256', ctx.crypto.linkKey, Buffer.alloc(0), 'safeguard/appointment-code/ed25519/v1', 32));
    const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    k = { priv, pub: createPublicKey(priv) };
    keys.set(ctx, k);
  }
  return k;
}

export async function signCode(ctx: AppContext, orderId: string): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(ctx.clock.now().getTime() / 1000);
  const token = await new SignJWT({ o: orderId })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'sg-code' })
    .setIssuedAt(now)
    .setExpirationTime(now + CODE_LIFETIME_S)
    .sign(keyPair(ctx).priv);
  return { token, expiresAt: new Date((now + CODE_LIFETIME_S) * 1000) };
}

/**
 * The code printed on a visitor slip (X6): the same signed token the gates already accept, but
 * valid until the order's window ends instead of 60 seconds — a slip is paper and cannot refresh.
 * Gates still refuse it before the window starts (the server checks the window on every pass).
 */
export async function signSlipCode(ctx: AppContext, orderId: string, endAt: Date): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(ctx.clock.now().getTime() / 1000);
  const exp = Math.floor(endAt.getTime() / 1000);
  const token = await new SignJWT({ o: orderId, slip: true })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'sg-code' })
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(keyPair(ctx).priv);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** The order a code is for; `at` (default now) is the moment it was shown — an offline kiosk's check-in sent later. */
export async function verifyCode(ctx: AppContext, token: string, at: Date = ctx.clock.now()): Promise<string> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keyPair(ctx).pub, { algorithms: ['EdDSA'], currentDate: at });
    if (protectedHeader.typ !== 'sg-code' || typeof payload.o !== 'string') throw new AppError('CODE_INVALID');
    return payload.o;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw new AppError('CODE_EXPIRED');
    throw new AppError('CODE_INVALID');
  }
}

/** The public key gates use to verify codes offline (JWK, Ed25519). */
export async function publicJwk(ctx: AppContext): Promise<{ kty: string; crv: string; x: string; alg: string; use: string; kid: string }> {
  const jwk = await exportJWK(keyPair(ctx).pub);
  return { kty: jwk.kty ?? 'OKP', crv: jwk.crv ?? 'Ed25519', x: jwk.x ?? '', alg: 'EdDSA', use: 'sig', kid: 'sg-code-v1' };
}
