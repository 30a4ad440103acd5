/**
 * WeChat (visitors) and WeCom (staff) sign-in, end to end against local stubs that speak the
 * providers' protocols over real HTTP: start → provider's authorize page → callback → session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, lastCode, type TestApp } from '../../test/harness.js';
import { newStaff, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { startWechatOAuthStub, type WechatOAuthStub } from '../../test/stubs/wechat-oauth-stub.js';
import { startWecomStub, type WecomStub } from '../../test/stubs/wecom-stub.js';
import { auditLog, oauthStates, visitors } from '../../db/schema/index.js';
import { sha256 } from '../../platform/crypto.js';
import { WECHAT_BIND_COOKIE } from './wechat-binding.js';
import { OAUTH_STATE_COOKIE } from './oauth.service.js';
import { TERMS_VERSION } from '../../../../contracts/consent.js';

const wx = { appId: 'wx5f1c0ffee0000001', appSecret: 'wechat-secret-0001' };
const wc = { corpId: 'ww0c0ffee000000001', corpSecret: 'wecom-secret-0001', agentId: '1000002' };

let wechat: WechatOAuthStub;
let wecom: WecomStub;
let t: TestApp;
beforeAll(async () => {
  wechat = await startWechatOAuthStub(wx);
  wecom = await startWecomStub(wc);
  t = await createTestApp({
    env: {
      WECHAT_APP_ID: wx.appId,
      WECHAT_APP_SECRET: wx.appSecret,
      WECHAT_OAUTH_URL: wechat.url,
      WECHAT_API_URL: wechat.url,
      WECOM_CORP_ID: wc.corpId,
      WECOM_CORP_SECRET: wc.corpSecret,
      WECOM_AGENT_ID: wc.agentId,
      WECOM_OAUTH_URL: wecom.url,
      WECOM_API_URL: wecom.url,
    },
  });
});
afterAll(async () => {
  await t?.close();
  await wechat?.close();
  await wecom?.close();
});

let openIdSeq = 0;
const newOpenId = () => `oWX_${Date.now().toString(36)}_${openIdSeq++}`;

/** Browser: our /start → the provider's authorize page (real HTTP) → back to our callback. */
async function signInVia(c: Client, p: 'wechat' | 'wecom', returnTo?: string) {
  const start = await c.get(`/api/auth/${p}/start${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
  expect(start.statusCode).toBe(302);
  const provider = await fetch(start.headers.location as string, { redirect: 'manual' });
  expect(provider.status).toBe(302);
  const back = new URL(provider.headers.get('location')!);
  expect(back.pathname).toBe(`/api/auth/${p}/callback`);
  const cb = await c.get(back.pathname + back.search);
  expect(cb.statusCode).toBe(302);
  return { location: cb.headers.location as string, callbackPath: back.pathname + back.search };
}

const me = (c: Client) => c.get('/api/auth/me');

describe('GET /api/auth/oauth/config', () => {
  it('tells the apps which sign-in buttons to show', async () => {
    const res = await new Client(t).get('/api/auth/oauth/config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ wechat: true, wecom: true });
  });
});

describe('WeChat sign-in (visitors)', () => {
  it('start redirects to the authorize URL with appid, encoded redirect_uri, snsapi_base, state and #wechat_redirect', async () => {
    const c = new Client(t);
    const res = await c.get('/api/auth/wechat/start?returnTo=%2Fvisits%3Ftab%3D1');
    expect(res.statusCode).toBe(302);
    const loc = res.headers.location as string;
    const m = loc.match(/^(.*)\/connect\/oauth2\/authorize\?appid=([^&]+)&redirect_uri=([^&]+)&response_type=code&scope=snsapi_base&state=([A-Za-z0-9_-]+)#wechat_redirect$/);
    expect(m, loc).not.toBeNull();
    expect(m![1]).toBe(wechat.url);
    expect(m![2]).toBe(wx.appId);
    expect(decodeURIComponent(m![3]!)).toBe('http://localhost:80/api/auth/wechat/callback');
    const state = m![4]!;
    expect(c.cookies.get(OAUTH_STATE_COOKIE)).toBe(state);
    const cookie = res.cookies.find((k: { name: string }) => k.name === OAUTH_STATE_COOKIE) as { httpOnly?: boolean; sameSite?: string };
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // stored hashed, 10 minutes, with where to go afterwards
    const [row] = await t.ctx.db.select().from(oauthStates).where(eq(oauthStates.state, sha256(state)));
    expect(row).toMatchObject({ provider: 'wechat', returnTo: '/visits?tab=1' });
    expect(Math.abs(row!.expiresAt.getTime() - Date.now() - 10 * 60_000)).toBeLessThan(5_000);
    expect(await t.ctx.db.select().from(oauthStates).where(eq(oauthStates.state, state))).toHaveLength(0);
  });

  it.each([['//evil.example/'], ['https://evil.example/'], ['/\\evil.example'], ['relative'], ['/a b']])('refuses returnTo %j with 400 (no open redirect)', async (bad) => {
    const res = await new Client(t).get(`/api/auth/wechat/start?returnTo=${encodeURIComponent(bad)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('callback without code or state is refused with 400', async () => {
    expect((await new Client(t).get('/api/auth/wechat/callback?state=abc')).statusCode).toBe(400);
    const res = await new Client(t).get('/api/auth/wechat/callback?code=abc');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('an unbound WeChat user signs in by SMS once; the openid is then bound and later WeChat opens sign in directly', async () => {
    const v = await newVisitor(t, { phone: randomPhone() });
    const openId = newOpenId();
    wechat.signInAs(openId);

    const browser = new Client(t, '10.2.0.1');
    const first = await signInVia(browser, 'wechat', '/visits');
    expect(first.location).toBe('/visits');
    expect((await me(browser)).statusCode).toBe(401); // not signed in yet: the app shows 登录
    expect(browser.cookies.has(WECHAT_BIND_COOKIE)).toBe(true);
    expect(browser.cookies.get(WECHAT_BIND_COOKIE)).not.toContain(openId); // encrypted

    // SMS login in the same browser binds the openid
    await browser.post('/api/auth/sms-codes', { phone: v.phone, purpose: 'visitor_login' });
    const login = await browser.post('/api/auth/visitor/login', { phone: v.phone, code: await lastCode(t, v.phone) });
    expect(login.json()).toEqual({ registered: true });
    expect(browser.cookies.has(WECHAT_BIND_COOKIE)).toBe(false);
    const [row] = await t.ctx.db.select({ wechatOpenId: visitors.wechatOpenId }).from(visitors).where(eq(visitors.id, v.id));
    expect(row!.wechatOpenId).toBe(openId);
    const events = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'visitor.wechat_bound'), eq(auditLog.targetId, v.id)));
    expect(events).toHaveLength(1);

    // a new browser (next time in WeChat): straight in
    const later = new Client(t, '10.2.0.2');
    const again = await signInVia(later, 'wechat');
    expect(again.location).toBe('/');
    const who = await me(later);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ type: 'visitor', id: v.id });
  });

  it('a visitor already signed in by SMS who opens the WeChat sign-in is bound at once', async () => {
    const v = await newVisitor(t, { phone: randomPhone() });
    const browser = new Client(t, '10.2.0.3');
    await browser.post('/api/auth/sms-codes', { phone: v.phone, purpose: 'visitor_login' });
    await browser.post('/api/auth/visitor/login', { phone: v.phone, code: await lastCode(t, v.phone) });
    const openId = newOpenId();
    wechat.signInAs(openId);
    expect((await signInVia(browser, 'wechat')).location).toBe('/');
    const [row] = await t.ctx.db.select({ wechatOpenId: visitors.wechatOpenId }).from(visitors).where(eq(visitors.id, v.id));
    expect(row!.wechatOpenId).toBe(openId);
  });

  it('a new phone binds nothing at SMS login; registering (注册) then binds the openid to the new visitor', async () => {
    const openId = newOpenId();
    wechat.signInAs(openId);
    const browser = new Client(t, '10.2.0.4');
    await signInVia(browser, 'wechat');
    const phone = randomPhone();
    await browser.post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
    const login = await browser.post('/api/auth/visitor/login', { phone, code: await lastCode(t, phone) });
    expect(login.json()).toEqual({ registered: false });
    expect(browser.cookies.has(WECHAT_BIND_COOKIE)).toBe(true);
    expect(await t.ctx.db.select().from(visitors).where(eq(visitors.wechatOpenId, openId))).toHaveLength(0);

    const reg = await browser.post('/api/visitor/register', { name: '陈小春', idType: 'prc_id', idNumber: validIdNumber(), termsVersion: TERMS_VERSION });
    expect(reg.statusCode).toBe(200);
    const [bound] = await t.ctx.db.select({ id: visitors.id, phone: visitors.phone }).from(visitors).where(eq(visitors.wechatOpenId, openId));
    expect(bound).toEqual({ id: reg.json().id, phone });
    expect(browser.cookies.has(WECHAT_BIND_COOKIE)).toBe(false);
  });

  it('a forged or expired binding cookie binds nothing', async () => {
    const v = await newVisitor(t, { phone: randomPhone() });
    const browser = new Client(t, '10.2.0.5');
    browser.cookies.set(WECHAT_BIND_COOKIE, Buffer.from(JSON.stringify({ o: 'oFORGED', e: Date.now() + 60_000 })).toString('base64'));
    await browser.post('/api/auth/sms-codes', { phone: v.phone, purpose: 'visitor_login' });
    await browser.post('/api/auth/visitor/login', { phone: v.phone, code: await lastCode(t, v.phone) });
    const [row] = await t.ctx.db.select({ wechatOpenId: visitors.wechatOpenId }).from(visitors).where(eq(visitors.id, v.id));
    expect(row!.wechatOpenId).toBeNull();

    // a genuine one that is older than 10 minutes
    const openId = newOpenId();
    wechat.signInAs(openId);
    const b2 = new Client(t, '10.2.0.6');
    await signInVia(b2, 'wechat');
    t.ctx.clock.set(new Date(Date.now() + 11 * 60_000));
    try {
      const v2 = await newVisitor(t, { phone: randomPhone() });
      await b2.post('/api/auth/sms-codes', { phone: v2.phone, purpose: 'visitor_login' });
      await b2.post('/api/auth/visitor/login', { phone: v2.phone, code: await lastCode(t, v2.phone) });
      expect(await t.ctx.db.select().from(visitors).where(eq(visitors.wechatOpenId, openId))).toHaveLength(0);
    } finally {
      t.ctx.clock.set(null);
    }
  });

  describe('bad state → OAUTH_FAILED, no session', () => {
    const expectFailed = async (c: Client, path: string) => {
      const res = await c.get(path);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/?error=OAUTH_FAILED');
      expect((await me(c)).statusCode).toBe(401);
    };
    /** start in `c`, pass the provider, but don't call our callback: returns its path */
    const callbackPathFor = async (c: Client) => {
      const start = await c.get('/api/auth/wechat/start');
      const provider = await fetch(start.headers.location as string, { redirect: 'manual' });
      const back = new URL(provider.headers.get('location')!);
      return back.pathname + back.search;
    };

    it('a state nobody issued', async () => {
      const c = new Client(t);
      const path = await callbackPathFor(c);
      await expectFailed(c, path.replace(/state=[^&]+/, 'state=forged-state-value'));
    });

    it('a callback link carried into another browser (state does not match its cookie)', async () => {
      const victim = await newVisitor(t, { phone: randomPhone() });
      const openId = newOpenId();
      await t.ctx.db.update(visitors).set({ wechatOpenId: openId }).where(eq(visitors.id, victim.id));
      wechat.signInAs(openId);
      const path = await callbackPathFor(new Client(t));
      await expectFailed(new Client(t), path);
    });

    it('a state used twice (replayed callback)', async () => {
      const c = new Client(t);
      const path = await callbackPathFor(c);
      const cookie = c.cookies.get(OAUTH_STATE_COOKIE)!;
      expect((await c.get(path)).statusCode).toBe(302);
      // the same link and cookie replayed from another browser
      const replay = new Client(t);
      replay.cookies.set(OAUTH_STATE_COOKIE, cookie);
      await expectFailed(replay, path);
    });

    it('a state older than 10 minutes', async () => {
      const c = new Client(t);
      const path = await callbackPathFor(c);
      t.ctx.clock.set(new Date(Date.now() + 10 * 60_000 + 1000));
      try {
        await expectFailed(c, path);
      } finally {
        t.ctx.clock.set(null);
      }
    });

    it('a code WeChat refuses (errcode 40029)', async () => {
      const c = new Client(t);
      const path = await callbackPathFor(c);
      await expectFailed(c, path.replace(/code=[^&]+/, 'code=not-a-real-code'));
    });
  });
});

describe('WeCom sign-in (staff)', () => {
  it('start redirects to the authorize URL with corpid as appid and the agentid', async () => {
    const res = await new Client(t).get('/api/auth/wecom/start');
    expect(res.statusCode).toBe(302);
    const u = new URL(res.headers.location as string);
    expect(`${u.origin}${u.pathname}`).toBe(`${wecom.url}/connect/oauth2/authorize`);
    expect(Object.fromEntries(u.searchParams)).toMatchObject({ appid: wc.corpId, agentid: wc.agentId, response_type: 'code', scope: 'snsapi_base', redirect_uri: 'http://localhost:80/api/auth/wecom/callback' });
    expect(u.hash).toBe('#wechat_redirect');
  });

  it('a staff member with that WeCom userid gets a staff session and lands on /staff/', async () => {
    const s = await newStaff(t, { wecomUserId: `zhang.${Date.now()}` });
    wecom.signInAs({ userid: s.wecomUserId! });
    const c = new Client(t);
    const { location } = await signInVia(c, 'wecom');
    expect(location).toBe('/staff/');
    const who = await me(c);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ type: 'staff', id: s.id });
  });

  it('caches the access_token, and recovers when WeCom says it expired (42001) or when its lifetime has passed', async () => {
    const s = await newStaff(t, { wecomUserId: `li.${Date.now()}` });
    wecom.signInAs({ userid: s.wecomUserId! });
    await signInVia(new Client(t), 'wecom');
    const issued = wecom.tokensIssued;
    expect(issued).toBeGreaterThan(0);

    const c2 = new Client(t);
    await signInVia(c2, 'wecom');
    expect(wecom.tokensIssued).toBe(issued); // cached
    expect((await me(c2)).json()).toMatchObject({ type: 'staff', id: s.id });

    wecom.expireTokens();
    const c3 = new Client(t);
    expect((await signInVia(c3, 'wecom')).location).toBe('/staff/');
    expect(wecom.tokensIssued).toBe(issued + 1);
    expect((await me(c3)).json()).toMatchObject({ type: 'staff', id: s.id });

    t.ctx.clock.set(new Date(Date.now() + 2 * 3600_000));
    try {
      const c4 = new Client(t);
      await signInVia(c4, 'wecom');
      expect(wecom.tokensIssued).toBe(issued + 2); // refreshed before use, not after a failure
      expect((await me(c4)).json()).toMatchObject({ type: 'staff', id: s.id });
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it.each([
    ['an unknown userid', () => ({ userid: `nobody.${Date.now()}` })],
    ['a non-member (openid only)', () => ({ openid: `oNON_${Date.now()}` })],
  ])('%s → /staff/?error=OAUTH_FAILED, no session', async (_label, user) => {
    wecom.signInAs(user());
    const c = new Client(t);
    expect((await signInVia(c, 'wecom')).location).toBe('/staff/?error=OAUTH_FAILED');
    expect((await me(c)).statusCode).toBe(401);
  });

  it('an inactive or deleted staff member cannot sign in', async () => {
    const inactive = await newStaff(t, { wecomUserId: `off.${Date.now()}`, active: false });
    wecom.signInAs({ userid: inactive.wecomUserId! });
    const c = new Client(t);
    expect((await signInVia(c, 'wecom')).location).toBe('/staff/?error=OAUTH_FAILED');
    const gone = await newStaff(t, { wecomUserId: `gone.${Date.now()}`, deletedAt: new Date() });
    wecom.signInAs({ userid: gone.wecomUserId! });
    expect((await signInVia(c, 'wecom')).location).toBe('/staff/?error=OAUTH_FAILED');
    expect((await me(c)).statusCode).toBe(401);
  });

  it('a state issued for WeChat is not accepted by the WeCom callback', async () => {
    const c = new Client(t);
    const start = await c.get('/api/auth/wechat/start');
    const state = new URL(start.headers.location as string).searchParams.get('state')!;
    const res = await c.get(`/api/auth/wecom/callback?code=x&state=${state}`);
    expect(res.headers.location).toBe('/staff/?error=OAUTH_FAILED');
  });
});

describe('not configured', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await createTestApp();
  });
  afterAll(() => bare.close());

  it('config says so, and every OAuth route answers 404 OAUTH_NOT_CONFIGURED', async () => {
    const c = new Client(bare);
    expect((await c.get('/api/auth/oauth/config')).json()).toEqual({ wechat: false, wecom: false });
    for (const path of ['/api/auth/wechat/start', '/api/auth/wechat/callback?code=a&state=b', '/api/auth/wecom/start', '/api/auth/wecom/callback?code=a&state=b']) {
      const res = await c.get(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'OAUTH_NOT_CONFIGURED', message: { 'zh-CN': '未配置该登录方式', en: expect.any(String) } });
    }
  });

  it('a wrong WeCom secret fails the sign-in (gettoken errcode 40001), not the server', async () => {
    const wrong = await createTestApp({ env: { WECOM_CORP_ID: wc.corpId, WECOM_CORP_SECRET: 'wrong', WECOM_OAUTH_URL: wecom.url, WECOM_API_URL: wecom.url } });
    try {
      wecom.signInAs({ userid: 'anyone' });
      const c = new Client(wrong);
      expect((await signInVia(c, 'wecom')).location).toBe('/staff/?error=OAUTH_FAILED');
    } finally {
      await wrong.close();
    }
  });
});
