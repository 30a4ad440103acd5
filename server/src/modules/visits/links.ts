/**
 * Signed, expiring, single-purpose link tokens (jose HS256 under a key derived from MASTER_KEY).
 * companion / invitation / meeting links are bound to one phone and one order and work once (the use is
 * recorded in link_token_uses); forward links belong to a main order and work until they expire.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';

export type LinkPurpose = 'companion' | 'invitation' | 'forward' | 'meeting';
export interface LinkClaims {
  purpose: LinkPurpose;
  orderId: string;
  phone: string | null;
  jti: string;
  expiresAt: Date;
}

const MAX_LIFETIME_MS = 14 * 24 * 3600_000;

export async function signLink(ctx: AppContext, c: { purpose: LinkPurpose; orderId: string; phone?: string; until: Date }): Promise<{ token: string; url: string; expiresAt: Date }> {
  const now = ctx.clock.now();
  const expiresAt = new Date(Math.min(c.until.getTime(), now.getTime() + MAX_LIFETIME_MS));
  const token = await new SignJWT({ p: c.purpose, o: c.orderId, ...(c.phone ? { ph: c.phone } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setJti(randomUUID())
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(ctx.crypto.linkKey);
  return { token, url: `${publicBase(ctx)}/l/${token}`, expiresAt };
}

export async function verifyLink(ctx: AppContext, token: string): Promise<LinkClaims> {
  try {
    const { payload } = await jwtVerify(token, ctx.crypto.linkKey, { algorithms: ['HS256'], currentDate: ctx.clock.now() });
    const purpose = payload.p as LinkPurpose;
    if (!['companion', 'invitation', 'forward', 'meeting'].includes(purpose) || typeof payload.o !== 'string' || !payload.jti) throw new AppError('LINK_INVALID');
    return { purpose, orderId: payload.o, phone: typeof payload.ph === 'string' ? payload.ph : null, jti: payload.jti, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw new AppError('LINK_EXPIRED');
    throw new AppError('LINK_INVALID');
  }
}

export function publicBase(ctx: AppContext): string {
  return (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/$/, '');
}
