/**
 * Sessions: an opaque random token in an HttpOnly, SameSite=Strict cookie; only its hash is stored.
 * State-changing requests must come from our own origin (Origin header check) — together with
 * SameSite=Strict this makes them CSRF-safe.
 */
import { and, gt, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admins, sessions } from '../../db/schema/index.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import type { AppContext } from '../../platform/context.js';
import type { SubjectType } from '../../../../contracts/permissions.js';
import type { Tx } from '../../platform/db.js';
import { hotQuery } from '../../platform/hot-query.js';
import { bindPendingWechat } from './wechat-binding.js';
import { findActor, type Actor, type AdminRole } from '../../platform/actor.js';

// the guards every module's routes use live in platform/actor.ts (so that a module identity itself
// uses, like notify, can use them without an import cycle); they are named here too
export { requireActor, findActor, requireAdmin, requireSystemAdmin, adminUnitScope, unitScopeOf, assertInUnitScope } from '../../platform/actor.js';
export type { Actor, AdminRole } from '../../platform/actor.js';

/**
 * One cookie per kind of app, so that one browser can be signed in to the visitor app, the staff
 * app, the admin console and a kiosk at once (a tester's laptop, a reception PC that also runs the
 * kiosk). A request may carry several; each route asks for the kinds it accepts.
 */
export const SESSION_COOKIES = { visitor: 'sg_visitor', phone: 'sg_visitor', staff: 'sg_staff', admin: 'sg_admin', kiosk: 'sg_kiosk' } as const satisfies Record<SubjectType, string>;
const COOKIE_NAMES = [...new Set(Object.values(SESSION_COOKIES))];
export type AppScope = 'visitor' | 'staff' | 'admin' | 'kiosk';
export const SCOPE_TYPES: Record<AppScope, SubjectType[]> = { visitor: ['visitor', 'phone'], staff: ['staff'], admin: ['admin'], kiosk: ['kiosk'] };



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
  reply.setCookie(SESSION_COOKIES[subject.type], token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.cookieSecure,
    expires: expiresAt,
  });
  return row!.id;
}

/** Sign out of one app (scope), or of every app this browser is signed in to. */
export async function destroySession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, scope?: AppScope) {
  const ending = req.actors.filter((a) => !scope || SCOPE_TYPES[scope].includes(a.type as SubjectType));
  const ids = ending.map((a) => a.sessionId!).filter(Boolean);
  if (ids.length) await ctx.db.delete(sessions).where(inArray(sessions.id, ids));
  const names = scope ? [SESSION_COOKIES[SCOPE_TYPES[scope][0]!]] : COOKIE_NAMES;
  for (const name of names) reply.clearCookie(name, { path: '/' });
}

/** The live sessions of these token hashes, with their administrator's role (every request with a cookie: prepared). */
const findSessions = hotQuery<{ hashes: string[]; now: Date }, Array<{ id: string; subjectType: string; subjectId: string; adminRole: AdminRole['role'] | null; adminUnitId: string | null; adminTotp: Date | null; adminDisabled: Date | null }>>('sg_session_lookup', (db) =>
  db
    .select({
      id: sessions.id,
      subjectType: sessions.subjectType,
      subjectId: sessions.subjectId,
      adminRole: admins.role,
      adminUnitId: admins.unitId,
      adminTotp: admins.totpEnabledAt,
      adminDisabled: admins.disabledAt,
    })
    .from(sessions)
    .leftJoin(admins, sql`${sessions.subjectType} = 'admin' and ${admins.id}::text = ${sessions.subjectId}`)
    .where(and(sql`${sessions.tokenHash} = any(${sql.placeholder('hashes')}::text[])`, gt(sessions.expiresAt, sql.placeholder('now')))),
);

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installSessions(app: FastifyInstance, ctx: AppContext) {
  installAreaGuard(app, ctx);
  app.decorateRequest('actor', null);
  app.decorateRequest('actors', {
    getter() {
      return (this as unknown as { _actors?: Actor[] })._actors ?? [];
    },
    setter(v: Actor[]) {
      (this as unknown as { _actors?: Actor[] })._actors = v;
    },
  });
  app.addHook('onRequest', async (req) => {
    if (UNSAFE.has(req.method)) {
      const origin = req.headers.origin;
      // `Origin: null` (a sandboxed frame, a data: URL, some redirects) is an opaque, foreign origin
      if (origin === 'null') throw new AppError('CSRF_REJECTED');
      if (origin) {
        let host: string;
        try {
          host = new URL(origin).host;
        } catch {
          throw new AppError('CSRF_REJECTED');
        }
        // req.host believes X-Forwarded-Host only from a proxy TRUST_PROXY lists (else it is the Host header)
        if (host !== req.host) throw new AppError('CSRF_REJECTED');
      }
    }
    if (!req.url.startsWith('/api/')) return;
    const hashes = COOKIE_NAMES.map((n) => req.cookies?.[n]).filter((t): t is string => !!t).map(sha256);
    if (hashes.length === 0) return;
    const rows = await findSessions(ctx.db, { hashes, now: ctx.clock.now() });
    req.actors = rows
      // an administrator session only counts while its administrator exists and is not disabled
      .filter((s) => s.subjectType !== 'admin' || (s.adminRole && !s.adminDisabled))
      .filter((s) => s.subjectType in SESSION_COOKIES)
      .map((s) => ({
        type: s.subjectType as SubjectType,
        id: s.subjectId,
        sessionId: s.id,
        ip: req.ip,
        ...(s.subjectType === 'admin' ? { admin: { role: s.adminRole!, unitId: s.adminUnitId, totp: !!s.adminTotp } } : {}),
      }));
    req.actor = req.actors[0] ?? null;
  });
}

/**
 * Who may call which part of the API at all, checked before the body is validated, so that a call
 * without the right session gets 401 whatever it sends. Each service still begins with its own,
 * finer access check (requireActor); this table only keeps the coarse door shut.
 */
const AREAS: Array<[RegExp, SubjectType[]]> = [
  [/^\/api\/admin\//, ['admin']],
  [/^\/api\/kiosk\/(?!pair$)/, ['kiosk']],
  [/^\/api\/codes\/verify$/, ['kiosk']],
  [/^\/api\/approvals\//, ['staff']],
  [/^\/api\/staff\//, ['staff']],
  [/^\/api\/(rooms|bookings|meetings)(\/|$)/, ['staff']],
  [/^\/api\/visitor\//, ['visitor', 'phone']],
  [/^\/api\/visits(\/|$)/, ['visitor', 'staff']],
  [/^\/api\/links\/:token\/submit$/, ['visitor']],
  [/^\/api\/hosts\//, ['visitor', 'phone', 'staff', 'kiosk']],
];

export function installAreaGuard(app: FastifyInstance, ctx?: AppContext) {
  app.addHook('preValidation', async (req) => {
    const route = req.routeOptions.url ?? '';
    const area = AREAS.find(([re]) => re.test(route));
    if (area && !req.actors.some((a) => area[1].includes(a.type as SubjectType))) throw new AppError('AUTH_REQUIRED');
    if (route.startsWith('/api/admin/')) guardAdminRoute(req, route, ctx?.config.ADMIN_REQUIRE_2FA ?? false);
  });
}


/**
 * Admin routes only a 系统管理员 may call (A10): devices, changing buildings, kiosks, jobs, the SMS outbox,
 * the audit log, the center's notification templates (a unit's own wording is unit-scoped), the
 * center's on-site list and roll call, webhooks, retention, administrators, creating or
 * deleting units and the blocklist (docs/decisions/0015-unit-administrators.md). A 单位管理员
 * gets 403 SYSTEM_ADMIN_ONLY before the body is read. Everything else under /api/admin/ is either
 * scoped to the unit admin's unit by its service (adminUnitScope: another unit's record → 404) or
 * unit-neutral. admin-authz.matrix.api.test.ts checks every admin route against this.
 */
export const SYSTEM_ONLY_ROUTES: Array<[method: string | '*', RegExp]> = [
  ['*', /^\/api\/admin\/(devices|access|kiosk-devices|jobs|sms-outbox|audit|notification-templates|on-site|roll-call|webhooks|retention|admins)(\/|$)/],
  // the buildings' names are read by every admin page that shows a unit; changing them is the center's
  ['POST', /^\/api\/admin\/buildings$/],
  ['PATCH', /^\/api\/admin\/buildings\/:id$/],
  ['DELETE', /^\/api\/admin\/buildings\/:id$/],
  ['POST', /^\/api\/admin\/units$/],
  ['DELETE', /^\/api\/admin\/units\/:id$/],
  ['*', /^\/api\/admin\/visitors\/:id\/block$/],
  // 记录查询's exports of 通行记录 and 操作日志 (their lists are system-only above)
  ['POST', /^\/api\/admin\/records\/(access-events|audit)\/export$/],
];

/** Routes an administrator may use before a required second factor is set up (ADMIN_REQUIRE_2FA). */
const TWO_FACTOR_EXEMPT = /^\/api\/admin\/account(\/|$)/;

export function isSystemOnlyRoute(method: string, route: string) {
  return SYSTEM_ONLY_ROUTES.some(([m, re]) => (m === '*' || m === method) && re.test(route));
}

function guardAdminRoute(req: FastifyRequest, route: string, require2fa: boolean) {
  const a = findActor(req, 'admin');
  if (!a?.admin) return; // the area guard answered 401 already
  if (require2fa && !a.admin.totp && !TWO_FACTOR_EXEMPT.test(route)) throw new AppError('TWO_FACTOR_REQUIRED');
  if (a.admin.role !== 'system' && isSystemOnlyRoute(req.method, route)) throw new AppError('SYSTEM_ADMIN_ONLY');
}

