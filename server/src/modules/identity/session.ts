/**
 * Sessions: an opaque random token in an HttpOnly, SameSite=Strict cookie; only its hash is stored.
 * State-changing requests must come from our own origin (Origin header check) — together with
 * SameSite=Strict this makes them CSRF-safe.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessions } from '../../db/schema/index.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import type { AppContext } from '../../platform/context.js';
import type { SubjectType } from '../../../../contracts/permissions.js';
import type { Tx } from '../../platform/db.js';
import { bindPendingWechat } from './wechat-binding.js';

export const SESSION_COOKIE = 'sg_session';

export interface Actor {
  type: SubjectType | 'system';
  id: string;
  sessionId?: string;
  ip?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export async function createSession(ctx: AppContext, tx: Tx, reply: FastifyReply, subject: { type: SubjectType; id: string }, userAgent?: string, ttlHours?: number) {
  const token = randomToken();
  const hours = ttlHours ?? ctx.config.SESSION_TTL_HOURS;
  const expiresAt = new Date(ctx.clock.now().getTime() + hours * 3600_000);
  const [row] = await tx
    .insert(sessions)
    .values({ tokenHash: sha256(token), subjectType: subject.type, subjectId: subject.id, expiresAt, userAgent: userAgent?.slice(0, 300) })
    .returning({ id: sessions.id });
  // a WeChat openid waiting in this browser is bound to the visitor who signs in (SMS or registration)
  if (subject.type === 'visitor') await bindPendingWechat(ctx, tx, reply, subject.id);
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.cookieSecure,
    expires: expiresAt,
  });
  return row!.id;
}

export async function destroySession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply) {
  if (req.actor?.sessionId) await ctx.db.delete(sessions).where(eq(sessions.id, req.actor.sessionId));
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installSessions(app: FastifyInstance, ctx: AppContext) {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    if (UNSAFE.has(req.method)) {
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        let host: string;
        try {
          host = new URL(origin).host;
        } catch {
          throw new AppError('CSRF_REJECTED');
        }
        const forwarded = req.headers['x-forwarded-host'];
        const expected = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.headers.host;
        if (host !== expected) throw new AppError('CSRF_REJECTED');
      }
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token || !req.url.startsWith('/api/')) return;
    const [s] = await ctx.db
      .select({ id: sessions.id, subjectType: sessions.subjectType, subjectId: sessions.subjectId })
      .from(sessions)
      .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, ctx.clock.now())))
      .limit(1);
    if (s) req.actor = { type: s.subjectType as SubjectType, id: s.subjectId, sessionId: s.id, ip: req.ip };
  });
}

/** The access check every protected route starts with. */
export function requireActor(req: FastifyRequest, ...types: SubjectType[]): Actor {
  const a = req.actor;
  if (!a || (types.length > 0 && !types.includes(a.type as SubjectType))) throw new AppError('AUTH_REQUIRED');
  return a;
}
