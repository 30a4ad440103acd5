/**
 * A stand-in for WeChat Official Account web authorisation (open.weixin.qq.com + api.weixin.qq.com):
 * the authorize page redirects back with a one-time code for the current user; /sns/oauth2/access_token
 * exchanges it for the openid with WeChat's JSON (errcode/errmsg on failure, served as text/plain
 * like the real API).
 */
import { randomBytes } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';

export interface WechatOAuthStub extends HttpStub {
  /** who "is using WeChat" when the next authorize request arrives */
  signInAs(openid: string): void;
  /** how many codes were exchanged successfully */
  readonly exchanges: number;
}

const rid = () => `rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;

export async function startWechatOAuthStub(opts: { appId: string; appSecret: string }): Promise<WechatOAuthStub> {
  let current = 'oSTUB_default_openid';
  const codes = new Map<string, { openid: string; used: boolean; expiresAt: number }>();
  let exchanges = 0;
  const wx = (json: unknown) => ({ status: 200, json, headers: { 'content-type': 'text/plain' } });
  const err = (errcode: number, errmsg: string) => wx({ errcode, errmsg: `${errmsg}, ${rid()}` });

  const handle = (r: StubRequest) => {
    const q = r.query;
    if (r.method === 'GET' && r.path === '/connect/oauth2/authorize') {
      // The real page shows an error in the browser rather than redirecting.
      if (q.get('appid') !== opts.appId) return { status: 200, text: 'appid参数错误 (Parameter error: appid)' };
      if (q.get('response_type') !== 'code' || !['snsapi_base', 'snsapi_userinfo'].includes(q.get('scope') ?? '')) return { status: 200, text: 'scope参数错误或没有scope权限' };
      const redirect = q.get('redirect_uri');
      if (!redirect || !/^https?:\/\//.test(redirect)) return { status: 200, text: 'redirect_uri参数错误' };
      const code = randomBytes(16).toString('hex');
      codes.set(code, { openid: current, used: false, expiresAt: Date.now() + 5 * 60_000 });
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return { status: 302, headers: { location: back.toString() } };
    }
    if (r.method === 'GET' && r.path === '/sns/oauth2/access_token') {
      if (q.get('appid') !== opts.appId) return err(40013, 'invalid appid');
      if (q.get('secret') !== opts.appSecret) return err(40125, 'invalid appsecret');
      if (q.get('grant_type') !== 'authorization_code') return err(40002, 'invalid grant_type');
      const c = codes.get(q.get('code') ?? '');
      if (!c || c.expiresAt < Date.now()) return err(40029, 'invalid code');
      if (c.used) return err(40163, 'code been used');
      c.used = true;
      exchanges++;
      return wx({
        access_token: randomBytes(24).toString('base64url'),
        expires_in: 7200,
        refresh_token: randomBytes(24).toString('base64url'),
        openid: c.openid,
        scope: 'snsapi_base',
      });
    }
    return { status: 404, text: 'not found' };
  };

  const base = await startHttpStub(handle);
  return {
    ...base,
    signInAs(openid: string) {
      current = openid;
    },
    get exchanges() {
      return exchanges;
    },
  };
}
