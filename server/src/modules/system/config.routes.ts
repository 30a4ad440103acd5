import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';

/** What every app needs before it shows anything: the center's name and time zone, which one-tap sign-ins exist. */
export const publicConfigSchema = z.object({
  centerName: z.string(),
  timeZone: z.string().describe('IANA zone of the center (TZ_CENTER); every time is shown in it'),
  wechat: z.boolean(),
  wecom: z.boolean(),
  visitorRetentionDays: z.number().int().describe('VISITOR_RETENTION_DAYS: photos and ID numbers are purged this many days after the last visit; the consent texts name it'),
});
export type PublicConfig = z.infer<typeof publicConfigSchema>;

export async function configRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/config', {
    schema: {
      operationId: 'getPublicConfig',
      tags: ['system'],
      summary: "Public configuration: the center's name and time zone, enabled one-tap sign-ins, the visitor retention period",
      security: [],
      response: { 200: publicConfigSchema },
    },
    handler: async (): Promise<PublicConfig> => ({
      centerName: ctx.config.CENTER_NAME,
      timeZone: ctx.config.TZ_CENTER,
      wechat: ctx.config.wechatEnabled,
      wecom: ctx.config.wecomEnabled,
      visitorRetentionDays: ctx.config.VISITOR_RETENTION_DAYS,
    }),
  });
}
