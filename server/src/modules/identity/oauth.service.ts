/**
 * Sign-in through WeChat (visitors, Official Account web authorisation, snsapi_base) and WeCom
 * (staff, 企业微信 web authorisation). Both are optional and configured by environment only.
 *
 * Flow: /start stores a random `state` (hashed, 10 minutes) and puts it in a cookie, then redirects
 * to the provider; the provider sends the browser back to /callback with `code` and `state`; the
 * state must match the stored one and the cookie (so a callback link can't be replayed into
 * another browser); the code is exchanged server-to-server for the user's identity.
 * Browser-facing failures redirect to the app with `?error=OAUTH_FAILED`.
 */
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { oauthStates, staff, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { randomToken, safeEqual, sha256 } from '../../platform/crypto.js';
import type { WecomAnswer } from '../../platform/wecom.js';
import { createSession, findActor } from './session.js';
import { bindWechatOpenId, clearPendingWechatBinding, setPendingWechatBinding } from './wechat-binding.js';

export type OAuthProvider = 'wechat' | 'wecom';

export const OAUTH_STATE_COOKIE = 'sg_oauth_state';
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** where each provider's users land by default, and where failures are reported */
export const OAUTH_APP_ROOT: Record<OAuthProvider, string> = { wechat: '/', wecom: '/staff/' };

class OAuthFailure extends Error {}

export class OAuthService {
  constructor(private readonly ctx: AppContext) {}

  enabled() {
    return { wechat: this.ctx.config.wechatEnabled, wecom: this.ctx.config.wecomEnabled };
  }

  private assertEnabled(p: OAuthProvider) {
    if (!this.enabled()[p]) throw new AppError('OAUTH_NOT_CONFIGURED');
  }

  private callbackUrl(req: FastifyRequest, p: OAuthProvider) {
    const base = this.ctx.config.PUBLIC_URL?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
    return `${base}/api/auth/${p}/callback`;
  }

  /** The provider's authorisation URL to redirect the browser to. */
  async start(p: OAuthProvider, returnTo: string | undefined, req: FastifyRequest, reply: FastifyReply): Promise<string> {
    this.assertEnabled(p);
    const { ctx } = this;
    const c = ctx.config;
    const now = ctx.clock.now();
    const state = randomToken(24);
    await ctx.db.delete(oauthStates).where(lt(oauthStates.expiresAt, now));
    await ctx.db.insert(oauthStates).values({ state: sha256(state), provider: p, returnTo: returnTo ?? OAUTH_APP_ROOT[p], expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS) });
    // Lax, not Strict: the callback arrives as a top-level navigation from the provider's site.
    reply.setCookie(OAUTH_STATE_COOKIE, state, { path: '/api/auth/', httpOnly: true, sameSite: 'lax', secure: c.cookieSecure, maxAge: OAUTH_STATE_TTL_MS / 1000 });
    const redirectUri = encodeURIComponent(this.callbackUrl(req, p));
    // WeChat checks the parameter order; keep appid, redirect_uri, response_type, scope, state.
    if (p === 'wechat') {
      return `${c.WECHAT_OAUTH_URL.replace(/\/+$/, '')}/connect/oauth2/authorize?appid=${encodeURIComponent(c.WECHAT_APP_ID!)}&redirect_uri=${redirectUri}&response_type=code&scope=snsapi_base&state=${state}#wechat_redirect`;
    }
    const agent = c.WECOM_AGENT_ID ? `&agentid=${encodeURIComponent(c.WECOM_AGENT_ID)}` : '';
    return `${c.WECOM_OAUTH_URL.replace(/\/+$/, '')}/connect/oauth2/authorize?appid=${encodeURIComponent(c.WECOM_CORP_ID!)}&redirect_uri=${redirectUri}&response_type=code&scope=snsapi_base&state=${state}${agent}#wechat_redirect`;
  }

  /** Handles the provider's redirect back; returns where to send the browser next. */
  async callback(p: OAuthProvider, code: string, state: string, req: FastifyRequest, reply: FastifyReply): Promise<string> {
    this.assertEnabled(p);
    const cookieState = req.cookies?.[OAUTH_STATE_COOKIE];
    reply.clearCookie(OAUTH_STATE_COOKIE, { path: '/api/auth/' });
    try {
      const returnTo = await this.consumeState(p, state, cookieState);
      return p === 'wechat' ? await this.finishWechat(code, returnTo, req, reply) : await this.finishWecom(code, returnTo, req, reply);
    } catch (err) {
      if (!(err instanceof OAuthFailure)) throw err;
      this.ctx.log.warn({ provider: p, reason: err.message }, 'oauth sign-in failed');
      return `${OAUTH_APP_ROOT[p]}?error=OAUTH_FAILED`;
    }
  }

  private async consumeState(p: OAuthProvider, state: string, cookieState: string | undefined): Promise<string> {
    if (!cookieState || !safeEqual(cookieState, state)) throw new OAuthFailure('state does not match this browser');
    const [row] = await this.ctx.db
      .delete(oauthStates)
      .where(and(eq(oauthStates.state, sha256(state)), eq(oauthStates.provider, p)))
      .returning();
    if (!row) throw new OAuthFailure('unknown or used state');
    if (row.expiresAt.getTime() <= this.ctx.clock.now().getTime()) throw new OAuthFailure('state expired');
    return row.returnTo;
  }

  private async getJson<T>(url: string): Promise<T> {
    let res: Response;
    try {
      res = await this.ctx.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new OAuthFailure(`provider unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw new OAuthFailure(`provider answered HTTP ${res.status}`);
    try {
      return (await res.json()) as T;
    } catch {
      throw new OAuthFailure('provider answered with something other than JSON');
    }
  }

  // ---- WeChat Official Account (visitors) ----

  private async finishWechat(code: string, returnTo: string, req: FastifyRequest, reply: FastifyReply): Promise<string> {
    const { ctx } = this;
    const c = ctx.config;
    const q = new URLSearchParams({ appid: c.WECHAT_APP_ID!, secret: c.WECHAT_APP_SECRET!, code, grant_type: 'authorization_code' });
    const r = await this.getJson<{ openid?: string; errcode?: number; errmsg?: string }>(`${c.WECHAT_API_URL.replace(/\/+$/, '')}/sns/oauth2/access_token?${q}`);
    if (r.errcode || !r.openid) throw new OAuthFailure(`wechat errcode ${r.errcode ?? 'none'}`);
    const openId = r.openid;
    const [v] = await ctx.db.select({ id: visitors.id }).from(visitors).where(eq(visitors.wechatOpenId, openId));
    const ua = req.headers['user-agent'];
    if (v) {
      clearPendingWechatBinding(reply);
      await ctx.db.transaction((tx) => createSession(ctx, tx, reply, { type: 'visitor', id: v.id }, ua));
      return returnTo;
    }
    const signedIn = findActor(req, 'visitor');
    if (signedIn) {
      // already signed in by SMS in this browser: bind now
      const visitorId = signedIn.id;
      await ctx.db.transaction((tx) => bindWechatOpenId(tx, visitorId, openId, req.ip));
      return returnTo;
    }
    // Not bound yet: the visitor signs in by SMS once; that session binds this openid.
    setPendingWechatBinding(ctx, reply, openId);
    return returnTo;
  }

  // ---- WeCom (staff) ----

  /** The signed-in WeCom member's userid, through the shared client (its token renewed once if WeCom refuses it). */
  private async wecomUserId(code: string): Promise<string | null> {
    type UserInfo = WecomAnswer & { userid?: string; openid?: string };
    let r: UserInfo;
    try {
      r = await this.ctx.wecom!.get<UserInfo>('/cgi-bin/auth/getuserinfo', { code });
    } catch (err) {
      throw new OAuthFailure(err instanceof Error ? err.message : String(err));
    }
    if (r.errcode) throw new OAuthFailure(`wecom getuserinfo errcode ${r.errcode}`);
    return r.userid ?? null; // a non-member has only an openid
  }

  private async finishWecom(code: string, returnTo: string, req: FastifyRequest, reply: FastifyReply): Promise<string> {
    const { ctx } = this;
    const userId = await this.wecomUserId(code);
    if (!userId) throw new OAuthFailure('not a member of the corporation');
    const [s] = await ctx.db
      .select({ id: staff.id })
      .from(staff)
      .where(and(eq(staff.wecomUserId, userId), isNull(staff.deletedAt), eq(staff.active, true)));
    if (!s) throw new OAuthFailure('no active staff member has this WeCom userid');
    await ctx.db.transaction((tx) => createSession(ctx, tx, reply, { type: 'staff', id: s.id }, req.headers['user-agent']));
    return returnTo;
  }
}
