/**
 * A10 administrators: 系统管理 → 管理员 under /api/admin/admins (系统管理员 only: session.ts
 * SYSTEM_ONLY_ROUTES) and 账号安全 under /api/admin/account (every administrator, about themselves;
 * reachable before a required second factor is set up).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireAdmin, requireSystemAdmin } from './session.js';
import { AdminsService } from './admins.service.js';
import { TwoFactorService } from './two-factor.service.js';

const role = z.enum(['system', 'unit']).describe('system: 系统管理员 (every unit); unit: 单位管理员 (unitId only)');
const adminView = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  role,
  unitId: z.string().nullable(),
  unitName: z.string().nullable(),
  twoFactor: z.boolean(),
  locked: z.boolean().describe('locked after 5 failed sign-ins (15 minutes; 解锁 lifts it)'),
  disabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
const idParams = z.object({ id: z.uuid() });
const password = z.string().min(1).max(200).describe('at least 8 characters (PASSWORD_TOO_WEAK)');
const code = z.object({ code: z.string().min(1).max(40).describe("the authenticator app's 6-digit code, or a recovery code") });
const recoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe('10 single-use codes, shown this once') });
const ok = z.object({ ok: z.literal(true) });

export async function adminsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new AdminsService(ctx);
  const twoFactor = new TwoFactorService(ctx);
  const tags = ['admins'];

  r.get('/api/admin/admins', {
    schema: { operationId: 'listAdmins', tags, summary: '管理员: every administrator (系统管理员 only)', response: { 200: z.object({ items: z.array(adminView) }), ...errors(401, 403) } },
    handler: (req) => svc.list(requireSystemAdmin(req)),
  });
  r.post('/api/admin/admins', {
    schema: {
      operationId: 'createAdmin',
      tags,
      summary: 'A new administrator with an initial password; a 单位管理员 needs a unit (ADMIN_UNIT_REQUIRED). USERNAME_TAKEN, UNIT_NOT_FOUND, PASSWORD_TOO_WEAK',
      body: z.object({ username: z.string().min(3).max(50).regex(/^[A-Za-z0-9._@-]+$/), name: z.string().min(1).max(50), role, unitId: z.uuid().nullable().optional(), password }),
      response: { 201: adminView, ...errors(400, 401, 403, 409) },
    },
    handler: async (req, reply) => reply.code(201).send(await svc.create(requireSystemAdmin(req), req.body)),
  });
  r.patch('/api/admin/admins/:id', {
    schema: {
      operationId: 'updateAdmin',
      tags,
      summary: "Change an administrator's name, role, unit, or disable/enable them; the last active 系统管理员 cannot be demoted or disabled (409 LAST_SYSTEM_ADMIN). A change of role or unit, or disabling, signs them out",
      params: idParams,
      body: z.object({ name: z.string().min(1).max(50).optional(), role: role.optional(), unitId: z.uuid().nullable().optional(), disabled: z.boolean().optional() }),
      response: { 200: adminView, ...errors(400, 401, 403, 404, 409) },
    },
    handler: (req) => svc.update(requireSystemAdmin(req), req.params.id, req.body),
  });
  r.post('/api/admin/admins/:id/password', {
    schema: {
      operationId: 'resetAdminPassword',
      tags,
      summary: 'Set a new password (lifts a lock-out, signs them out everywhere)',
      params: idParams,
      body: z.object({ password }),
      response: { 200: adminView, ...errors(400, 401, 403, 404) },
    },
    handler: (req) => svc.resetPassword(requireSystemAdmin(req), req.params.id, req.body.password),
  });
  r.post('/api/admin/admins/:id/unlock', {
    schema: { operationId: 'unlockAdmin', tags, summary: '解锁: lift a lock-out after failed sign-ins', params: idParams, response: { 200: adminView, ...errors(400, 401, 403, 404) } },
    handler: (req) => svc.unlock(requireSystemAdmin(req), req.params.id),
  });
  r.delete('/api/admin/admins/:id/two-factor', {
    schema: {
      operationId: 'resetAdminTwoFactor',
      tags,
      summary: "Turn another administrator's second factor off (a lost phone); they set it up again at the next sign-in when it is required",
      params: idParams,
      response: { 200: adminView, ...errors(400, 401, 403, 404) },
    },
    handler: (req) => svc.resetTwoFactor(requireSystemAdmin(req), req.params.id),
  });

  // ------------------------------------------------------------------ 账号安全 (oneself)
  r.get('/api/admin/account', {
    schema: {
      operationId: 'getAdminAccount',
      tags,
      summary: '账号安全: the signed-in administrator, whether the second factor is on and how many recovery codes are left',
      response: {
        200: z.object({
          username: z.string(),
          name: z.string(),
          role,
          twoFactor: z.boolean(),
          twoFactorEnabledAt: z.string().nullable(),
          recoveryCodesLeft: z.number().int(),
          twoFactorRequired: z.boolean(),
        }),
        ...errors(401),
      },
    },
    handler: (req) => twoFactor.account(requireAdmin(req)),
  });
  r.post('/api/admin/account/two-factor/setup', {
    schema: {
      operationId: 'setupAdminTwoFactor',
      tags,
      summary: 'Start setting up the second factor: a new TOTP secret (RFC 6238, 6 digits, 30 s) as a QR code; confirm it with enable within 15 minutes. 409 TWO_FACTOR_ALREADY_ENABLED',
      response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string(), qrDataUrl: z.string() }), ...errors(401, 409) },
    },
    handler: (req) => twoFactor.setup(requireAdmin(req)),
  });
  r.post('/api/admin/account/two-factor/enable', {
    schema: {
      operationId: 'enableAdminTwoFactor',
      tags,
      summary: 'Confirm the set-up with a current code: the second factor is on, 10 recovery codes are returned once. TWO_FACTOR_CODE_INVALID, TWO_FACTOR_ENROLMENT_EXPIRED',
      body: code,
      response: { 200: recoveryCodes, ...errors(400, 401, 409) },
    },
    handler: (req) => twoFactor.enable(requireAdmin(req), req.body.code),
  });
  r.post('/api/admin/account/two-factor/disable', {
    schema: {
      operationId: 'disableAdminTwoFactor',
      tags,
      summary: 'Turn the second factor off with a current code or a recovery code (wrong codes count toward the lock-out)',
      body: code,
      response: { 200: ok, ...errors(400, 401, 409, 423) },
    },
    handler: (req) => twoFactor.disable(requireAdmin(req), req.body.code),
  });
  r.post('/api/admin/account/two-factor/recovery-codes', {
    schema: {
      operationId: 'regenerateAdminRecoveryCodes',
      tags,
      summary: '10 new recovery codes (the old ones stop working), with a current code or a recovery code',
      body: code,
      response: { 200: recoveryCodes, ...errors(400, 401, 409, 423) },
    },
    handler: (req) => twoFactor.regenerate(requireAdmin(req), req.body.code),
  });
}
