/** Kiosk walk-ins (K1): the review table's walk-in row. Kiosk sessions of active devices only. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { AppError, errors } from '../../platform/errors.js';
import { readPhotoForm } from '../../platform/photos.js';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { ORDER_STATUSES } from '../../../../contracts/visits.js';
import { KioskService } from '../kiosk/kiosk.service.js';
import { VisitorsService } from '../visitors/visitors.service.js';
import { photoForm, uploadResult } from '../visitors/visitors.schemas.js';
import type { WalkInService } from './walkin.service.js';
import { orderCard } from './visits.schemas.js';
import { publicJwk } from './codes.js';
import { slipFor } from './slips.js';

const walkInBody = z.object({
  name: z.string().trim().min(1).max(50),
  idType: z.enum(ID_TYPES).default('prc_id'),
  idNumber: z.string().trim().min(1).max(30),
  phone: z.string().max(20),
  company: z.string().trim().max(100).nullish(),
  position: z.string().trim().max(50).nullish(),
  hostId: z.string().uuid(),
  reason: z.string().trim().min(1).max(200),
  remark: z.string().trim().max(500).nullish(),
  visitType: z.string().trim().max(20).nullish(),
  startAt: z.string().datetime({ offset: true }).nullish(),
  endAt: z.string().datetime({ offset: true }).nullish(),
  temperature: z.number().min(35).max(42).nullish(),
  photoUploadId: z.string().uuid().nullish(),
  replacePhoto: z.boolean().default(false),
  idempotencyKey: z.string().min(8).max(100).optional().describe('one per registration: the same key again (a retry, the offline queue) creates no second order and answers the first one’s result with replay: true'),
});

export async function walkInRoutes(app: FastifyInstance, ctx: AppContext, svc: WalkInService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const kiosk = new KioskService(ctx);
  const visitorsSvc = new VisitorsService(ctx);
  const tags = ['kiosk'];

  r.get('/api/kiosk/hosts', {
    schema: {
      operationId: 'searchKioskHosts',
      tags,
      summary: 'K1 受访人 search by name or phone (hosts with visit permission)',
      querystring: z.object({ q: z.string().trim().min(1).max(20) }),
      response: {
        200: z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), unitName: z.string(), departmentName: z.string().nullable(), officeRoom: z.string().nullable(), officePhone: z.string().nullable() })) }),
        ...errors(400, 401),
      },
    },
    handler: async (req) => {
      await kiosk.requireKiosk(req);
      return svc.kioskHosts(req.query.q);
    },
  });

  r.get('/api/kiosk/hosts/offline', {
    schema: {
      operationId: 'listKioskHostDirectory',
      tags,
      summary: 'The hosts (visit permission) the kiosk keeps to search by name while the server cannot be reached; names in full for the search — the kiosk shows them masked — and no phones',
      response: {
        200: z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), unitName: z.string(), departmentName: z.string().nullable(), officeRoom: z.string().nullable(), officePhone: z.string().nullable() })) }),
        ...errors(401),
      },
    },
    handler: async (req) => {
      await kiosk.requireKiosk(req);
      return svc.kioskHostDirectory();
    },
  });

  r.get('/api/kiosk/walk-ins/today', {
    schema: {
      operationId: 'listTodayWalkIns',
      tags,
      summary: '当日访客来访: today’s walk-ins, to reuse their details',
      response: {
        200: z.object({
          items: z.array(
            z.object({
              orderId: z.string(),
              name: z.string(),
              phoneMasked: z.string(),
              idNumberMasked: z.string().nullable(),
              idType: z.string(),
              company: z.string().nullable(),
              hostId: z.string(),
              hostName: z.string(),
              reason: z.string(),
              status: z.enum(ORDER_STATUSES),
              createdAt: z.string(),
            }),
          ),
        }),
        ...errors(401),
      },
    },
    handler: async (req) => {
      await kiosk.requireKiosk(req);
      return svc.todayWalkIns();
    },
  });

  // POST, not GET: the phone or ID number goes in the body, never in a URL that proxies log
  r.post('/api/kiosk/visitors/last', {
    schema: {
      operationId: 'findVisitorLastVisit',
      tags,
      summary: '访客最后来访: a visitor by phone or exact ID number (in the body), with their last visit; nobody under it → visitor null',
      body: z.object({ phone: z.string().regex(/^1\d{10}$/).optional(), idNumber: z.string().trim().min(5).max(30).optional() }).refine((q) => q.phone || q.idNumber, 'phone or idNumber'),
      response: {
        200: z.object({
          visitor: z
            .object({ name: z.string(), phone: z.string(), idType: z.string(), idNumberMasked: z.string().nullable(), company: z.string().nullable(), position: z.string().nullable(), hasPhoto: z.boolean(), blocked: z.boolean() })
            .nullable()
            .describe('null: nobody is registered under this phone or ID number'),
          lastVisit: z.object({ hostId: z.string(), hostName: z.string(), unitName: z.string(), reason: z.string(), startAt: z.string() }).nullable(),
        }),
        ...errors(400, 401),
      },
    },
    handler: async (req) => {
      const { actor } = await kiosk.requireKiosk(req);
      return svc.lastVisit(actor, req.body);
    },
  });

  r.post('/api/kiosk/photos', {
    schema: {
      operationId: 'uploadKioskPhoto',
      tags,
      summary: '触摸拍照: the photo just taken, after the visitor agreed to face processing on screen (`consentVersion`)',
      consumes: ['multipart/form-data'],
      body: photoForm,
      response: { 200: uploadResult, ...errors(400, 401, 413, 429) },
    },
    validatorCompiler: () => (data) => ({ value: data }),
    handler: async (req) => {
      const { actor } = await kiosk.requireKiosk(req);
      return visitorsSvc.uploadPhoto(actor, await readPhotoForm(req));
    },
  });

  r.post('/api/codes/verify', {
    schema: {
      operationId: 'verifyAppointmentCode',
      tags,
      summary: '访客预约码 scanned at a kiosk: valid when the order is confirmed and its holder is not blocklisted',
      body: z.object({ token: z.string().min(20).max(2000) }),
      response: {
        200: z.object({
          valid: z.boolean(),
          reason: z.string().nullable().describe('why not valid: VISITOR_BLOCKED (the desk is alerted), ORDER_PENDING, ORDER_CANCELLED, ORDER_ENDED …, CHECKED_OUT (checked out at a kiosk or automatically); an arrived order on site is valid'),
          order: z.object({ id: z.string(), visitorName: z.string(), hostName: z.string(), unitName: z.string(), startAt: z.string(), endAt: z.string(), status: z.enum(ORDER_STATUSES) }),
        }),
        ...errors(400, 401, 410),
      },
    },
    handler: async (req) => {
      const { actor } = await kiosk.requireKiosk(req);
      return svc.verifyAppointmentCode(actor, req.body.token);
    },
  });

  r.post('/api/kiosk/visits/:id/slip', {
    schema: {
      operationId: 'getKioskSlip',
      tags,
      summary: '访客凭条: what the kiosk prints for a confirmed order — masked host, unit, window, and a code the gates accept until the window ends',
      params: z.object({ id: z.string().uuid() }),
      response: {
        200: z.object({ token: z.string(), expiresAt: z.string(), visitorName: z.string(), hostName: z.string(), unitName: z.string(), startAt: z.string(), endAt: z.string() }),
        ...errors(400, 401, 404, 409),
      },
    },
    handler: async (req) => {
      const { actor } = await kiosk.requireKiosk(req);
      return slipFor(ctx, actor, req.params.id);
    },
  });

  r.get('/api/codes/public-key', {
    schema: {
      operationId: 'getCodePublicKey',
      tags,
      summary: 'Ed25519 public key (JWK) for verifying 访客预约码 offline at a gate',
      response: { 200: z.object({ kty: z.string(), crv: z.string(), x: z.string(), alg: z.string(), use: z.string(), kid: z.string() }) },
    },
    handler: async () => publicJwk(ctx),
  });

  r.post('/api/kiosk/walk-ins', {
    schema: {
      operationId: 'createWalkIn',
      tags,
      summary: 'K1 现场登记: confirmed at the desk where the unit allows it, else reviewed by the host',
      body: walkInBody,
      response: { 201: z.object({ order: orderCard, visitor: z.object({ name: z.string(), blocked: z.boolean() }), replay: z.literal(true).optional().describe('this key was registered before: the first order, as it stands now') }), ...errors(400, 401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      const { actor } = await kiosk.requireKiosk(req);
      // 体温 异常 (X6): at or above the center's threshold, the kiosk cannot confirm — the desk handles it
      if (req.body.temperature != null && req.body.temperature >= ctx.config.KIOSK_FEVER_THRESHOLD_C) throw new AppError('TEMPERATURE_ABNORMAL');
      return reply.status(201).send(await svc.createWalkIn(actor, req.body));
    },
  });
}
