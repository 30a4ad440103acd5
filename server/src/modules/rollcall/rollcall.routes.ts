/** 点名 (A11): the reception phone's routes (/api/staff/roll-call…) and the same for a 系统管理员 (/api/admin/roll-call…). Shapes: contracts/rollcall.ts. */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { streamLive } from '../../platform/sse.js';
import { requireActor, requireSystemAdmin, type Actor } from '../identity/session.js';
import { RollCallService } from './rollcall.service.js';

const person = z.object({
  orderId: z.string(),
  visitorName: z.string(),
  phoneMasked: z.string(),
  company: z.string().nullable(),
  hostName: z.string(),
  hostPhoneMasked: z.string(),
  unitName: z.string(),
  buildingName: z.string().nullable(),
  markedAt: z.string().nullable().describe('已确认安全: when (null: unaccounted for)'),
  markedBy: z.string().nullable(),
  left: z.boolean().describe('seen leaving since'),
});
const view = z
  .object({
    rollCall: z.object({ id: z.string(), startedAt: z.string(), startedBy: z.string() }).nullable().describe('the open roll call; null when none is open'),
    total: z.number().int().describe('共 m: everyone on site, and those marked in this roll call who have left since'),
    safe: z.number().int().describe('已确认 n'),
    buildings: z.array(z.object({ buildingName: z.string().nullable(), people: z.array(person) })),
  })
  .describe('RollCallView');
const idParam = z.object({ id: z.string().max(100) });
const markBody = z.object({ orderId: z.string().uuid() });

export async function rollCallRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new RollCallService(ctx);

  for (const area of ['staff', 'admin'] as const) {
    const tags = [area === 'staff' ? 'staff' : 'admin'];
    const who = (req: FastifyRequest): Actor => (area === 'staff' ? requireActor(req, 'staff') : requireSystemAdmin(req));
    const base = `/api/${area}/roll-call`;
    const op = (name: string) => `${name}${area === 'staff' ? '' : 'AsAdmin'}`;

    r.get(base, {
      schema: { operationId: op('getRollCall'), tags, summary: '点名: the open roll call (or none) and who it covers, per building, the unaccounted first (read audited)', response: { 200: view, ...errors(401, 403) } },
      handler: (req) => svc.view(who(req)),
    });
    r.post(base, {
      schema: { operationId: op('startRollCall'), tags, summary: '开始点名: starts a roll call, or answers the one already open', response: { 200: view, ...errors(401, 403) } },
      handler: (req) => svc.start(who(req)),
    });
    r.post(`${base}/:id/marks`, {
      schema: {
        operationId: op('markRollCallSafe'),
        tags,
        summary: '标记安全: marks one person (their visit order) safe; marking again changes nothing; someone not on site → 404',
        params: idParam,
        body: markBody,
        response: { 200: view, ...errors(400, 401, 403, 404, 409) },
      },
      handler: (req) => svc.mark(who(req), req.params.id, req.body.orderId),
    });
    r.post(`${base}/:id/end`, {
      schema: { operationId: op('endRollCall'), tags, summary: '结束点名', params: idParam, response: { 200: view, ...errors(401, 403, 404, 409) } },
      handler: (req) => svc.end(who(req), req.params.id),
    });
  }

  r.get('/api/staff/roll-call/live', {
    schema: {
      operationId: 'streamRollCallLive',
      tags: ['staff'],
      summary: '点名 live (server-sent events): `event: change` with `{ topic: roll_call | visits, at }` — fetch the roll call again; `: ping` heartbeats. Reception staff only',
      produces: ['text/event-stream'],
      response: { 200: z.string().describe('text/event-stream'), ...errors(401, 403) },
    },
    handler: async (req, reply) => {
      const actor = requireActor(req, 'staff');
      await ctx.db.transaction((tx) => svc.assertMayTake(tx, actor));
      streamLive(req, reply, ctx.live, { topics: ['roll_call', 'visits'], heartbeatMs: ctx.config.LIVE_HEARTBEAT_SECONDS * 1000 });
    },
  });
}
