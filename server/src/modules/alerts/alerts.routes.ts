/** 安全告警 (A2, X4) for administrators: the list, the open count (the menu badge), 处理. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { ALERT_KINDS, ALERT_SOURCES, ALERT_STATES } from '../../../../contracts/alerts.js';
import { AlertsService } from './alerts.service.js';

const tags = ['alerts'];
const alert = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  source: z.enum(ALERT_SOURCES),
  at: z.string(),
  deviceId: z.string().nullable(),
  deviceName: z.string().nullable(),
  orderId: z.string().nullable(),
  visitorId: z.string().nullable(),
  personName: z.string().nullable(),
  reason: z.string().nullable().describe('refusal code: VISITOR_BLOCKED, OUTSIDE_WINDOW, ORDER_CANCELLED, UNKNOWN_PERSON …'),
  state: z.enum(ALERT_STATES),
  handledAt: z.string().nullable(),
  handledBy: z.string().nullable(),
  comment: z.string().nullable(),
});

export async function alertsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new AlertsService(ctx);
  const admin = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'admin');

  r.get('/api/admin/alerts', {
    schema: {
      operationId: 'listSecurityAlerts',
      tags,
      summary: '安全告警: blocklisted people at gates and the kiosk, passes the server refuses; newest first',
      querystring: z.object({
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
        state: z.enum(ALERT_STATES).optional(),
      }),
      response: { 200: z.object({ items: z.array(alert), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }), ...errors(400, 401) },
    },
    handler: (req) => svc.list(admin(req), req.query),
  });
  r.get('/api/admin/alerts/counts', {
    schema: { operationId: 'countSecurityAlerts', tags, summary: 'How many alerts are open (the menu badge)', response: { 200: z.object({ open: z.number().int() }), ...errors(401) } },
    handler: (req) => svc.counts(admin(req)),
  });
  r.post('/api/admin/alerts/handle', {
    schema: {
      operationId: 'handleSecurityAlerts',
      tags,
      summary: '处理: mark alerts handled (ids, or all: true for every open one), with an optional comment; audited',
      body: z.object({ ids: z.array(z.uuid()).min(1).max(100).optional(), all: z.literal(true).optional(), comment: z.string().max(200).nullable().optional() }),
      response: { 200: z.object({ handled: z.number().int() }), ...errors(400, 401, 404) },
    },
    handler: (req) => svc.handle(admin(req), req.body),
  });
}
