import { z } from 'zod';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';

export async function systemRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/health', {
    schema: {
      operationId: 'getHealth',
      tags: ['system'],
      summary: 'Liveness and database check',
      response: { 200: z.object({ status: z.literal('ok'), db: z.enum(['pglite', 'postgres']) }), ...errors(500) },
    },
    handler: async () => {
      await ctx.db.execute(sql`select 1`);
      return { status: 'ok' as const, db: ctx.database.kind };
    },
  });
}
