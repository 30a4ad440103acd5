/**
 * SMS limits hold across app instances (scale-out, ARCHITECTURE "nothing may assume a single
 * process"): in Redis when REDIS_URL is set, otherwise in the shared database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client, createTestApp, lastCode, nextRateWindow, pinInsideRateWindow, type TestApp } from '../test/harness.js';
import { newStaff } from '../test/factories.js';
import { createTestAppOn, openSharedDatabase, type SharedDatabase } from '../test/shared-db.js';
import { requireService } from '../test/services.js';
import { rateCounters } from '../db/schema/index.js';
import { Clock } from './clock.js';
import { DbRateLimiter, RedisRateLimiter } from './rate-limit.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const send = (t: TestApp, ip: string, phone: string) => new Client(t, ip).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' });
const uniqueIp = () => `10.${[...randomBytes(3)].join('.')}`;
let phoneSeq = 0;
const uniquePhone = () => `139${String(Date.now() % 1e6).padStart(6, '0')}${String(phoneSeq++ % 100).padStart(2, '0')}`;

/** The shared scenario: per-IP and per-phone limits counted across instances A and B. */
async function expectLimitsShared(a: TestApp, b: TestApp, opts: { perIp: number; perPhone: number }) {
  // Every send happens inside one hourly window: start a second after the top of the next hour,
  // so the run never straddles a window boundary whatever the wall clock says.
  const start = nextRateWindow(3600);
  for (const t of [a, b]) t.ctx.clock.set(new Date(start));
  const ip = uniqueIp();
  const codes: number[] = [];
  for (let i = 0; i < opts.perIp; i++) codes.push((await send(i % 2 ? b : a, ip, uniquePhone())).statusCode);
  expect(codes).toEqual(Array(opts.perIp).fill(200));
  // both instances now refuse this IP, though each saw only part of the traffic
  for (const t of [a, b]) {
    const res = await send(t, ip, uniquePhone());
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('SMS_RATE_LIMITED');
  }
  // another IP is unaffected
  expect((await send(b, uniqueIp(), uniquePhone())).statusCode).toBe(200);

  // per phone: sends spread over both instances (61 s apart, to pass the resend gap)
  const phone = uniquePhone();
  const at = (n: number) => {
    for (const t of [a, b]) t.ctx.clock.set(new Date(start + n * 61_000));
  };
  try {
    for (let i = 0; i < opts.perPhone; i++) {
      at(i);
      expect((await send(i % 2 ? b : a, uniqueIp(), phone)).statusCode).toBe(200);
    }
    at(opts.perPhone);
    const res = await send(opts.perPhone % 2 ? a : b, uniqueIp(), phone);
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('SMS_RATE_LIMITED');
  } finally {
    for (const t of [a, b]) t.ctx.clock.set(null);
  }
}

/**
 * Staff password lock-out across instances: failures counted per phone and address on both, and an
 * SMS-code sign-in on one instance lifts the lock on the other.
 */
async function expectStaffLockShared(a: TestApp, b: TestApp, phone: string) {
  const release = pinInsideRateWindow([a, b], 15 * 60); // inside one 15-minute window
  const login = (t: TestApp, ip: string, password: string) => new Client(t, ip).post('/api/auth/staff/login', { phone, password });
  try {
    const ip = uniqueIp();
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await login(i % 2 ? b : a, ip, 'wrong-password')).json().error.code);
    expect(codes).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'PASSWORD_LOGIN_LOCKED']);
    for (const t of [a, b]) expect((await login(t, ip, 'correct-horse')).json().error.code).toBe('PASSWORD_LOGIN_LOCKED');
    expect((await login(a, uniqueIp(), 'correct-horse')).statusCode).toBe(200); // another address is not locked
    const c = new Client(b, ip);
    expect((await c.post('/api/auth/sms-codes', { phone, purpose: 'staff_login' })).statusCode).toBe(200);
    expect((await c.post('/api/auth/staff/login', { phone, code: await lastCode(b, phone) })).statusCode).toBe(200);
    expect((await login(a, ip, 'correct-horse')).statusCode).toBe(200);
  } finally {
    release();
  }
}

describe('Redis rate limits shared by two app instances (REDIS_URL)', () => {
  const prefix = `sgtest:${randomUUID()}:`;
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, SMS_PER_IP_PER_HOUR: '4', SMS_PER_PHONE_PER_HOUR: '3' };
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    await requireService('redis', REDIS_URL, 'the Redis rate-limit tests');
    redis = new Redis(REDIS_URL);
    // two instances with separate databases: the only thing they share is Redis
    a = await createTestApp({ env });
    b = await createTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('share the per-IP and per-phone SMS limits', async () => {
    expect(a.ctx.rateLimiter).toBeInstanceOf(RedisRateLimiter);
    await expectLimitsShared(a, b, { perIp: 4, perPhone: 3 });
    // the counters are in Redis under this run's prefix, not in either database
    const keys = await redis.keys(`${prefix}rl:sms:*`);
    expect(keys.some((k) => k.startsWith(`${prefix}rl:sms:ip:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}rl:sms:phone:`))).toBe(true);
    expect(await a.ctx.db.select().from(rateCounters)).toEqual([]);
    expect(await b.ctx.db.select().from(rateCounters)).toEqual([]);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600 + 5);
  });

  it('share the staff password lock-out (per phone and address) and its lifting by an SMS-code sign-in', async () => {
    const phone = uniquePhone();
    // separate databases: the staff member exists in both, the counters only in Redis
    for (const t of [a, b]) await newStaff(t, { phone, password: 'correct-horse' });
    await expectStaffLockShared(a, b, phone);
    expect(await a.ctx.db.select().from(rateCounters)).toEqual([]);
  });

  it('two limiter instances counting one key concurrently never lose a hit', async () => {
    const clock = new Clock('Asia/Shanghai');
    const r1 = new RedisRateLimiter(new Redis(REDIS_URL), clock, prefix);
    const r2 = new RedisRateLimiter(new Redis(REDIS_URL), clock, prefix);
    try {
      const key = `concurrent:${randomUUID()}`;
      const counts = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? r1 : r2).hit(key, 3600)));
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    } finally {
      await r1.close();
      await r2.close();
    }
  });

  it('a new window starts a new count', async () => {
    const clock = new Clock('Asia/Shanghai');
    const r = new RedisRateLimiter(new Redis(REDIS_URL), clock, prefix);
    try {
      clock.set('2026-11-24T10:00:10Z');
      const key = `window:${randomUUID()}`;
      expect(await r.count(key, 60)).toBe(0);
      expect(await r.hit(key, 60)).toBe(1);
      expect(await r.hit(key, 60)).toBe(2);
      expect(await r.count(key, 60)).toBe(2); // reading does not count
      clock.set('2026-11-24T10:01:00Z');
      expect(await r.count(key, 60)).toBe(0);
      expect(await r.hit(key, 60)).toBe(1);
    } finally {
      await r.close();
    }
  });
});

describe('database rate limits shared by two app instances on one database', () => {
  let shared: SharedDatabase;
  let a: TestApp;
  let b: TestApp;
  const env = { SMS_PER_IP_PER_HOUR: '4', SMS_PER_PHONE_PER_HOUR: '3' };
  beforeAll(async () => {
    shared = await openSharedDatabase();
    const key = randomBytes(32).toString('base64');
    a = await createTestAppOn(shared.a, env, key);
    b = await createTestAppOn(shared.b, env, key);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await shared?.close();
  });

  it('share the per-IP and per-phone SMS limits', async () => {
    expect(a.ctx.rateLimiter).toBeInstanceOf(DbRateLimiter);
    expect(a.ctx.rateLimiter).not.toBe(b.ctx.rateLimiter);
    if (shared.kind === 'postgres') expect(shared.a).not.toBe(shared.b); // two pools, like two processes
    await expectLimitsShared(a, b, { perIp: 4, perPhone: 3 });
  });

  it('a request refused as too soon (60 s gap) sends nothing and does not use up one of the phone\'s hourly sends', async () => {
    const start = nextRateWindow(3600);
    const at = (ms: number) => a.ctx.clock.set(new Date(start + ms));
    const phone = uniquePhone();
    try {
      at(0);
      expect((await send(a, uniqueIp(), phone)).statusCode).toBe(200);
      for (let i = 1; i <= 5; i++) {
        at(i * 5_000);
        expect((await send(a, uniqueIp(), phone)).json().error.code).toBe('SMS_TOO_SOON');
      }
      // the limit is 3 an hour: the 2nd and 3rd real sends still go out
      at(61_000);
      expect((await send(a, uniqueIp(), phone)).statusCode).toBe(200);
      at(122_000);
      expect((await send(a, uniqueIp(), phone)).statusCode).toBe(200);
      at(183_000);
      expect((await send(a, uniqueIp(), phone)).json().error.code).toBe('SMS_RATE_LIMITED');
    } finally {
      a.ctx.clock.set(null);
    }
  });

  it('share the staff password lock-out (per phone and address) and its lifting by an SMS-code sign-in', async () => {
    const s = await newStaff(a, { password: 'correct-horse' });
    await expectStaffLockShared(a, b, s.phone);
  });

  it('two limiter instances counting one key concurrently never lose a hit', async () => {
    const clock = new Clock('Asia/Shanghai');
    const l1 = new DbRateLimiter(shared.a.db, clock);
    const l2 = new DbRateLimiter(shared.b.db, clock);
    const key = `concurrent:${randomUUID()}`;
    const counts = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? l1 : l2).hit(key, 3600)));
    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // the other instance reads the same count, and reading does not add to it
    expect(await l1.count(key, 3600)).toBe(100);
    expect(await l2.count(key, 3600)).toBe(100);
    expect(await l1.count(`unused:${randomUUID()}`, 3600)).toBe(0);
  });
});
