import { z } from 'zod';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { isDbUnavailable } from '../../platform/db-health.js';

export async function systemRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/health', {
    schema: {
      operationId: 'getHealth',
      tags: ['system'],
      summary: 'Liveness and database check (503 while the database is unreachable; the process stays up)',
      response: {
        200: z.object({ status: z.literal('ok'), db: z.enum(['pglite', 'postgres']) }),
        503: z.object({ status: z.literal('degraded'), db: z.literal('down') }).describe('The database cannot be reached'),
        ...errors(500),
      },
    },
    handler: async (_req, reply) => {
      try {
        await ctx.db.execute(sql`select 1`);
      } catch (err) {
        if (!isDbUnavailable(err)) throw err;
        app.dbHealth?.reportFailure(err);
        return reply.status(503).send({ status: 'degraded' as const, db: 'down' as const });
      }
      return { status: 'ok' as const, db: ctx.database.kind };
    },
  });
}
