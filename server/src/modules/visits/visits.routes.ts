import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { VisitsService } from './visits.service.js';
import { OrdersService } from './orders.service.js';
import { ReviewsService } from './reviews.service.js';
import { LinkFlowService } from './link-flow.service.js';
import { WalkInService } from './walkin.service.js';
import { VehiclesService } from './vehicles.service.js';
import { registerVisitJobs, scheduleExpiry } from './visits.jobs.js';
import { ensureCountsZone } from './visits.counts.js';
import * as s from './visits.schemas.js';
import { walkInRoutes } from './walkin.routes.js';
import { lobbyRoutes } from './lobby.routes.js';
import { OnSiteService } from './on-site.service.js';

export async function visitsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new OrdersService(ctx);
  const reviews = new ReviewsService(ctx);
  const links = new LinkFlowService(ctx);
  const vehicles = new VehiclesService(ctx);
  registerVisitJobs(ctx, new VisitsService(ctx), new OnSiteService(ctx));
  app.addHook('onReady', async () => {
    await ensureCountsZone(ctx); // 首页's counts kept in TZ_CENTER's days (visits.counts.ts)
    await scheduleExpiry(ctx);
  });
  await walkInRoutes(app, ctx, new WalkInService(ctx));
  await lobbyRoutes(app, ctx);
  const tags = ['visits'];
  const ua = (h: Record<string, unknown>) => (typeof h['user-agent'] === 'string' ? h['user-agent'] : undefined);

  r.post('/api/visits/appointments', {
    schema: { operationId: 'createAppointment', tags, summary: '访客预约 (V3/V4) with companion phones', body: s.appointmentBody, response: { 201: s.orderDetail, ...errors(400, 401, 403, 404) } },
    handler: async (req, reply) => reply.status(201).send(await svc.createAppointment(requireActor(req, 'visitor'), req.body)),
  });
  r.get('/api/visits/mine', {
    schema: { operationId: 'listMyOrders', tags, summary: '我的预约 (V7): 查看最近 / 查看历史记录 with status filter', querystring: s.listQuery, response: { 200: s.orderPage, ...errors(400, 401) } },
    handler: (req) => svc.listMine(requireActor(req, 'visitor'), req.query),
  });
  r.get('/api/visits/hosted', {
    schema: { operationId: 'listHostedOrders', tags, summary: '我的邀约 (S2): orders the staff member hosts', querystring: s.listQuery, response: { 200: s.orderPage, ...errors(400, 401) } },
    handler: (req) => svc.listHosted(requireActor(req, 'staff'), req.query),
  });
  r.get('/api/visits/:id', {
    schema: { operationId: 'getOrder', tags, summary: 'Order detail with companions and the review trail', params: s.idParam, response: { 200: s.orderDetail, ...errors(400, 401, 404) } },
    handler: (req) => svc.get(requireActor(req, 'visitor', 'staff'), req.params.id),
  });
  r.get('/api/visits/:id/code', {
    schema: {
      operationId: 'getAppointmentCode',
      tags,
      summary: '访客预约码 (V8): a 60-second signed code for the visitor’s own confirmed order; fetch a new one every refreshAfterSeconds',
      params: s.idParam,
      response: { 200: z.object({ token: z.string(), expiresAt: z.string(), refreshAfterSeconds: z.number() }), ...errors(400, 401, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return svc.code(requireActor(req, 'visitor'), req.params.id);
    },
  });
  r.post('/api/visits/:id/cancel', {
    schema: { operationId: 'cancelOrder', tags, summary: '取消预约 (V11) by the visitor, or withdrawal by the host', params: s.idParam, body: s.commentBody, response: { 200: s.orderDetail, ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.cancel(requireActor(req, 'visitor', 'staff'), req.params.id, req.body.comment),
  });
  r.post('/api/visits/:id/companions', {
    schema: { operationId: 'addCompanions', tags, summary: '添加同行人员 on a main order: by its visitor (appointment or invitation) or its host (invitation only; a host gets 403 FORBIDDEN on an appointment)', params: s.idParam, body: s.companionsBody, response: { 200: s.orderDetail, ...errors(400, 401, 403, 404, 409) } },
    handler: (req) => svc.addCompanions(requireActor(req, 'visitor', 'staff'), req.params.id, req.body.phones),
  });
  r.post('/api/visits/:id/help-fill', {
    schema: { operationId: 'helpFillCompanion', tags, summary: '帮同伴填写 (V9): a help_fill sub', params: s.idParam, body: s.helpFillBody, response: { 201: s.orderDetail, ...errors(400, 401, 403, 404, 409) } },
    handler: async (req, reply) => reply.status(201).send(await svc.helpFill(requireActor(req, 'visitor'), req.params.id, req.body)),
  });
  r.post('/api/visits/:id/forward-link', {
    schema: { operationId: 'createForwardLink', tags, summary: '批量转发同伴填写 (V10): a shareable link', params: s.idParam, response: { 200: z.object({ url: z.string(), expiresAt: z.string() }), ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.forwardLink(requireActor(req, 'visitor'), req.params.id),
  });
  r.post('/api/visits/invitations', {
    schema: { operationId: 'createInvitation', tags, summary: '访客邀约 (S1): SMS links go to the visitor and companions', body: s.invitationBody, response: { 201: s.orderDetail, ...errors(400, 401, 409) } },
    handler: async (req, reply) => reply.status(201).send(await svc.createInvitation(requireActor(req, 'staff'), req.body)),
  });
  r.post('/api/visits/:id/review', {
    schema: { operationId: 'reviewOrder', tags, summary: '审核通过 / 审核不通过 by the host or the current chain node', params: s.idParam, body: s.reviewBody, response: { 200: s.orderDetail, ...errors(400, 401, 404) } },
    handler: (req) => reviews.review(requireActor(req, 'staff'), req.params.id, req.body.decision, req.body.comment),
  });

  r.get('/api/approvals/visits', {
    schema: {
      operationId: 'listVisitApprovals',
      tags: ['approvals'],
      summary: '审批中心 访客邀约审核: 待处理 / 已处理 / 抄送我',
      querystring: z.object({ tab: z.enum(['pending', 'done', 'cc']).default('pending'), page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: s.orderPage, ...errors(400, 401) },
    },
    handler: (req) => reviews.listApprovals(requireActor(req, 'staff'), req.query.tab, req.query.page, req.query.pageSize),
  });
  r.get('/api/approvals/vehicles', {
    schema: {
      operationId: 'listVehicleApprovals',
      tags: ['approvals'],
      summary: '审批中心 车辆审核: 待审核 / 已审核 / 抄送我 — plates on the orders of the units the user reviews vehicles for (A6)',
      querystring: z.object({ tab: z.enum(['pending', 'done', 'cc']).default('pending'), page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: s.orderPage, ...errors(400, 401) },
    },
    handler: (req) => vehicles.list(requireActor(req, 'staff'), req.query.tab, req.query.page, req.query.pageSize),
  });
  r.post('/api/visits/:id/vehicle-review', {
    schema: {
      operationId: 'reviewVehicle',
      tags: ['approvals'],
      summary: '车辆审核 审核通过 / 审核不通过 (comment required) by a vehicle reviewer of the order’s unit; an approved plate goes to the barriers for the window',
      params: s.idParam,
      body: s.reviewBody,
      response: { 200: s.orderDetail, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => vehicles.review(requireActor(req, 'staff'), req.params.id, req.body.decision, req.body.comment),
  });
  r.get('/api/approvals/counts', {
    schema: { operationId: 'getApprovalCounts', tags: ['approvals'], summary: '审批中心 badges', response: {
        200: z.object({
          visitsPending: z.number(),
          meetingsPending: z.number(),
          vehiclesPending: z.number(),
          personnelPending: z.number(),
          personnelReviewer: z.boolean().describe('a personnel reviewer or CC recipient of some unit: 审批中心 shows 人员审核'),
        }),
        ...errors(401),
      },
    },
    handler: (req) => reviews.counts(requireActor(req, 'staff')),
  });

  const linkTags = ['links'];
  r.get('/api/links/:token', {
    schema: {
      operationId: 'getLink',
      tags: linkTags,
      summary: 'What an SMS / forwarded link is for',
      params: s.tokenParam,
      response: {
        200: z.object({
          purpose: z.enum(['companion', 'invitation', 'forward', 'meeting']),
          order: z.object({ hostName: z.string(), unitName: z.string(), reason: z.string(), startAt: z.string(), endAt: z.string(), inviterName: z.string() }),
          meeting: s.meetingInfo.nullable(),
          phone: z.string().nullable(),
          registered: z.boolean(),
        }),
        ...errors(400, 409, 410),
      },
    },
    handler: (req) => links.getLink(req.params.token),
  });
  r.post('/api/links/:token/session', {
    schema: { operationId: 'startLinkSession', tags: linkTags, summary: 'Signed-in-by-link for the phone the link was sent to', params: s.tokenParam, response: { 200: z.object({ registered: z.boolean() }), ...errors(400, 409, 410) } },
    handler: (req, reply) => links.linkSession(req.params.token, reply, ua(req.headers)),
  });
  r.post('/api/links/:token/submit', {
    schema: { operationId: 'submitLink', tags: linkTags, summary: 'Submit the order a link is for', params: s.tokenParam, body: s.plateBody, response: { 200: s.orderDetail, ...errors(400, 401, 403, 409, 410) } },
    handler: (req) => links.submitLink(requireActor(req, 'visitor'), req.params.token, req.body),
  });
}
