import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { AdminService } from './admin.service.js';
import { AUDIT_ACTOR_TYPES } from '../../../../contracts/audit.js';

const tags = ['admin'];
const ok = z.object({ ok: z.literal(true) });

const paging = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};
const paged = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const OUTBOX_CHANNELS = ['sms', 'voice', 'wecom'] as const;
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'dead'] as const;

const smsMessage = z.object({
  id: z.string(),
  channel: z.enum(OUTBOX_CHANNELS).describe('sms | voice (a phone call reading the content out) | wecom (a WeCom application message to the staff member with this phone)'),
  phone: z.string(),
  template: z.string(),
  content: z.string(),
  provider: z.string(),
  status: z.string(),
  providerRef: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  sentAt: z.date().nullable(),
});

const job = z.object({
  id: z.string(),
  type: z.string(),
  key: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.date(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});

const auditEntry = z.object({
  seq: z.number().int(),
  at: z.date(),
  actorType: z.string(),
  actorId: z.string(),
  actorName: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  detail: z.unknown(),
  ip: z.string().nullable(),
});

export async function adminRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new AdminService(ctx);

  r.get('/api/admin/sms-outbox', {
    schema: {
      operationId: 'listSmsOutbox',
      tags,
      summary: '短信发件箱: every SMS, voice call and WeCom message the system sent or queued, newest first (reading is audited)',
      querystring: z.object({
        ...paging,
        phone: z.string().regex(/^\d{1,11}$/, 'digits only').optional().describe('whole or part of a phone number'),
        channel: z.enum(OUTBOX_CHANNELS).optional().describe('渠道: sms (短信), voice (语音) or wecom (企业微信)'),
      }),
      response: { 200: paged(smsMessage), ...errors(400, 401) },
    },
    handler: (req) => svc.listSmsOutbox(req, req.query),
  });

  r.get('/api/admin/jobs', {
    schema: {
      operationId: 'listJobs',
      tags,
      summary: '任务队列: background jobs, newest first',
      querystring: z.object({ ...paging, status: z.enum(JOB_STATUSES).optional(), type: z.string().max(100).optional() }),
      response: { 200: paged(job).extend({ totalCapped: z.boolean().describe('true: more jobs than total match (the count stops at 10,000)') }), ...errors(400, 401) },
    },
    handler: (req) => svc.listJobs(req, req.query),
  });

  r.post('/api/admin/jobs/:id/retry', {
    schema: {
      operationId: 'retryJob',
      tags,
      summary: '重试: put a failed or dead job back in line now',
      params: z.object({ id: z.uuid() }),
      response: { 200: ok, ...errors(400, 401, 404, 409) },
    },
    handler: async (req) => {
      await svc.retryJob(req, req.params.id);
      return { ok: true as const };
    },
  });

  r.get('/api/admin/audit', {
    schema: {
      operationId: 'listAuditLog',
      tags,
      summary: '审计日志: who did or saw what, newest first',
      querystring: z.object({
        ...paging,
        action: z.string().max(100).optional().describe('an action (with its sub-actions), or a group ending in a dot, e.g. "kiosk_device."'),
        targetType: z.string().max(100).optional(),
        targetId: z.string().max(100).optional(),
        actorType: z.enum(AUDIT_ACTOR_TYPES).optional(),
        actorId: z.string().max(100).optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
      }),
      response: { 200: paged(auditEntry), ...errors(400, 401) },
    },
    handler: (req) => svc.listAudit(req, req.query),
  });
}
