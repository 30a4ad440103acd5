/**
 * A stand-in for WeCom (企业微信): the web-authorisation page (open.weixin.qq.com/connect/oauth2/authorize
 * with appid=corpid and agentid), /cgi-bin/gettoken and /cgi-bin/auth/getuserinfo with WeCom's
 * errcode/errmsg JSON. Tokens can be expired on demand to test that the caller recovers.
 */
import { randomBytes } from 'node:crypto';
import { startHttpStub, type HttpStub, type StubRequest } from './http-stub.js';

export type WecomUser = { userid: string } | { openid: string };

export interface WecomStub extends HttpStub {
  /** who "is using WeCom" when the next authorize request arrives */
  signInAs(user: WecomUser): void;
  /** make every token issued so far answer 42001 (access_token expired) */
  expireTokens(): void;
  /** how many times /cgi-bin/gettoken issued a token */
  readonly tokensIssued: number;
}

const hint = () => `, hint: [${Date.now()}${randomBytes(3).toString('hex')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=`;

export async function startWecomStub(opts: { corpId: string; corpSecret: string; agentId?: string }): Promise<WecomStub> {
  let current: WecomUser = { userid: 'zhangsan' };
  const codes = new Map<string, { user: WecomUser; used: boolean; expiresAt: number }>();
  const tokens = new Map<string, { expired: boolean; expiresAt: number }>();
  let tokensIssued = 0;
  const err = (errcode: number, errmsg: string) => ({ status: 200, json: { errcode, errmsg: `${errmsg}${hint()}${errcode}` } });

  const handle = (r: StubRequest) => {
    const q = r.query;
    if (r.method === 'GET' && r.path === '/connect/oauth2/authorize') {
      if (q.get('appid') !== opts.corpId) return { status: 200, text: '参数错误：appid (corpid) 无效' };
      if (opts.agentId && q.get('agentid') && q.get('agentid') !== opts.agentId) return { status: 200, text: '参数错误：agentid 无效' };
      const redirect = q.get('redirect_uri');
      if (q.get('response_type') !== 'code' || !redirect) return { status: 200, text: '参数错误' };
      const code = randomBytes(16).toString('hex');
      codes.set(code, { user: current, used: false, expiresAt: Date.now() + 5 * 60_000 });
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return { status: 302, headers: { location: back.toString() } };
    }
    if (r.method === 'GET' && r.path === '/cgi-bin/gettoken') {
      if (q.get('corpid') !== opts.corpId) return err(40013, 'invalid corpid');
      if (q.get('corpsecret') !== opts.corpSecret) return err(40001, 'invalid credential');
      const token = randomBytes(32).toString('base64url');
      tokens.set(token, { expired: false, expiresAt: Date.now() + 7200_000 });
      tokensIssued++;
      return { status: 200, json: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 } };
    }
    if (r.method === 'GET' && r.path === '/cgi-bin/auth/getuserinfo') {
      const token = q.get('access_token');
      if (!token) return err(41001, 'access_token missing');
      const t = tokens.get(token);
      if (!t) return err(40014, 'invalid access_token');
      if (t.expired || t.expiresAt < Date.now()) return err(42001, 'access_token expired');
      const c = codes.get(q.get('code') ?? '');
      if (!c || c.used || c.expiresAt < Date.now()) return err(40029, 'invalid code');
      c.used = true;
      return { status: 200, json: { errcode: 0, errmsg: 'ok', ...('userid' in c.user ? { userid: c.user.userid } : { openid: c.user.openid, external_userid: `wm${randomBytes(8).toString('hex')}` }) } };
    }
    return { status: 404, text: 'not found' };
  };

  const base = await startHttpStub(handle);
  return {
    ...base,
    signInAs(user: WecomUser) {
      current = user;
    },
    expireTokens() {
      for (const t of tokens.values()) t.expired = true;
    },
    get tokensIssued() {
      return tokensIssued;
    },
  };
}
