/** 首页 (A9): the dashboard's numbers and the live stream the admin console's screens listen to. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { streamLive } from '../../platform/sse.js';
import { LIVE_TOPICS } from '../../platform/live.js';
import { adminUnitScope, requireAdmin } from '../identity/session.js';
import { DashboardService } from './dashboard.service.js';

const tags = ['admin'];
const n = z.number().int();
const counts = {
  expected: n.describe('people expected today: confirmed or arrived, window overlapping today'),
  arrived: n.describe('arrived today'),
  onSite: n.describe('arrived today and not seen leaving'),
  left: n.describe('arrived today and seen leaving'),
  overstaying: n.describe('on site VISIT_OVERSTAY_MINUTES or more past their window’s end (whenever they came)'),
  cancelled: n.describe('cancelled, window overlapping today'),
  pendingReview: n.describe('waiting for a review now'),
};

export async function dashboardRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new DashboardService(ctx);

  r.get('/api/admin/dashboard', {
    schema: {
      operationId: 'getAdminDashboard',
      tags,
      summary: "首页: today's visits per unit and in total, arrivals by hour, the last 30 days, counts of units, staff, hosts, visitors, faces held (X5) and failed jobs",
      response: {
        200: z.object({
          today: z.object({ day: z.string().describe("the center's calendar day counted (YYYY-MM-DD)"), ...counts }),
          perUnit: z.array(z.object({ unitId: z.string(), unitName: z.string(), ...counts })).describe('the units with anything to count today, the busiest first; they sum to `today`'),
          arrivalsByHour: z.array(n).length(24).describe("arrivals today per hour of the center's clock, 0–23"),
          last30Days: z
            .array(z.object({ day: z.string(), expected: n.describe('orders starting that day, confirmed or arrived'), arrived: n.describe('of those, who came') }))
            .describe('the last 30 days up to today, oldest first, every day present'),
          units: n,
          staff: n,
          staffWithVisitPermission: n,
          visitors: n,
          faces: z.object({ visitors: n, staff: n, total: n, filingThreshold: n }),
          jobs: z.object({ failed: n, dead: n }),
        }),
        ...errors(401),
      },
    },
    handler: (req) => svc.overview(adminUnitScope(req)),
  });

  r.get('/api/admin/live', {
    schema: {
      operationId: 'streamAdminLive',
      tags,
      summary:
        'Live updates (server-sent events) for 首页 and 在场人员: `event: change` with `{ topic: visits | passes | roll_call, at }` when something changed (no personal data: fetch again), `: ping` heartbeats',
      produces: ['text/event-stream'],
      response: { 200: z.string().describe('text/event-stream: `event: ready`, then `event: change` frames and `: ping` heartbeats'), ...errors(401) },
    },
    handler: (req, reply) => {
      requireAdmin(req);
      streamLive(req, reply, ctx.live, { topics: LIVE_TOPICS, heartbeatMs: ctx.config.LIVE_HEARTBEAT_SECONDS * 1000 });
    },
  });
}
