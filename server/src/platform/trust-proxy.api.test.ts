/**
 * Issue 8.3: the per-IP SMS limit is not bypassed with a forged X-Forwarded-For. By default no
 * proxy is trusted; with TRUST_PROXY the header names the client only on requests that come from a
 * listed proxy, and then only the entry that proxy appended counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, pinInsideRateWindow, type TestApp } from '../test/harness.js';
import { loadConfig } from './config.js';

let seq = 0;
const uniquePhone = () => `137${String(process.pid % 10000).padStart(4, '0')}${String(seq++).padStart(4, '0')}`;
const sendCode = (c: Client, xff?: string) =>
  c.req('POST', '/api/auth/sms-codes', { phone: uniquePhone(), purpose: 'visitor_login' }, xff ? { 'x-forwarded-for': xff } : {});
/** a different forged address on every request */
const forged = () => `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

/** Every send in one hourly window of the limiter, whatever the wall clock says. */
const inOneWindow = (t: TestApp) => pinInsideRateWindow(t, 3600);

/** `limit` codes are accepted from `c`, then the next is refused as rate limited. */
async function expectLimitBites(c: Client, limit: number, xff: () => string | undefined) {
  const statuses: number[] = [];
  for (let i = 0; i < limit; i++) statuses.push((await sendCode(c, xff())).statusCode);
  expect(statuses).toEqual(Array(limit).fill(200));
  const over = await sendCode(c, xff());
  expect(over.statusCode).toBe(429);
  expect(over.json().error.code).toBe('SMS_RATE_LIMITED');
}

describe('TRUST_PROXY unset: nobody is trusted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    inOneWindow(t);
  });
  afterAll(async () => t?.close());

  it('a new forged X-Forwarded-For on every request does not lift the per-IP SMS limit', async () => {
    const limit = t.ctx.config.SMS_PER_IP_PER_HOUR;
    expect(limit).toBe(30); // the default the issue was reported against
    const attacker = new Client(t, '203.0.113.7');
    await expectLimitBites(attacker, limit, forged);
    // the header was ignored: the refusal is about the attacker's address, another address is served
    expect((await sendCode(new Client(t, '203.0.113.8'))).statusCode).toBe(200);
  });
});

describe('TRUST_PROXY lists the load balancer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '10.0.0.5, 192.168.0.0/16' } });
    inOneWindow(t);
  });
  afterAll(async () => t?.close());

  it('the header names the client only when the request comes from a listed proxy', async () => {
    const limit = t.ctx.config.SMS_PER_IP_PER_HOUR;
    const lb = new Client(t, '10.0.0.5');
    // one client behind the load balancer: it prepends forged entries, the LB appends its real address
    await expectLimitBites(lb, limit, () => `${forged()}, 198.51.100.20`);
    // another client behind the same load balancer is counted on its own address, not the LB's
    expect((await sendCode(lb, '198.51.100.21')).statusCode).toBe(200);
    // a proxy in a listed subnet is trusted too
    expect((await sendCode(new Client(t, '192.168.3.4'), '198.51.100.22')).statusCode).toBe(200);

    // a client that reaches the server directly cannot pick its address with the header
    await expectLimitBites(new Client(t, '203.0.113.9'), limit, forged);
  });

  it('X-Forwarded-Host names the public host for the same-origin check only when a listed proxy sends it', async () => {
    const logout = (ip: string) => new Client(t, ip).req('POST', '/api/auth/logout', {}, { origin: 'https://visit.example.gov.cn', host: '10.0.0.9:3000', 'x-forwarded-host': 'visit.example.gov.cn' });
    expect((await logout('10.0.0.5')).statusCode).toBe(200);
    const direct = await logout('203.0.113.9');
    expect(direct.statusCode).toBe(403);
    expect(direct.json().error.code).toBe('CSRF_REJECTED');
  });
});

describe('TRUST_PROXY configuration', () => {
  const parse = (v: string) => loadConfig({}, { TRUST_PROXY: v } as never).TRUST_PROXY;

  it('is off by default and takes a list of IPs and CIDRs', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(parse('10.0.0.0/8, 127.0.0.1,fd00::/8')).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(parse('loopback')).toEqual(['loopback']);
  });

  it('refuses "true", hop counts and addresses that are not IPs or CIDRs, naming the variable', () => {
    for (const bad of ['true', '1', '10.0.0.0/33', 'lb.internal', '10.0.0.1/8/2']) expect(() => parse(bad), bad).toThrow(/TRUST_PROXY/);
  });
});
