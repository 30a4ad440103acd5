import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { auditLog, jobs, staff } from '../../db/schema/index.js';
import { JOBS_COUNTED } from './admin.service.js';

let t: TestApp;
let admin: Client;
let others: Array<[string, Client]>;
beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t, 'sysadmin');
  const s = await newStaff(t);
  others = [
    ['no session', new Client(t)],
    ['staff', await signInStaff(t, s.phone)],
    ['visitor', await signInVisitor(t, randomPhone(), '10.3.0.1')],
  ];
});
afterAll(() => t.close());

async function expect401(method: 'GET' | 'POST', url: string) {
  for (const [who, c] of others) {
    const res = await c.req(method, url, method === 'POST' ? {} : undefined);
    expect(res.statusCode, `${who} ${method} ${url}`).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
  }
}

const insertJob = async (o: Partial<typeof jobs.$inferInsert> = {}) =>
  (await t.ctx.db.insert(jobs).values({ id: uuidv7(), type: 'test.job', key: `k-${uuidv7()}`, payload: { secret: 'do-not-show' }, ...o }).returning())[0]!;

describe('GET /api/admin/sms-outbox (短信发件箱)', () => {
  it('lists messages newest first with full content, filters by phone, and audits the read', async () => {
    const s1 = await newStaff(t);
    const s2 = await newStaff(t);
    await new Client(t, '10.3.1.1').post('/api/auth/sms-codes', { phone: s1.phone, purpose: 'staff_login' });
    await new Client(t, '10.3.1.2').post('/api/auth/sms-codes', { phone: s2.phone, purpose: 'staff_login' });
    await t.ctx.queue.drain();
    const res = await admin.get('/api/admin/sms-outbox?pageSize=2');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ page: 1, pageSize: 2 });
    expect(body.total).toBeGreaterThanOrEqual(2);
    expect(body.items.map((m: { phone: string }) => m.phone)).toEqual([s2.phone, s1.phone]);
    expect(body.items[0].content).toMatch(/验证码为\d{6}/);
    expect(body.items[0]).toMatchObject({ template: 'login_code', provider: 'outbox', status: 'sent' });

    const filtered = (await admin.get(`/api/admin/sms-outbox?phone=${s1.phone}`)).json();
    expect(filtered.total).toBe(1);
    expect(filtered.items[0].phone).toBe(s1.phone);
    const partial = (await admin.get(`/api/admin/sms-outbox?phone=${s1.phone.slice(-6)}`)).json();
    expect(partial.items.map((m: { phone: string }) => m.phone)).toContain(s1.phone);

    const reads = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'sms_outbox.read'));
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.every((r) => r.actorType === 'admin')).toBe(true);
    // the audit trail does not copy the phone number in clear
    expect(JSON.stringify(reads.map((r) => r.detail))).not.toContain(s1.phone);
  });

  it('pages', async () => {
    const p1 = (await admin.get('/api/admin/sms-outbox?pageSize=1&page=1')).json();
    const p2 = (await admin.get('/api/admin/sms-outbox?pageSize=1&page=2')).json();
    expect(p1.items[0].id).not.toBe(p2.items[0].id);
    expect(p1.total).toBe(p2.total);
  });

  it('refuses bad input with 400', async () => {
    for (const q of ['phone=abc', 'phone=138%25', 'pageSize=1000', 'page=0', 'page=x']) {
      const res = await admin.get(`/api/admin/sms-outbox?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 401 without an admin session', () => expect401('GET', '/api/admin/sms-outbox'));
});

describe('GET /api/admin/jobs and POST /api/admin/jobs/:id/retry (任务队列)', () => {
  it('lists jobs newest first, filters by status, and never shows payloads', async () => {
    const dead = await insertJob({ status: 'dead', attempts: 8, lastError: 'provider down' });
    const res = await admin.get('/api/admin/jobs?status=dead');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((j: { id: string }) => j.id)).toContain(dead.id);
    expect(body.items.every((j: { status: string }) => j.status === 'dead')).toBe(true);
    expect(body.items[0]).toMatchObject({ lastError: 'provider down', attempts: 8 });
    expect(res.body).not.toContain('do-not-show');
    const all = (await admin.get('/api/admin/jobs')).json();
    expect(all.total).toBeGreaterThan(body.total);
  });

  it('counts up to 10,000: a bigger match is "more than 10,000" (totalCapped), not a count of every finished job', async () => {
    await t.ctx.db.execute(sql`insert into jobs (id, type, key, status, finished_at) select gen_random_uuid(), 'test.many', 'test.many:' || i, 'done', now() from generate_series(1, ${JOBS_COUNTED + 1}) as i`);
    const many = (await admin.get('/api/admin/jobs?type=test.many&pageSize=20')).json();
    expect(many).toMatchObject({ total: JOBS_COUNTED, totalCapped: true });
    expect(many.items).toHaveLength(20);
    // a last page within the count still lists
    expect((await admin.get(`/api/admin/jobs?type=test.many&pageSize=100&page=${JOBS_COUNTED / 100}`)).json().items).toHaveLength(100);
    await t.ctx.db.execute(sql`delete from jobs where type = 'test.many' and key <> 'test.many:1'`);
    expect((await admin.get('/api/admin/jobs?type=test.many')).json()).toMatchObject({ total: 1, totalCapped: false });
  });

  it('retries a dead job: back to queued, run now, and audited', async () => {
    const dead = await insertJob({ status: 'dead', attempts: 8, maxAttempts: 8, runAt: new Date(Date.now() + 3600_000) });
    const res = await admin.post(`/api/admin/jobs/${dead.id}/retry`);
    expect(res.statusCode).toBe(200);
    const [j] = await t.ctx.db.select().from(jobs).where(eq(jobs.id, dead.id));
    expect(j!.status).toBe('queued');
    expect(j!.maxAttempts).toBeGreaterThan(8);
    expect(j!.runAt.getTime()).toBeLessThanOrEqual(Date.now());
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'job.retry'), eq(auditLog.targetId, dead.id)));
    expect(a!.detail).toMatchObject({ from: 'dead' });
  });

  it('refuses to retry a job that has not failed (409), an unknown job (404), a malformed id (400)', async () => {
    const done = await insertJob({ status: 'done' });
    const res = await admin.post(`/api/admin/jobs/${done.id}/retry`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('JOB_NOT_RETRYABLE');
    const missing = await admin.post(`/api/admin/jobs/${uuidv7()}/retry`);
    expect(missing.statusCode).toBe(404);
    expect((await admin.post('/api/admin/jobs/nope/retry')).statusCode).toBe(400);
    expect((await admin.get('/api/admin/jobs?status=broken')).statusCode).toBe(400);
  });

  it('answers 401 without an admin session', async () => {
    const dead = await insertJob({ status: 'dead' });
    await expect401('GET', '/api/admin/jobs');
    await expect401('POST', `/api/admin/jobs/${dead.id}/retry`);
    const [j] = await t.ctx.db.select().from(jobs).where(eq(jobs.id, dead.id));
    expect(j!.status).toBe('dead');
  });
});

describe('GET /api/admin/audit (审计日志)', () => {
  it('lists newest first with the actor name, filtered by action prefix, target type and actor', async () => {
    const dead = await insertJob({ status: 'dead' });
    await admin.post(`/api/admin/jobs/${dead.id}/retry`);
    const res = await admin.get('/api/admin/audit?action=job.');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((e: { action: string }) => e.action.startsWith('job.'))).toBe(true);
    expect(body.items[0]).toMatchObject({ action: 'job.retry', targetType: 'job', targetId: dead.id, actorType: 'admin', actorName: 'sysadmin' });
    const seqs = body.items.map((e: { seq: number }) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);

    const byTarget = (await admin.get('/api/admin/audit?targetType=sms_outbox')).json();
    expect(byTarget.items.every((e: { targetType: string }) => e.targetType === 'sms_outbox')).toBe(true);
    const actorId = body.items[0].actorId;
    const byActor = (await admin.get(`/api/admin/audit?actorType=admin&actorId=${actorId}`)).json();
    expect(byActor.total).toBeGreaterThan(0);
    expect(byActor.items.every((e: { actorId: string }) => e.actorId === actorId)).toBe(true);
    const none = (await admin.get('/api/admin/audit?actorType=kiosk&action=job.')).json();
    expect(none.total).toBe(0);
    // a wildcard in the filter is taken literally
    expect((await admin.get('/api/admin/audit?action=%25')).json().total).toBe(0);
  });

  it('an action chosen in the filter finds that action only (admin.login, not admin.login_failed); a trailing dot finds its group', async () => {
    expect((await new Client(t, '10.3.9.1').post('/api/auth/admin/login', { username: 'sysadmin', password: 'not-the-password' })).statusCode).toBe(401);
    const actions = async (q: string) => new Set((await admin.get(`/api/admin/audit?action=${q}`)).json().items.map((e: { action: string }) => e.action));
    expect(await actions('admin.login')).toEqual(new Set(['admin.login']));
    expect(await actions('admin.login_failed')).toEqual(new Set(['admin.login_failed']));
    expect(await actions('admin.')).toEqual(new Set(['admin.login', 'admin.login_failed']));
  });

  it('names staff and kiosk actors too', async () => {
    const created = (await admin.post('/api/admin/kiosk-devices', { name: '二号楼访客机' })).json();
    expect((await new Client(t, '10.3.2.1').post('/api/kiosk/pair', { token: created.token })).statusCode).toBe(200);
    const res = (await admin.get('/api/admin/audit?action=kiosk_device.pair')).json();
    expect(res.items[0]).toMatchObject({ actorType: 'kiosk', actorId: created.device.id, actorName: '二号楼访客机' });
  });

  it('refuses bad input with 400', async () => {
    for (const q of ['actorType=robot', 'from=not-a-date', 'pageSize=0']) expect((await admin.get(`/api/admin/audit?${q}`)).statusCode, q).toBe(400);
  });

  it('answers 401 without an admin session', () => expect401('GET', '/api/admin/audit'));
});

describe('GET /api/admin/dashboard (首页)', () => {
  it('counts units, staff, hosts, visitors, faces held and failed jobs', async () => {
    const before = (await admin.get('/api/admin/dashboard')).json();
    const unit = await newUnit(t);
    await newStaff(t, { unitId: unit.id, visitPermission: true, photoKey: 'staff/x' });
    await newStaff(t, { unitId: unit.id, visitPermission: false });
    const gone = await newStaff(t, { unitId: unit.id, visitPermission: true });
    await t.ctx.db.update(staff).set({ deletedAt: new Date() }).where(eq(staff.id, gone.id));
    await newVisitor(t, { photoKey: 'visitors/a' });
    await newVisitor(t);
    await insertJob({ status: 'failed' });
    await insertJob({ status: 'dead' });
    const res = await admin.get('/api/admin/dashboard');
    expect(res.statusCode).toBe(200);
    const after = res.json();
    expect(after.units - before.units).toBe(1);
    expect(after.staff - before.staff).toBe(2);
    expect(after.staffWithVisitPermission - before.staffWithVisitPermission).toBe(1);
    expect(after.visitors - before.visitors).toBe(2);
    expect(after.faces.visitors - before.faces.visitors).toBe(1);
    expect(after.faces.staff - before.faces.staff).toBe(1);
    expect(after.faces.total).toBe(after.faces.visitors + after.faces.staff);
    expect(after.faces.filingThreshold).toBe(100_000);
    expect(after.jobs.failed - before.jobs.failed).toBe(1);
    expect(after.jobs.dead - before.jobs.dead).toBe(1);
  });

  it('answers 401 without an admin session', () => expect401('GET', '/api/admin/dashboard'));
});
