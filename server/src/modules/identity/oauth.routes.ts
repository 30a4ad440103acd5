import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { OAuthService, type OAuthProvider } from './oauth.service.js';

/** A path on this site only (no scheme, no //host), so the flow can't be used as an open redirect. */
const returnTo = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[^\s\\]*$/, 'a path on this site, starting with /')
  .optional()
  .describe('where to go after signing in (a path on this site)');
const redirect = z.null().describe('302 redirect (Location header)');
const callbackQuery = z.object({ code: z.string().min(1).max(512), state: z.string().min(1).max(128) });

export async function oauthRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new OAuthService(ctx);
  const tags = ['identity'];

  r.get('/api/auth/oauth/config', {
    schema: {
      operationId: 'getOAuthConfig',
      tags,
      summary: 'Which one-tap sign-ins are configured (WeChat for visitors, WeCom for staff)',
      security: [],
      response: { 200: z.object({ wechat: z.boolean(), wecom: z.boolean() }) },
    },
    handler: async () => svc.enabled(),
  });

  const names: Record<OAuthProvider, { start: string; callback: string; label: string }> = {
    wechat: { start: 'startWechatOAuth', callback: 'wechatOAuthCallback', label: 'WeChat Official Account (visitors)' },
    wecom: { start: 'startWecomOAuth', callback: 'wecomOAuthCallback', label: 'WeCom 企业微信 (staff)' },
  };
  for (const p of ['wechat', 'wecom'] as const) {
    r.get(`/api/auth/${p}/start`, {
      schema: {
        operationId: names[p].start,
        tags,
        summary: `Begin sign-in with ${names[p].label}: redirects to the provider`,
        security: [],
        querystring: z.object({ returnTo }),
        response: { 302: redirect, ...errors(400, 404) },
      },
      handler: async (req, reply) => reply.redirect(await svc.start(p, req.query.returnTo, req, reply), 302),
    });

    r.get(`/api/auth/${p}/callback`, {
      schema: {
        operationId: names[p].callback,
        tags,
        summary: `The provider's redirect back (${names[p].label}); signs in and redirects to the app (on failure with ?error=OAUTH_FAILED)`,
        security: [],
        querystring: callbackQuery,
        response: { 302: redirect, ...errors(400, 404) },
      },
      handler: async (req, reply) => reply.redirect(await svc.callback(p, req.query.code, req.query.state, req, reply), 302),
    });
  }
}
