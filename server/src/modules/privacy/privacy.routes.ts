/**
 * Privacy (X5; PIPL art. 44–47): the visitor's 我的数据 (what is stored, who read it, export,
 * 注销) and the administrators' 数据保留 (the retention period, the last run, what the next run
 * removes, 立即执行). docs/api/privacy.md.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { READER_ROLES } from '../../../../contracts/privacy.js';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { MyDataService } from './my-data.service.js';
import { registerRetentionJob, RetentionService, scheduleRetention } from './retention.service.js';

const tags = ['privacy'];

const reading = z.object({
  at: z.string(),
  role: z.enum(READER_ROLES).describe('who: 管理员 / 工作人员 / 访客机 / 通行设备 / 系统 (never the name)'),
  action: z.string().describe('the audit action (contracts/audit.ts gives it in words)'),
  subject: z.enum(['visitor', 'visit_order']),
});
const consent = z.object({ kind: z.enum(['face', 'terms']), version: z.string(), grantedAt: z.string(), withdrawnAt: z.string().nullable() });
const retention = z.object({
  days: z.number().int(),
  purgeAfter: z.string().nullable().describe('when the photo and ID number go unless the visitor comes again (null: nothing to purge, an open order, or blocked)'),
});
const myVisitor = z.object({
  name: z.string(),
  phone: z.string(),
  idType: z.enum(ID_TYPES),
  idNumberMasked: z.string().nullable(),
  company: z.string().nullable(),
  position: z.string().nullable(),
  wechatBound: z.boolean(),
  registeredAt: z.string(),
  updatedAt: z.string(),
});
const myData = z.object({
  visitor: myVisitor,
  photo: z.object({ held: z.boolean(), since: z.string().nullable() }),
  consents: z.array(consent),
  orders: z.object({ total: z.number().int(), open: z.number().int() }),
  lastVisitAt: z.string().nullable(),
  retention,
  readings: z.array(reading).describe('newest first, at most 100'),
  readingsTotal: z.number().int(),
});

const counts = z.object({
  photos: z.number().int(),
  idNumbers: z.number().int(),
  unusedRegistrations: z.number().int(),
  inviteeIdNumbers: z.number().int(),
});
const run = z.object({ at: z.string(), trigger: z.enum(['schedule', 'admin', 'cli']), days: z.number().int(), cutoff: z.string(), counts });
const overview = z.object({
  days: z.number().int().describe('VISITOR_RETENTION_DAYS'),
  cutoff: z.string().describe('the next run removes what was last active before this'),
  nextRunAt: z.string(),
  lastRun: run.nullable(),
  counts,
  items: z.array(
    z.object({
      kind: z.enum(['purge', 'unused', 'invitee']),
      id: z.string(),
      nameMasked: z.string(),
      lastActivityAt: z.string(),
      photo: z.boolean(),
      idNumber: z.boolean(),
    }),
  ),
  itemsTotal: z.number().int(),
});

export async function privacyRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const mine = new MyDataService(ctx);
  const retentionSvc = new RetentionService(ctx);
  registerRetentionJob(ctx, retentionSvc);
  app.addHook('onReady', () => scheduleRetention(ctx, retentionSvc));

  r.get('/api/visitor/me/data', {
    schema: {
      operationId: 'getMyData',
      tags,
      summary: '我的数据: what is stored about the signed-in visitor (ID masked), consents, orders counted, the retention date, and who read or handled it (role, action, time — from the audit log)',
      response: { 200: myData, ...errors(401, 404) },
    },
    handler: (req) => mine.get(requireActor(req, 'visitor')),
  });

  r.get('/api/visitor/me/data/export', {
    schema: {
      operationId: 'exportMyData',
      tags,
      summary: '导出我的数据: a JSON file of everything about the visitor (full ID number, the photo as base64, orders, passes, consents, readings); audited (visitor.data_export)',
      produces: ['application/json'],
      response: { 200: z.any().describe('the file (format safeguard.my-data.v1, contracts/privacy.ts MyDataExport)'), ...errors(401, 404) },
    },
    handler: async (req, reply) => {
      const { data, fileName } = await mine.export(requireActor(req, 'visitor'));
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(data, null, 2));
    },
  });

  r.delete('/api/visitor/me', {
    schema: {
      operationId: 'deleteMyAccount',
      tags,
      summary: '注销账号: refused (409 ACCOUNT_HAS_OPEN_ORDER) while an order is pending, confirmed or on site; otherwise the photo, ID number, name, phone, employer and WeChat binding are deleted (past orders stay, anonymous), every session ends; audited',
      response: { 200: z.object({ ok: z.literal(true) }), ...errors(401, 404, 409) },
    },
    handler: (req, reply) => mine.deleteAccount(requireActor(req, 'visitor'), reply),
  });

  r.get('/api/admin/retention', {
    schema: {
      operationId: 'getRetention',
      tags,
      summary: '数据保留 (system administrators; a unit administrator 403 SYSTEM_ADMIN_ONLY): the period (VISITOR_RETENTION_DAYS), the last run, the next run and what it will remove (counts, and up to 200 entries with masked names); audited (retention.read)',
      response: { 200: overview, ...errors(401, 403) },
    },
    handler: (req) => retentionSvc.overview(req),
  });

  r.post('/api/admin/retention/run', {
    schema: {
      operationId: 'runRetention',
      tags,
      summary: '立即执行 (system administrators): the retention purge now, as the daily job does it; answers what it removed; audited (retention.run)',
      response: { 200: run, ...errors(401, 403) },
    },
    handler: (req) => retentionSvc.runNow(req),
  });
}
