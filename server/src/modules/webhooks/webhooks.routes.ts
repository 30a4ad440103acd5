/**
 * Webhooks (X8) under /api/admin/webhooks, 系统管理员 only: endpoints, their delivery
 * log, 重新投递 and 发送测试事件. The delivery job is registered here. docs/api/webhooks.md tells
 * integrators what they receive and how to verify it.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireSystemAdmin } from '../identity/session.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT } from '../../../../contracts/webhooks.js';
import { WebhooksService } from './webhooks.service.js';
import { registerWebhookJobs } from './webhooks.delivery.js';
import { URL_MAX } from './webhooks.rules.js';

const tags = ['webhooks'];
const idParams = z.object({ id: z.uuid() });
const deliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });
const eventNames = [...WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT] as const;

const endpoint = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe("'gone': the receiver answered 410 Gone and the server disabled the endpoint"),
  secretHint: z.string().describe('the first characters of the signing secret'),
  createdAt: z.string(),
  updatedAt: z.string(),
  counts: z.object({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int() }).describe('deliveries by status'),
});
const withSecret = z.object({ endpoint, secret: z.string().describe('the whole whsec_… signing secret: shown this once only') });
const delivery = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventType: z.enum(eventNames),
  messageId: z.string().describe('the webhook-id header: msg_…, the same on every attempt and on a redelivery'),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable().describe("the receiver's last HTTP status (null: no answer)"),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('when the next retry is due (pending only)'),
  deliveredAt: z.string().nullable(),
});
const deliveryDetail = delivery.extend({
  payload: z.unknown().describe('the body sent: { type, timestamp, data }'),
  responseExcerpt: z.string().nullable().describe("the first 2,000 characters of the receiver's last answer"),
});
const urlField = z.string().max(URL_MAX + 100).describe('http:// or https:// (WEBHOOK_URL_INVALID otherwise); private LAN addresses are allowed');
const eventsField = z
  .array(z.string().max(100))
  .max(50)
  .describe(`at least one of: ${WEBHOOK_EVENTS.join(', ')} (WEBHOOK_EVENTS_REQUIRED / WEBHOOK_EVENT_UNKNOWN otherwise)`);
const endpointBody = z.object({
  url: urlField,
  description: z.string().max(200).nullable().optional(),
  events: eventsField,
  enabled: z.boolean().optional().describe('default true'),
});

export async function webhooksRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new WebhooksService(ctx);
  registerWebhookJobs(ctx);
  // 系统管理员 only (a 单位管理员: 403 SYSTEM_ADMIN_ONLY; also refused by the session's route guard)
  const admin = (req: FastifyRequest) => requireSystemAdmin(req);

  r.get('/api/admin/webhooks', {
    schema: { operationId: 'listWebhookEndpoints', tags, summary: 'Webhook endpoints, newest first, with their deliveries counted by status', response: { 200: z.object({ items: z.array(endpoint) }), ...errors(401, 403) } },
    handler: (req) => {
      admin(req);
      return svc.list();
    },
  });
  r.post('/api/admin/webhooks', {
    schema: {
      operationId: 'createWebhookEndpoint',
      tags,
      summary: 'Register an endpoint for some events; the answer carries its signing secret (whsec_…) this once; audited (webhook.create)',
      body: endpointBody,
      response: { 201: withSecret, ...errors(400, 401, 403) },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.create(admin(req), req.body)),
  });
  r.get('/api/admin/webhooks/:id', {
    schema: { operationId: 'getWebhookEndpoint', tags, summary: 'One endpoint', params: idParams, response: { 200: endpoint, ...errors(400, 401, 403, 404) } },
    handler: (req) => {
      admin(req);
      return svc.get(req.params.id);
    },
  });
  r.patch('/api/admin/webhooks/:id', {
    schema: {
      operationId: 'updateWebhookEndpoint',
      tags,
      summary: 'Edit URL, description, events or enabled (enabling again clears a 410 disable); audited (webhook.update)',
      params: idParams,
      body: endpointBody.partial(),
      response: { 200: endpoint, ...errors(400, 401, 403, 404) },
    },
    handler: (req) => svc.update(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/webhooks/:id', {
    schema: { operationId: 'removeWebhookEndpoint', tags, summary: 'Delete an endpoint and its delivery log; audited (webhook.delete)', params: idParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    handler: async (req, reply) => {
      await svc.remove(admin(req), req.params.id);
      return reply.status(204).send(null);
    },
  });
  r.post('/api/admin/webhooks/:id/rotate-secret', {
    schema: {
      operationId: 'rotateWebhookSecret',
      tags,
      summary: 'A new signing secret, shown this once; every message from now on (retries too) is signed with it; audited (webhook.rotate)',
      params: idParams,
      response: { 200: withSecret, ...errors(400, 401, 403, 404) },
    },
    handler: (req) => svc.rotate(admin(req), req.params.id),
  });
  r.post('/api/admin/webhooks/:id/test', {
    schema: {
      operationId: 'sendWebhookTest',
      tags,
      summary: '发送测试事件: a webhook.test message to this endpoint alone, delivered by the queue like any other; audited (webhook.test)',
      params: idParams,
      response: { 202: delivery, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (req, reply) => reply.status(202).send(await svc.sendTest(admin(req), req.params.id)),
  });
  r.get('/api/admin/webhooks/:id/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries',
      tags,
      summary: "An endpoint's delivery log, newest first",
      params: idParams,
      querystring: z.object({
        status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
      }),
      response: { 200: z.object({ items: z.array(delivery), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }), ...errors(400, 401, 403, 404) },
    },
    handler: (req) => {
      admin(req);
      return svc.deliveries(req.params.id, req.query);
    },
  });
  r.get('/api/admin/webhooks/:id/deliveries/:deliveryId', {
    schema: {
      operationId: 'getWebhookDelivery',
      tags,
      summary: "One delivery with the payload sent and the receiver's last answer; audited (webhook.delivery.read: the payload names people)",
      params: deliveryParams,
      response: { 200: deliveryDetail, ...errors(400, 401, 403, 404) },
    },
    handler: (req) => svc.delivery(admin(req), req.params.id, req.params.deliveryId),
  });
  r.post('/api/admin/webhooks/:id/deliveries/:deliveryId/redeliver', {
    schema: {
      operationId: 'redeliverWebhook',
      tags,
      summary: '重新投递: the same message (same webhook-id and body, signed anew) again now, with fresh retries; audited (webhook.redeliver)',
      params: deliveryParams,
      response: { 202: delivery, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (req, reply) => reply.status(202).send(await svc.redeliver(admin(req), req.params.id, req.params.deliveryId)),
  });
}
