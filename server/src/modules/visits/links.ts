/**
 * SMS links (/l/<code>): a 12-character random base62 code (≈71 bits), kept server-side only as its
 * SHA-256 in short_links with the purpose, order, phone and expiry it stands for. companion /
 * invitation / meeting links are bound to one phone and one order and work once; forward links
 * belong to a main order and work until they expire. See docs/decisions/0011-short-sms-links.md.
 *
 * Until the last of them expires (14 days after this change ships), the former signed JWT links
 * already sent are still verified; their one use is recorded in link_token_uses.
 */
import { createHash, randomInt } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { jwtVerify, errors as joseErrors } from 'jose';
import { linkTokenUses, shortLinks } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';

export type LinkPurpose = 'companion' | 'invitation' | 'forward' | 'meeting';
export const LINK_PURPOSES: readonly LinkPurpose[] = ['companion', 'invitation', 'forward', 'meeting'];

export interface LinkClaims {
  purpose: LinkPurpose;
  orderId: string;
  phone: string | null;
  expiresAt: Date;
  /** the short link's row (code hash), or a former JWT's jti */
  ref: { kind: 'short'; codeHash: string } | { kind: 'legacy'; jti: string };
  used: boolean;
}

const MAX_LIFETIME_MS = 14 * 24 * 3600_000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const LINK_CODE_LENGTH = 12;
const CODE = new RegExp(`^[0-9A-Za-z]{${LINK_CODE_LENGTH}}$`);
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** A fresh code: each character drawn uniformly from 62 by the CSPRNG (randomInt rejects biased draws). */
export function newLinkCode(): string {
  let out = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

const hashOf = (code: string) => createHash('sha256').update(code).digest('base64url');

/** Create a link in the caller's transaction (it exists only if the business write commits). */
export async function createLink(
  ctx: AppContext,
  tx: Tx,
  c: { purpose: LinkPurpose; orderId: string; phone?: string; until: Date },
): Promise<{ code: string; url: string; expiresAt: Date }> {
  const now = ctx.clock.now();
  const expiresAt = new Date(Math.min(c.until.getTime(), now.getTime() + MAX_LIFETIME_MS));
  const code = newLinkCode();
  await tx.insert(shortLinks).values({ codeHash: hashOf(code), purpose: c.purpose, orderId: c.orderId, phone: c.phone ?? null, expiresAt });
  return { code, url: `${publicBase(ctx)}/l/${code}`, expiresAt };
}

/** What a link stands for; LINK_INVALID (unknown, malformed) or LINK_EXPIRED. Whether it was used is `used`. */
export async function resolveLink(ctx: AppContext, tx: Tx, token: string): Promise<LinkClaims> {
  if (CODE.test(token)) {
    const codeHash = hashOf(token);
    const [row] = await tx.select().from(shortLinks).where(eq(shortLinks.codeHash, codeHash)).limit(1);
    if (!row || !LINK_PURPOSES.includes(row.purpose as LinkPurpose)) throw new AppError('LINK_INVALID');
    if (row.expiresAt.getTime() <= ctx.clock.now().getTime()) throw new AppError('LINK_EXPIRED');
    return { purpose: row.purpose as LinkPurpose, orderId: row.orderId, phone: row.phone, expiresAt: row.expiresAt, ref: { kind: 'short', codeHash }, used: !!row.usedAt };
  }
  if (JWT.test(token)) return resolveLegacy(ctx, tx, token);
  throw new AppError('LINK_INVALID');
}

/** Record the one use of a single-use link; LINK_USED when another request used it first. */
export async function markLinkUsed(ctx: AppContext, tx: Tx, c: LinkClaims): Promise<void> {
  const now = ctx.clock.now();
  if (c.ref.kind === 'short') {
    const done = await tx
      .update(shortLinks)
      .set({ usedAt: now })
      .where(and(eq(shortLinks.codeHash, c.ref.codeHash), isNull(shortLinks.usedAt)))
      .returning({ codeHash: shortLinks.codeHash });
    if (!done.length) throw new AppError('LINK_USED');
  } else {
    await tx.insert(linkTokenUses).values({ jti: c.ref.jti, usedAt: now, orderId: c.orderId });
  }
}

/** The former signed links (jose HS256 under the link key); remove once none can be unexpired. */
async function resolveLegacy(ctx: AppContext, tx: Tx, token: string): Promise<LinkClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, ctx.crypto.linkKey, { algorithms: ['HS256'], currentDate: ctx.clock.now() }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new AppError('LINK_EXPIRED');
    throw new AppError('LINK_INVALID');
  }
  const purpose = payload.p as LinkPurpose;
  if (!LINK_PURPOSES.includes(purpose) || typeof payload.o !== 'string' || !payload.jti) throw new AppError('LINK_INVALID');
  const [used] = await tx.select().from(linkTokenUses).where(eq(linkTokenUses.jti, payload.jti)).limit(1);
  return {
    purpose,
    orderId: payload.o,
    phone: typeof payload.ph === 'string' ? payload.ph : null,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
    ref: { kind: 'legacy', jti: payload.jti },
    used: !!used,
  };
}

export function publicBase(ctx: AppContext): string {
  return (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/$/, '');
}
