import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { destroySession, requireActor, SCOPE_TYPES } from './session.js';
import { IdentityService } from './identity.service.js';
import { registerSessionSweep, scheduleSessionSweep } from './session-sweep.js';
import { TwoFactorService } from './two-factor.service.js';
import { SMS_PURPOSES } from './identity.rules.js';

const phone = z.string().describe('11-digit mainland mobile number');
const ok = z.object({ ok: z.literal(true) });

export const meSchema = z.object({
  type: z.string(),
  id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  roles: z.array(z.string()).optional(),
  admin: z
    .object({
      role: z.enum(['system', 'unit']).describe('系统管理员 (every unit) or 单位管理员 (unitId only)'),
      unitId: z.string().nullable(),
      unitName: z.string().nullable(),
      twoFactor: z.boolean().describe('a second factor (TOTP) is on'),
      twoFactorRequired: z.boolean().describe('ADMIN_REQUIRE_2FA: without a second factor only 账号安全 works'),
    })
    .optional()
    .describe('for an administrator'),
});

export async function identityRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new IdentityService(ctx);
  const twoFactor = new TwoFactorService(ctx);
  const tags = ['identity'];
  registerSessionSweep(ctx);
  app.addHook('onReady', () => scheduleSessionSweep(ctx));

  r.post('/api/auth/sms-codes', {
    schema: {
      operationId: 'requestSmsCode',
      tags,
      summary: 'Send a 6-digit login code by SMS (获取验证码); one code per phone per 60 s, whatever the purpose (429 SMS_TOO_SOON)',
      body: z.object({ phone, purpose: z.enum(SMS_PURPOSES) }),
      response: { 200: ok, ...errors(400, 429) },
    },
    handler: async (req) => {
      await svc.requestCode(req.body.phone, req.body.purpose, req.ip);
      return { ok: true as const };
    },
  });

  r.post('/api/auth/visitor/login', {
    schema: {
      operationId: 'visitorLogin',
      tags,
      summary: 'Visitor login by phone + SMS code (V1); a new phone must register next',
      body: z.object({ phone, code: z.string().regex(/^\d{6}$/) }),
      response: { 200: z.object({ registered: z.boolean() }), ...errors(400, 429) },
    },
    handler: (req, reply) => svc.visitorLogin(req.body.phone, req.body.code, reply, req.headers['user-agent']),
  });

  r.post('/api/auth/staff/login', {
    schema: {
      operationId: 'staffLogin',
      tags,
      summary: 'Staff login by phone + SMS code, or phone + password (5 wrong passwords for a phone from one address pause password sign-in there for the 15-minute window: 423 PASSWORD_LOGIN_LOCKED; an SMS-code sign-in lifts it)',
      body: z.union([
        z.object({ phone, code: z.string().regex(/^\d{6}$/) }),
        z.object({ phone, password: z.string().min(1).max(200) }),
      ]),
      response: { 200: ok, ...errors(400, 401, 423, 429) },
    },
    handler: async (req, reply) => {
      const b = req.body;
      if ('code' in b) await svc.staffLoginByCode(b.phone, b.code, reply, req.headers['user-agent']);
      else await svc.staffLoginByPassword(b.phone, b.password, req.ip, reply, req.headers['user-agent']);
      return { ok: true as const };
    },
  });

  r.post('/api/auth/admin/login', {
    schema: {
      operationId: 'adminLogin',
      tags,
      summary:
        'Administrator password login (Argon2id; locked 15 min after 5 failures). With a second factor on, no session yet: twoFactorChallenge is answered at POST /api/auth/admin/login/two-factor within 5 minutes',
      body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
      response: { 200: z.object({ ok: z.literal(true), twoFactorChallenge: z.string().optional() }), ...errors(400, 401, 423) },
    },
    handler: async (req, reply) => {
      const out = await svc.adminLogin(req.body.username, req.body.password, req.ip, reply, req.headers['user-agent']);
      return { ok: true as const, ...out };
    },
  });

  r.post('/api/auth/admin/login/two-factor', {
    schema: {
      operationId: 'adminLoginSecondFactor',
      tags,
      summary:
        "The second step of admin sign-in: the authenticator app's 6-digit code (each accepted once) or a recovery code (single use). Wrong codes count with wrong passwords: 5 lock the account for 15 minutes (423 ACCOUNT_LOCKED); 401 TWO_FACTOR_CODE_INVALID, TWO_FACTOR_CHALLENGE_EXPIRED",
      body: z.object({ challenge: z.string().min(1).max(100), code: z.string().min(1).max(40) }),
      response: { 200: ok, ...errors(400, 401, 423) },
    },
    handler: async (req, reply) => {
      await twoFactor.completeLogin(req.body.challenge, req.body.code, req.ip, reply, req.headers['user-agent']);
      return { ok: true as const };
    },
  });

  const scope = z.object({ scope: z.enum(['visitor', 'staff', 'admin', 'kiosk']).optional().describe('which app; omit for all') });

  r.post('/api/auth/logout', {
    schema: { operationId: 'logout', tags, summary: 'Sign out of one app (scope) or of all', querystring: scope, response: { 200: ok } },
    handler: async (req, reply) => {
      await destroySession(ctx, req, reply, req.query.scope);
      return { ok: true as const };
    },
  });

  r.get('/api/auth/me', {
    schema: { operationId: 'getMe', tags, summary: 'The signed-in subject (of one app, with scope)', querystring: scope, response: { 200: meSchema, ...errors(400, 401) } },
    handler: (req) => svc.me(req.query.scope ? requireActor(req, ...SCOPE_TYPES[req.query.scope]) : requireActor(req)),
  });
}
