/**
 * A stand-in for WeCom (企业微信): the web-authorisation page (open.weixin.qq.com/connect/oauth2/authorize
 * with appid=corpid and agentid), /cgi-bin/gettoken, /cgi-bin/auth/getuserinfo and the application
 * message API /cgi-bin/message/send (textcard) with WeCom's errcode/errmsg JSON. Tokens can be
 * expired on demand to test that the caller recovers; sends can be made to fail.
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
  /** the application messages accepted by /cgi-bin/message/send, in order */
  readonly messages: WecomMessage[];
  /** the corporation's members: a message to anyone else is refused with 81013 (default: everyone is a member) */
  setMembers(userids: string[] | null): void;
  /** the next `times` message/send calls (with a valid token) answer this errcode */
  failSends(errcode: number, times?: number): void;
}

/** A textcard message as WeCom accepted it. */
export interface WecomMessage {
  msgid: string;
  touser: string;
  agentid: number;
  msgtype: 'textcard';
  textcard: { title: string; description: string; url: string; btntxt?: string };
  enable_duplicate_check?: number;
}

const hint = () => `, hint: [${Date.now()}${randomBytes(3).toString('hex')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=`;

export async function startWecomStub(opts: { corpId: string; corpSecret: string; agentId?: string }): Promise<WecomStub> {
  let current: WecomUser = { userid: 'zhangsan' };
  const codes = new Map<string, { user: WecomUser; used: boolean; expiresAt: number }>();
  const tokens = new Map<string, { expired: boolean; expiresAt: number }>();
  let tokensIssued = 0;
  const messages: WecomMessage[] = [];
  let members: Set<string> | null = null;
  let failing: { errcode: number; times: number } | null = null;
  const err = (errcode: number, errmsg: string) => ({ status: 200, json: { errcode, errmsg: `${errmsg}${hint()}${errcode}` } });

  const tokenError = (token: string | null) => {
    if (!token) return err(41001, 'access_token missing');
    const t = tokens.get(token);
    if (!t) return err(40014, 'invalid access_token');
    if (t.expired || t.expiresAt < Date.now()) return err(42001, 'access_token expired');
    return null;
  };

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
      const bad = tokenError(q.get('access_token'));
      if (bad) return bad;
      const c = codes.get(q.get('code') ?? '');
      if (!c || c.used || c.expiresAt < Date.now()) return err(40029, 'invalid code');
      c.used = true;
      return { status: 200, json: { errcode: 0, errmsg: 'ok', ...('userid' in c.user ? { userid: c.user.userid } : { openid: c.user.openid, external_userid: `wm${randomBytes(8).toString('hex')}` }) } };
    }
    if (r.method === 'POST' && r.path === '/cgi-bin/message/send') {
      const bad = tokenError(q.get('access_token'));
      if (bad) return bad;
      let m: Partial<WecomMessage> & { textcard?: Partial<WecomMessage['textcard']> };
      try {
        m = JSON.parse(r.body) as typeof m;
      } catch {
        return err(47001, 'data format error');
      }
      if (failing && failing.times > 0) {
        failing.times--;
        return err(failing.errcode, 'stub failure');
      }
      if (opts.agentId && String(m.agentid) !== opts.agentId) return err(40056, 'invalid agentid');
      if (typeof m.agentid !== 'number') return err(40056, 'invalid agentid');
      if (m.msgtype !== 'textcard') return err(40008, 'invalid message type');
      const c = m.textcard;
      if (!c?.title || !c.description || !c.url) return err(41016, 'missing title, description or url');
      // WeCom's limits: title 128 bytes, description 512 bytes, url 2048 bytes, button 4 characters
      if (Buffer.byteLength(c.title) > 128 || Buffer.byteLength(c.description) > 512 || Buffer.byteLength(c.url) > 2048 || [...(c.btntxt ?? '')].length > 4) return err(45002, 'content size out of limit');
      const to = (m.touser ?? '').split('|').filter(Boolean);
      const invalid = members ? to.filter((u) => !members!.has(u)) : [];
      if (!to.length || invalid.length === to.length) return err(81013, 'user & party & tag all invalid');
      const msgid = randomBytes(12).toString('base64url');
      messages.push({ ...(m as WecomMessage), msgid });
      return { status: 200, json: { errcode: 0, errmsg: 'ok', invaliduser: invalid.join('|'), invalidparty: '', invalidtag: '', unlicenseduser: '', msgid, response_code: '' } };
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
    messages,
    setMembers(userids: string[] | null) {
      members = userids ? new Set(userids) : null;
    },
    failSends(errcode: number, times = 1) {
      failing = { errcode, times };
    },
  };
}
