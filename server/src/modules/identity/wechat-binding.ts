/**
 * Binding a WeChat openid to a visitor. A WeChat user whose openid is not bound yet gets a short,
 * encrypted (AES-GCM, so unforgeable) cookie holding the openid; the next visitor session created
 * in that browser — SMS login or registration — binds it. Later WeChat opens sign in directly.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import { visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { audit } from '../audit/audit.js';

export const WECHAT_BIND_COOKIE = 'sg_wechat_bind';
export const WECHAT_BIND_TTL_MS = 10 * 60_000;

export function setPendingWechatBinding(ctx: AppContext, reply: FastifyReply, openId: string) {
  const value = ctx.crypto.encrypt(JSON.stringify({ o: openId, e: ctx.clock.now().getTime() + WECHAT_BIND_TTL_MS }));
  reply.setCookie(WECHAT_BIND_COOKIE, value, {
    path: '/api/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.cookieSecure,
    maxAge: WECHAT_BIND_TTL_MS / 1000,
  });
}

export function clearPendingWechatBinding(reply: FastifyReply) {
  reply.clearCookie(WECHAT_BIND_COOKIE, { path: '/api/' });
}

function readPending(ctx: AppContext, reply: FastifyReply): string | null {
  const raw = reply.request.cookies?.[WECHAT_BIND_COOKIE];
  if (!raw) return null;
  try {
    const { o, e } = JSON.parse(ctx.crypto.decrypt(raw)) as { o: unknown; e: unknown };
    if (typeof o !== 'string' || typeof e !== 'number' || e <= ctx.clock.now().getTime()) return null;
    return o;
  } catch {
    return null;
  }
}

/** Bind `openId` to the visitor (moving it from any other visitor), with its audit event. */
export async function bindWechatOpenId(tx: Tx, visitorId: string, openId: string, ip?: string) {
  await tx.update(visitors).set({ wechatOpenId: null }).where(and(eq(visitors.wechatOpenId, openId), ne(visitors.id, visitorId)));
  await tx.update(visitors).set({ wechatOpenId: openId }).where(eq(visitors.id, visitorId));
  await audit(tx, { type: 'visitor', id: visitorId, ip }, 'visitor.wechat_bound', { type: 'visitor', id: visitorId });
}

/** Called when a visitor session is created: binds a pending WeChat openid, if the browser has one. */
export async function bindPendingWechat(ctx: AppContext, tx: Tx, reply: FastifyReply, visitorId: string) {
  if (!reply.request.cookies?.[WECHAT_BIND_COOKIE]) return;
  const openId = readPending(ctx, reply);
  clearPendingWechatBinding(reply);
  if (openId) await bindWechatOpenId(tx, visitorId, openId, reply.request.ip);
}
