/**
 * 记录查询 (A8) routes, administrators only: 访客记录 (the orders list with its filters and one
 * order's detail) and the Excel export of what the filter shows — asked for, built by a job, its
 * progress polled, the file downloaded by the administrator who asked. 通行记录 is
 * GET /api/admin/access/events (access module, with its filters); 审计日志 is GET /api/admin/audit;
 * their exports are here (系统管理员 only, like the lists: session.ts SYSTEM_ONLY_ROUTES).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { ORDER_KINDS, ORDER_STATUSES, SUB_ORIGINS, CANCEL_REASONS } from '../../../../contracts/visits.js';
import { EXPORT_KINDS, EXPORT_STATUSES } from '../../../../contracts/records.js';
import { PASS_METHODS, PASS_RESULTS } from '../../../../contracts/access.js';
import { AUDIT_ACTOR_TYPES } from '../../../../contracts/audit.js';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { VEHICLE_STATUSES } from '../../../../contracts/vehicles.js';
import { orderDetail, presence } from '../visits/visits.schemas.js';
import { passEvent } from '../access/access.routes.js';
import { RecordsService } from './records.service.js';
import { EXPORT_JOB, EXPORT_SWEEP_JOB, ExportsService } from './exports.service.js';
import { ordersExport } from './export-orders.js';
import { accessEventsExport } from './export-access-events.js';
import { auditExport } from './export-audit.js';

const tags = ['records'];
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const idParams = z.object({ id: z.uuid() });

/** a real calendar day, YYYY-MM-DD */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar day');
const filter = z.object({
  from: day.optional().describe("YYYY-MM-DD: orders starting on or after this day (the center's time zone)"),
  to: day.optional().describe('YYYY-MM-DD: orders starting on or before this day'),
  unitId: z.uuid().optional(),
  hostId: z.uuid().optional().describe('the host (被访人), a staff id'),
  kind: z.enum(ORDER_KINDS).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  visitor: z.string().trim().max(50).optional().describe('a name (contains), a phone (11 digits exact; 3–10 digits: its last digits) or a whole ID number (blind index, exact)'),
});

const locale = z.enum(['zh-CN', 'en']).default('zh-CN').describe('the language of the headers and words in the file');
/** 通行记录's filter (GET /api/admin/access/events without the paging) */
const accessEventFilter = z.object({
  deviceId: z.uuid().optional(),
  buildingId: z.uuid().optional().describe('passes at the devices guarding this building'),
  orderId: z.uuid().optional(),
  method: z.enum(PASS_METHODS).optional(),
  result: z.enum(PASS_RESULTS).optional().describe('anomaly: 异常放行, the device let through a pass the server refuses'),
  from: z.iso.datetime({ offset: true }).optional().describe('at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('before this instant'),
});
/** 审计日志's filter (GET /api/admin/audit without the paging) */
const auditFilter = z.object({
  action: z.string().max(100).optional().describe('an action (with its sub-actions), or a group ending in a dot, e.g. "kiosk_device."'),
  targetType: z.string().max(100).optional(),
  targetId: z.string().max(100).optional(),
  actorType: z.enum(AUDIT_ACTOR_TYPES).optional(),
  actorId: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

const record = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  origin: z.enum(SUB_ORIGINS).nullable(),
  kind: z.enum(ORDER_KINDS),
  status: z.enum(ORDER_STATUSES),
  cancelReason: z.enum(CANCEL_REASONS).nullable(),
  visitorName: z.string().nullable(),
  phone: z.string(),
  idType: z.enum(ID_TYPES).nullable(),
  idNumberMasked: z.string().nullable().describe('e.g. 3303**********1234'),
  company: z.string().nullable(),
  unitId: z.string(),
  unitName: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  reason: z.string(),
  startAt: z.string(),
  endAt: z.string(),
  presence,
  plate: z.string().nullable(),
  vehicleStatus: z.enum(VEHICLE_STATUSES),
  createdAt: z.string(),
});
const progress = z.object({
  id: z.string(),
  kind: z.enum(EXPORT_KINDS),
  status: z.enum(EXPORT_STATUSES),
  rows: z.number().int().describe('rows written so far'),
  total: z.number().int().nullable().describe('rows the filter matched when the job started'),
  fileName: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable().describe('when the file is deleted'),
});

/** RFC 6266 / RFC 5987 attachment: the UTF-8 name, and an ASCII fallback for old clients. */
function attachment(utf8Name: string, asciiName: string) {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`;
}

export async function recordsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new RecordsService(ctx);
  const exports = new ExportsService(ctx, { orders: ordersExport(ctx, svc), access_events: accessEventsExport(ctx), audit: auditExport(ctx) });

  ctx.queue.register(EXPORT_JOB, (payload: { exportId: string }, job) => exports.run(payload.exportId, job.attempts));
  // the hourly sweep re-enqueues its successor keyed by the hour, so several processes schedule it once
  const HOUR = 3600_000;
  const sweepKey = (at: number) => `${EXPORT_SWEEP_JOB}:${Math.floor(at / HOUR)}`;
  ctx.queue.register(EXPORT_SWEEP_JOB, async () => {
    const n = await exports.sweep();
    if (n) ctx.log.info({ deleted: n }, 'export files expired');
    const next = ctx.clock.now().getTime() + HOUR;
    await ctx.queue.enqueue(ctx.db, { type: EXPORT_SWEEP_JOB, key: sweepKey(next), runAt: new Date(Math.floor(next / HOUR) * HOUR) });
  });
  app.addHook('onReady', () => ctx.queue.enqueue(ctx.db, { type: EXPORT_SWEEP_JOB, key: sweepKey(ctx.clock.now().getTime()) }));

  r.get('/api/admin/records/orders', {
    schema: {
      operationId: 'listOrderRecords',
      tags,
      summary: '访客记录: every order, newest start first, filtered by start day, unit, host, kind, status and visitor (name, phone, ID number); ID numbers masked; the read is audited (records.orders.read)',
      querystring: filter.extend({
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(20),
      }),
      response: { 200: z.object({ items: z.array(record), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }), ...errors(400, 401) },
    },
    handler: (req) => svc.list(req, req.query),
  });
  r.get('/api/admin/records/orders/:id', {
    schema: {
      operationId: 'getOrderRecord',
      tags,
      summary: 'One order: the row, the order as the apps show it (trail 状态流转, approval chain, companions, check-in/out) and its gate passes; audited (records.order.read)',
      params: idParams,
      response: {
        200: z.object({
          record,
          order: orderDetail.describe('the order as the apps show it (docs/api/visits.md): trail, chain, companions, presence, vehicle'),
          passes: z.array(passEvent).describe('the pass events of this order, newest first (as GET /api/admin/access/events)'),
        }),
        ...errors(400, 401, 404),
      },
    },
    handler: (req) => svc.detail(req, req.params.id),
  });
  r.post('/api/admin/records/orders/export', {
    schema: {
      operationId: 'exportOrderRecords',
      tags,
      summary: 'Excel export of exactly what the filter shows (ID numbers masked), built by a job: 202 { exportId }, then poll GET /api/admin/exports/{id}; audited with the filter and the row count (records.export)',
      body: filter.extend({ locale }),
      response: { 202: z.object({ exportId: z.string() }), ...errors(400, 401) },
    },
    handler: async (req, reply) => {
      const { locale, ...f } = req.body;
      return reply.status(202).send(await exports.create(req, 'orders', f, locale));
    },
  });
  r.post('/api/admin/records/access-events/export', {
    schema: {
      operationId: 'exportAccessEvents',
      tags,
      summary: '通行记录 Excel export (系统管理员): exactly what the filter of GET /api/admin/access/events shows, newest first, results in words (异常放行 marked); a job as the orders export: 202 { exportId }, then poll GET /api/admin/exports/{id}; audited with the filter and the row count (access.events.export)',
      body: accessEventFilter.extend({ locale }),
      response: { 202: z.object({ exportId: z.string() }), ...errors(400, 401, 403) },
    },
    handler: async (req, reply) => {
      const { locale, ...f } = req.body;
      return reply.status(202).send(await exports.create(req, 'access_events', f, locale));
    },
  });
  r.post('/api/admin/records/audit/export', {
    schema: {
      operationId: 'exportAuditLog',
      tags,
      summary: '操作日志 Excel export (系统管理员): exactly what the filter of GET /api/admin/audit shows, newest first, each entry in words (actor, action, subject, details); a job as the orders export: 202 { exportId }, then poll GET /api/admin/exports/{id}; audited with the filter and the row count (audit.export)',
      body: auditFilter.extend({ locale }),
      response: { 202: z.object({ exportId: z.string() }), ...errors(400, 401, 403) },
    },
    handler: async (req, reply) => {
      const { locale, from, to, ...f } = req.body;
      return reply.status(202).send(await exports.create(req, 'audit', { ...f, from: from?.toISOString(), to: to?.toISOString() }, locale));
    },
  });
  r.get('/api/admin/exports/:id', {
    schema: {
      operationId: 'getExport',
      tags,
      summary: "An export's progress (rows written / total); only for the administrator who asked for it (others: 404)",
      params: idParams,
      response: { 200: progress, ...errors(400, 401, 404) },
    },
    handler: (req) => exports.progress(req, req.params.id),
  });
  r.get('/api/admin/exports/:id/file', {
    schema: {
      operationId: 'getExportFile',
      tags,
      summary: 'The .xlsx once built (409 EXPORT_NOT_READY before; 410 EXPORT_EXPIRED once the sweep deleted it); only for the administrator who asked; audited (records.export.download)',
      params: idParams,
      response: { 200: { description: 'the .xlsx', content: { [XLSX_MIME]: { schema: z.string().meta({ format: 'binary' }) } } }, ...errors(400, 401, 404, 409, 410) },
    },
    handler: async (req, reply) => {
      const f = await exports.file(req, req.params.id);
      return reply
        .type(XLSX_MIME)
        .header('cache-control', 'no-store')
        .header('content-disposition', attachment(f.fileName, f.asciiName))
        .send(f.data as unknown as string); // a Buffer skips serialisation
    },
  });
}
