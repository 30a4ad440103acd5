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
});
export type PublicConfig = z.infer<typeof publicConfigSchema>;

export async function configRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/config', {
    schema: {
      operationId: 'getPublicConfig',
      tags: ['system'],
      summary: "Public configuration: the center's name and time zone, enabled one-tap sign-ins",
      security: [],
      response: { 200: publicConfigSchema },
    },
    handler: async (): Promise<PublicConfig> => ({
      centerName: ctx.config.CENTER_NAME,
      timeZone: ctx.config.TZ_CENTER,
      wechat: ctx.config.wechatEnabled,
      wecom: ctx.config.wecomEnabled,
    }),
  });
}
