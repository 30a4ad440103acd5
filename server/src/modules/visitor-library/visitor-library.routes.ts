/** The visitor library (访客库, A2): search, detail with visit history, photo, blocklist. Administrators only. */
import { z } from 'zod';
import { presence } from '../visits/visits.schemas.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { sendPhoto } from '../../platform/photos.js';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { VisitorLibraryService, HISTORY_LIMIT } from './visitor-library.service.js';

const idParams = z.object({ id: z.uuid() });
const visitorSummary = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  idType: z.enum(ID_TYPES),
  idNumberMasked: z.string().nullable().describe('e.g. 3303**********1234'),
  company: z.string().nullable(),
  position: z.string().nullable(),
  hasPhoto: z.boolean().describe('a face photo is on file (GET /api/admin/visitors/{id}/photo)'),
  blocked: z.boolean().describe('on the blocklist (黑名单): cannot submit orders'),
  blockedReason: z.string().nullable(),
  lastVisitAt: z.string().nullable(),
  createdAt: z.string(),
});
const visitorDetail = visitorSummary.extend({
  registeredVia: z.string(),
  updatedAt: z.string(),
  faceConsent: z
    .object({ status: z.enum(['granted', 'withdrawn']), version: z.string(), grantedAt: z.string(), withdrawnAt: z.string().nullable() })
    .nullable()
    .describe('the newest face-processing consent, null when none was ever given'),
  visitCount: z.number(),
  history: z
    .array(
      z.object({
        id: z.string(),
        kind: z.string(),
        origin: z.string().nullable(),
        status: z.string(),
        cancelReason: z.string().nullable(),
        hostName: z.string(),
        unitName: z.string(),
        reason: z.string(),
        startAt: z.string(),
        endAt: z.string(),
        arrivedAt: z.string().nullable(),
        presence,
      }),
    )
    .describe(`the visitor's orders, newest start first, at most ${HISTORY_LIMIT}`),
});

export async function visitorLibraryRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new VisitorLibraryService(ctx);
  const tags = ['visitor-library'];

  r.get('/api/admin/visitors', {
    schema: {
      operationId: 'listVisitors',
      tags,
      summary: 'The visitor library (访客库), paged, newest first: search by name or phone (contains) or an exact ID number; ID numbers masked; the read is audited',
      querystring: z.object({
        q: z.string().max(50).optional().describe('name, phone, or a whole ID number'),
        blocked: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(20),
      }),
      response: { 200: z.object({ items: z.array(visitorSummary), total: z.number(), page: z.number(), pageSize: z.number() }), ...errors(400, 401) },
    },
    handler: (req) => svc.list(req, req.query),
  });
  r.get('/api/admin/visitors/:id', {
    schema: {
      operationId: 'getVisitor',
      tags,
      summary: 'One visitor: record (ID masked), face consent and visit history; the read is audited (visitor.read)',
      params: idParams,
      response: { 200: visitorDetail, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.detail(req, req.params.id),
  });
  r.get('/api/admin/visitors/:id/photo', {
    schema: {
      operationId: 'getVisitorPhoto',
      tags,
      summary: 'A visitor’s face photo (image/jpeg, never cached); the read is audited (visitor.photo.read)',
      produces: ['image/jpeg'],
      params: idParams,
      response: { 200: z.any().describe('JPEG image'), ...errors(400, 401, 404) },
    },
    handler: async (req, reply) => sendPhoto(reply, await svc.photo(req, req.params.id)),
  });
  r.patch('/api/admin/visitors/:id/block', {
    schema: {
      operationId: 'setVisitorBlocked',
      tags,
      summary:
        '加入黑名单 (blocked: true, reason required: REQUIRED_FIELD_MISSING): the person leaves every gate at once and their open orders are cancelled (已列入黑名单, hosts told); 移出黑名单 (blocked: false) restores nothing by itself; audited',
      params: idParams,
      body: z.object({ blocked: z.boolean(), reason: z.string().max(200).nullable().optional() }),
      response: { 200: visitorSummary.extend({ cancelledOrders: z.number().int().describe('open orders cancelled by this blocking') }), ...errors(400, 401, 404) },
    },
    handler: (req) => svc.setBlocked(req, req.params.id, req.body),
  });
}
