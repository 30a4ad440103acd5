/** The lobby (K2): kiosk find / check-in / check-out, and the admin 在场访客 list. Shapes: contracts/lobby.ts. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { LOBBY_REFUSALS } from '../../../../contracts/lobby.js';
import { ORDER_KINDS, ORDER_STATUSES } from '../../../../contracts/visits.js';
import { KioskService } from '../kiosk/kiosk.service.js';
import { requireActor } from '../identity/session.js';
import { LobbyService, type LobbyQuery } from './lobby.service.js';
import { OnSiteService } from './on-site.service.js';
import { presence } from './visits.schemas.js';

const tags = ['kiosk'];
const lobbyOrder = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    kind: z.enum(ORDER_KINDS),
    status: z.enum(ORDER_STATUSES),
    visitor: z.object({ name: z.string(), idNumberMasked: z.string().nullable(), phoneMasked: z.string(), company: z.string().nullable(), position: z.string().nullable(), hasPhoto: z.boolean() }),
    reason: z.string(),
    remark: z.string().nullable(),
    startAt: z.string(),
    endAt: z.string(),
    host: z.object({ name: z.string(), unitName: z.string(), departmentName: z.string().nullable() }),
    place: z.string().nullable(),
    presence,
    refusal: z.enum(LOBBY_REFUSALS).nullable(),
  })
  .describe('LobbyOrder');
const results = z.object({
  results: z.array(z.object({ orderId: z.string(), ok: z.boolean(), refusal: z.enum(LOBBY_REFUSALS).nullable(), order: lobbyOrder })),
  replay: z.boolean().optional(),
});
const key = z.string().min(8).max(100).nullish();
/** one of: a scanned code, an ID card (typed or read), a phone */
const query = z.union([
  z.object({ code: z.string().trim().min(10).max(2000) }),
  z.object({ idType: z.enum(ID_TYPES).optional(), idNumber: z.string().trim().min(1).max(30) }),
  z.object({ phone: z.string().trim().regex(/^1\d{10}$/, 'phone') }),
]);

export async function lobbyRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const kiosk = new KioskService(ctx);
  const svc = new LobbyService(ctx);
  const onSite = new OnSiteService(ctx);

  r.post('/api/kiosk/lobby/find', {
    schema: {
      operationId: 'findLobbyOrders',
      tags,
      summary: "K2 预约访客: today's orders for a 访客预约码 (or slip), an ID number or a phone, with their companions and what stops each check-in",
      body: query,
      response: {
        200: z.object({ groups: z.array(z.object({ main: lobbyOrder, companions: z.array(lobbyOrder), matchedId: z.string() })) }),
        ...errors(400, 401, 404, 410),
      },
    },
    handler: async (req) => {
      const { actor, device } = await kiosk.requireKiosk(req);
      return svc.find(actor, device, req.body as LobbyQuery);
    },
  });

  r.post('/api/kiosk/lobby/check-in', {
    schema: {
      operationId: 'checkInLobby',
      tags,
      summary: '签到: the chosen orders become 已到达 (访客机：签到, host told); a replay of the same idempotencyKey answers the first result',
      body: z.object({
        orderIds: z.array(z.uuid()).min(1).max(50),
        temperature: z.number().min(30).max(45).nullish(),
        healthCode: z.enum(['green', 'yellow', 'red']).nullish(),
        photoUploadId: z.uuid().nullish(),
        idempotencyKey: key,
        occurredAt: z.string().datetime({ offset: true }).nullish(),
        code: z.string().trim().min(10).max(2000).nullish(),
      }),
      response: { 200: results, ...errors(400, 401, 404, 410, 422) },
    },
    handler: async (req) => {
      const { actor, device } = await kiosk.requireKiosk(req);
      return svc.checkIn(actor, device, req.body);
    },
  });

  r.post('/api/kiosk/lobby/check-out', {
    schema: {
      operationId: 'checkOutLobby',
      tags,
      summary: '签离: the on-site orders of a scanned code or slip, an ID number, a phone or chosen ids record their leave; the gates drop them',
      body: z.union([query, z.object({ orderIds: z.array(z.uuid()).min(1).max(50) })]).and(z.object({ idempotencyKey: key })),
      response: { 200: results, ...errors(400, 401, 404, 410) },
    },
    handler: async (req) => {
      const { actor, device } = await kiosk.requireKiosk(req);
      const { idempotencyKey, ...q } = req.body as LobbyQuery & { orderIds?: string[]; idempotencyKey?: string | null };
      return svc.checkOut(actor, device, q as LobbyQuery | { orderIds: string[] }, idempotencyKey);
    },
  });

  r.get('/api/admin/on-site', {
    schema: {
      operationId: 'listOnSite',
      tags: ['admin'],
      summary: '在场访客: who is on site now (arrived, not left), overstaying first',
      response: {
        200: z.object({
          items: z.array(
            z.object({
              orderId: z.string(),
              visitorName: z.string(),
              phoneMasked: z.string(),
              company: z.string().nullable(),
              hostName: z.string(),
              hostPhoneMasked: z.string(),
              unitName: z.string(),
              buildingName: z.string().nullable().describe("the host's unit's building (在场人员 groups by it)"),
              startAt: z.string(),
              endAt: z.string(),
              presence,
            }),
          ),
          total: z.number(),
          overstaying: z.number(),
        }),
        ...errors(401),
      },
    },
    handler: (req) => onSite.list(requireActor(req, 'admin')),
  });

  r.get('/api/admin/on-site/evacuation-phones', {
    schema: {
      operationId: 'listOnSiteEvacuationPhones',
      tags: ['admin'],
      summary: '打印 (疏散核对): the full phones of everyone on site and of their hosts, for the printed evacuation sheet; 系统管理员 only; the read is audited',
      response: {
        200: z.object({ items: z.array(z.object({ orderId: z.string(), phone: z.string(), hostPhone: z.string() })) }),
        ...errors(401),
      },
    },
    handler: (req) => onSite.evacuationPhones(requireActor(req, 'admin')),
  });
}
