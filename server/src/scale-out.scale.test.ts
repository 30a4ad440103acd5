/**
 * Issue 13, "beyond one machine": the process scales out. Three server processes (`main.ts serve`,
 * job workers on, each its own DATA_DIR as on separate machines) start at the same moment on one
 * fresh PostgreSQL database, with demo data on, behind a round-robin reverse proxy, on one Redis
 * (a key prefix of this run) and one S3-compatible bucket (a local S3 server started here). Through
 * them, concurrently:
 * - the SMS limits hold: one phone gets one code per 60 s however many processes are asked at once,
 *   and one client address gets SMS_PER_IP_PER_HOUR codes in all, whatever it puts in X-Forwarded-For;
 * - the invitation companion limit holds (companions added at once through different processes);
 * - a meeting-room slot booked at once through different processes is won by exactly one request;
 * - every SMS job runs once: each message reaches the SMS provider (the development outbox, whose
 *   log line each send prints) exactly once, whichever process's worker took it;
 * - a change made through any process reaches the live dashboard streams open on every process;
 * - a photo uploaded through one process is served by the others.
 * Always on the real PostgreSQL and Redis (TEST_DATABASE_URL or 127.0.0.1:5432; 127.0.0.1:6379).
 * `npm run test:scale` (vitest.scale.config.ts): about a minute, so it runs once in CI, not in both
 * passes of `npm test`. Before the startup lock (platform/db.ts `exclusive`), the three processes
 * could not even start together: two applied the first migration at once and one stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createScratchDatabase } from './db/scratch.js';
import { requireService } from './test/services.js';
import { startLocalS3, type LocalS3 } from './test/local-s3.js';
import { Browser, eventually, openLiveStream, startBalancer, startServers, stopServers, type Balancer, type ServerProcess } from './test/cluster.js';
import { makeImage, multipart, isJpeg } from './test/images.js';
import { randomPhone, validIdNumber } from './test/factories.js';
import { FACE_CONSENT_VERSION, TERMS_VERSION } from '../../contracts/consent.js';
import { DEMO_STAFF_PASSWORD, DEMO_STAFF_PHONE } from './db/seed-demo.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const SMS_PER_IP = 6;

let scratch: { url: string; drop: () => Promise<void> };
let s3: LocalS3;
let servers: ServerProcess[] = [];
let lb: Balancer;
let db: pg.Pool;
const sql = async <T = Record<string, unknown>>(text: string, values: unknown[] = []) => (await db.query(text, values)).rows as T[];

/** each browser its own loopback address, so per-IP limits count it alone */
let ipSeq = 10;
const newBrowser = () => new Browser(`127.0.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 2}`);
const via = (b: Browser) => b.at(lb.port);
const port = (i: number) => servers[i]!.port;

/** YYYY-MM-DD in the center's zone, n days from today */
const centerDay = (n: number) => new Date(Date.now() + n * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const at = (day: string, hhmm: string) => `${day}T${hhmm}:00+08:00`;

async function codeSentTo(phone: string): Promise<string> {
  const [m] = await sql<{ content: string }>(`select content from sms_messages where phone = $1 and template = 'login_code' order by created_at desc limit 1`, [phone]);
  const code = m?.content.match(/\d{6}/)?.[0];
  if (!code) throw new Error('no code in the outbox');
  return code;
}

async function staffSignedIn(): Promise<Browser> {
  const b = newBrowser();
  const r = await via(b).post('/api/auth/staff/login', { phone: DEMO_STAFF_PHONE, password: DEMO_STAFF_PASSWORD });
  if (r.status !== 200) throw new Error(`staff login: ${r.status} ${r.body}`);
  return b;
}

beforeAll(async () => {
  await requireService('postgres', PG_URL, 'the scale-out test');
  await requireService('redis', REDIS_URL, 'the scale-out test');
  scratch = await createScratchDatabase(PG_URL, 'sg_scale');
  db = new pg.Pool({ connectionString: scratch.url, max: 3 });
  s3 = await startLocalS3('safeguard-scale');
  servers = await startServers(3, {
    ...s3.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: scratch.url,
    DATABASE_POOL_MAX: '5',
    MASTER_KEY: randomBytes(32).toString('base64'),
    REDIS_URL,
    // this run's own keys and live channel: parallel runs on one Redis do not meet
    REDIS_KEY_PREFIX: `sgscale-${randomBytes(4).toString('hex')}:`,
    DEMO_DATA: 'true',
    WORKERS: 'true',
    ADMIN_USERNAME: 'scale-admin',
    ADMIN_PASSWORD: 'scale-password-1',
    // the balancer connects from 127.0.0.1; every browser from another 127.x address
    TRUST_PROXY: '127.0.0.1',
    SMS_PER_IP_PER_HOUR: String(SMS_PER_IP),
    PUBLIC_URL: 'http://127.0.0.1:3000',
  });
  lb = await startBalancer(servers.map((s) => s.port));
}, 150_000);

afterAll(async () => {
  await lb?.close();
  await stopServers(servers);
  await db?.end();
  await s3?.close();
  await scratch?.drop();
}, 60_000);

describe('three processes behind a proxy on one PostgreSQL, Redis and S3 bucket', () => {
  it('all three started at once on a fresh database (migrations, administrator and demo data loaded once)', async () => {
    for (const s of servers) expect((await fetch(`http://127.0.0.1:${s.port}/api/health`)).status).toBe(200);
    expect(await sql(`select username from admins`)).toEqual([{ username: 'scale-admin' }]);
    expect((await sql<{ n: number }>(`select count(*)::int as n from meeting_rooms where name = '第一会议室'`))[0]!.n).toBe(1);
    expect((await sql<{ n: number }>(`select count(*)::int as n from staff where phone = $1`, [DEMO_STAFF_PHONE]))[0]!.n).toBe(1);
  });

  it('one phone gets one code per 60 s, however many processes are asked at once', async () => {
    const phone = randomPhone();
    const answers = await Promise.all(Array.from({ length: 9 }, () => via(newBrowser()).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })));
    const codes = answers.map((a) => (a.status === 200 ? 'sent' : a.json().error.code)).sort();
    expect(codes.filter((c) => c === 'sent')).toHaveLength(1);
    expect(new Set(codes.filter((c) => c !== 'sent'))).toEqual(new Set(['SMS_TOO_SOON']));
    expect((await sql(`select id from sms_messages where phone = $1`, [phone])).length).toBe(1);
  });

  it('one client address gets SMS_PER_IP_PER_HOUR codes in all across the processes, whatever X-Forwarded-For it sends', async () => {
    const b = newBrowser();
    const before = [...lb.hits];
    const answers = await Promise.all(
      Array.from({ length: SMS_PER_IP + 3 }, (_x, i) => via(b).post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'visitor_login' }, { 'x-forwarded-for': `203.0.113.${i + 1}` })),
    );
    // every process answered some of them
    expect(lb.hits.every((h, i) => h > before[i]!)).toBe(true);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(SMS_PER_IP);
    expect(answers.filter((a) => a.status === 429).map((a) => a.json().error.code)).toEqual(['SMS_RATE_LIMITED', 'SMS_RATE_LIMITED', 'SMS_RATE_LIMITED']);
    // the limit is this client's, not the proxy's: another address still gets a code
    expect((await via(newBrowser()).post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'visitor_login' })).status).toBe(200);
  });

  it('the invitation companion limit holds when companions are added at once through different processes', async () => {
    const host = await staffSignedIn();
    const day = centerDay(2);
    const inv = await via(host).post('/api/visits/invitations', { visitorPhone: randomPhone(), reason: '项目对接', startAt: at(day, '09:00'), endAt: at(day, '10:00'), reviewRequired: false, companionLimit: 2, companionPhones: [] });
    expect(inv.status).toBe(201);
    const id = inv.json().id as string;
    const answers = await Promise.all(servers.flatMap((s) => [0, 1].map(() => host.at(s.port).post(`/api/visits/${id}/companions`, { phones: [randomPhone()] }))));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(new Set(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.json().error.code}`))).toEqual(new Set(['409 COMPANION_LIMIT_REACHED']));
    expect((await sql(`select id from visit_orders where parent_id = $1 and origin = 'companion'`, [id])).length).toBe(2);
  });

  it('a meeting-room slot booked at once through different processes is won by exactly one request', async () => {
    const booker = await staffSignedIn();
    const [room] = await sql<{ id: string }>(`select id from meeting_rooms where name = '第一会议室'`);
    const [me] = await sql<{ id: string; unit_id: string }>(`select id, unit_id from staff where phone = $1`, [DEMO_STAFF_PHONE]);
    const [co] = await sql<{ id: string }>(`select id from staff where unit_id = $1 and id <> $2 and deleted_at is null limit 1`, [me!.unit_id, me!.id]);
    const day = centerDay(3);
    const body = (n: number) => ({ roomId: room!.id, title: `并发预订 ${n}`, coBookerIds: [co!.id], settlementUnitId: me!.unit_id, seating: '课桌式', headcount: 10, services: [], startAt: at(day, '14:00'), endAt: at(day, '15:00'), idempotencyKey: `scale-booking-${n}-${randomBytes(4).toString('hex')}` });
    const answers = await Promise.all(servers.flatMap((s, i) => [0, 1].map((j) => booker.at(s.port).post('/api/bookings', body(i * 2 + j)))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(new Set(answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.json().error.code}`))).toEqual(new Set(['409 BOOKING_CONFLICT']));
    expect((await sql(`select id from meeting_bookings where room_id = $1 and title like '并发预订%' and status not in ('cancelled', 'rejected')`, [room!.id])).length).toBe(1);
  });

  it('a change made through any process reaches the live dashboard streams open on every process', async () => {
    const admin = newBrowser();
    expect((await via(admin).post('/api/auth/admin/login', { username: 'scale-admin', password: 'scale-password-1' })).status).toBe(200);
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const streams = servers.map((s) => openLiveStream(s.port, cookie));
    try {
      for (const st of streams) expect((await st.ready).mode).toBe('redis');
      const host = await staffSignedIn();
      const day = centerDay(4);
      // one order withdrawn through each process in turn: every stream hears each
      for (const s of servers) {
        const inv = await host.at(s.port).post('/api/visits/invitations', { visitorPhone: randomPhone(), reason: '看板测试', startAt: at(day, '10:00'), endAt: at(day, '11:00'), reviewRequired: false, companionLimit: 0, companionPhones: [] });
        expect(inv.status).toBe(201);
        const heard = streams.map((st) => st.changes.filter((t) => t === 'visits').length);
        expect((await host.at(s.port).post(`/api/visits/${inv.json().id}/cancel`, { comment: '改期' })).status).toBe(200);
        await eventually(`the withdrawal through process ${s.index} reaches the streams on every process`, () => streams.every((st, i) => st.changes.filter((t) => t === 'visits').length > heard[i]!));
      }
    } finally {
      for (const st of streams) st.close();
    }
  });

  it('a photo uploaded through one process is served by the others', async () => {
    const phone = randomPhone();
    const visitor = newBrowser();
    expect((await via(visitor).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).status).toBe(200);
    expect((await visitor.at(port(0)).post('/api/auth/visitor/login', { phone, code: await codeSentTo(phone) })).status).toBe(200);
    const form = await multipart({ consentVersion: FACE_CONSENT_VERSION }, { data: await makeImage() });
    const up = await visitor.at(port(0)).post('/api/visitor/photos', form.payload, form.headers);
    expect(up.status).toBe(200);
    const reg = await visitor.at(port(1)).post('/api/visitor/register', { name: '林晓燕', idType: 'prc_id', idNumber: validIdNumber(77), termsVersion: TERMS_VERSION, photoUploadId: up.json().uploadId });
    expect(reg.status).toBe(200);
    const shown = await Promise.all(servers.map((s) => visitor.at(s.port).get('/api/visitor/me/photo')));
    for (const p of shown) {
      expect(p.status).toBe(200);
      expect(isJpeg(p.body)).toBe(true);
      expect(p.body.equals(shown[0]!.body)).toBe(true);
    }
  });

  it('every SMS job runs once: each message reaches the SMS provider exactly once, whichever worker took it', async () => {
    // a burst of codes from many addresses at once, on top of everything the tests above sent
    const burst = await Promise.all(Array.from({ length: 24 }, () => via(newBrowser()).post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'visitor_login' })));
    expect(burst.every((a) => a.status === 200)).toBe(true);
    await eventually('every queued SMS is sent', async () => (await sql(`select id from sms_messages where channel = 'sms' and status = 'queued'`)).length === 0, 60_000);
    const messages = await sql<{ id: string; status: string }>(`select id, status from sms_messages where channel = 'sms'`);
    expect(messages.length).toBeGreaterThan(30);
    expect(new Set(messages.map((m) => m.status))).toEqual(new Set(['sent']));
    // the outbox provider logs one line per send: "[dev outbox] SMS <template> to <masked> kept in 短信发件箱 (<id>)"
    const sends = () => {
      const per = new Map<string, number[]>();
      for (const s of servers) {
        for (const l of s.logs) {
          const id = typeof l.msg === 'string' && l.msg.startsWith('[dev outbox] SMS ') ? /\(([0-9a-f-]{36})\)$/.exec(l.msg)?.[1] : undefined;
          if (id) per.set(id, [...(per.get(id) ?? []), s.index]);
        }
      }
      return per;
    };
    await eventually('every sent message is in a process log', () => messages.every((m) => sends().has(m.id)));
    const per = sends();
    const twice = messages.filter((m) => per.get(m.id)!.length !== 1);
    expect(twice).toEqual([]);
    // the workers of more than one process took part
    expect(new Set([...per.values()].flat()).size).toBeGreaterThan(1);
  }, 90_000);

  it('logged no error, and no phone number in clear', () => {
    for (const s of servers) {
      expect(s.logs.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)).toEqual([]);
      expect(s.logs.filter((l) => /(?<!\d)1[3-9]\d{9}(?!\d)/.test(JSON.stringify(l))).map((l) => l.msg)).toEqual([]);
    }
  });
});
