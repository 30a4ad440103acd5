import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { withIdCheckDigit } from '../../db/seed-demo.js';
import { isJpeg, makeImage } from '../../test/images.js';
import { auditLog, consents, visitOrders, visitors } from '../../db/schema/index.js';
import { maskIdNumber } from '../../../../contracts/identity.js';

let t: TestApp;
let admin: Client;
let others: Array<[string, Client]>;
const NIL = '00000000-0000-7000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t, 'library-admin');
  const s = await newStaff(t);
  others = [
    ['no session', new Client(t)],
    ['staff', await signInStaff(t, s.phone)],
    ['visitor', await signInVisitor(t, randomPhone(), '10.5.0.1')],
  ];
});
afterAll(() => t.close());

const auditOf = (action: string, id?: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(id ? and(eq(auditLog.action, action), eq(auditLog.targetId, id)) : eq(auditLog.action, action));
async function expect401(method: 'GET' | 'PATCH', url: string, body?: unknown) {
  for (const [who, c] of others) {
    const res = await c.req(method, url, body);
    expect(res.statusCode, `${who} ${method} ${url}`).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
  }
}
let nameSeq = 0;
const uniqueName = () => `访客${Date.now().toString(36)}${nameSeq++}`;

describe('GET /api/admin/visitors', () => {
  it('finds visitors by name, by part of the phone, and by the whole ID number only; IDs masked', async () => {
    // a number of its own (other tests' visitors use 1990-01-01) that ends in X: searched in lower case
    const idNumber = Array.from({ length: 1000 }, (_, i) => withIdCheckDigit(`11010119850505${String(i).padStart(3, '0')}`)).find((n) => n.endsWith('X'))!;
    const v = await newVisitor(t, { name: uniqueName(), idNumber, company: '杭州某科技有限公司' });
    await newVisitor(t, { name: uniqueName() });

    const byName = (await admin.get(`/api/admin/visitors?q=${encodeURIComponent(v.name)}`)).json();
    expect(byName.total).toBe(1);
    expect(byName.items[0]).toMatchObject({ id: v.id, name: v.name, phone: v.phone, idType: 'prc_id', idNumberMasked: maskIdNumber(idNumber), company: '杭州某科技有限公司', hasPhoto: false, blocked: false });
    expect(JSON.stringify(byName)).not.toContain(idNumber);

    const byPhone = (await admin.get(`/api/admin/visitors?q=${v.phone.slice(-7)}`)).json();
    expect(byPhone.items.map((i: { id: string }) => i.id)).toContain(v.id);

    const byId = (await admin.get(`/api/admin/visitors?q=${encodeURIComponent(` ${idNumber.toLowerCase()} `)}`)).json();
    expect(byId.items.map((i: { id: string }) => i.id)).toEqual([v.id]);
    // a part of the ID number finds nothing: only the blind index of the whole number is stored
    const partial = (await admin.get(`/api/admin/visitors?q=${idNumber.slice(0, 14)}`)).json();
    expect(partial.items.map((i: { id: string }) => i.id)).not.toContain(v.id);
  });

  it('filters the blocklist, pages, and audits the read without the search text', async () => {
    const blocked = await newVisitor(t, { name: uniqueName(), blocked: true, blockedReason: '多次爽约' });
    const res = (await admin.get('/api/admin/visitors?blocked=true&pageSize=200')).json();
    expect(res.items.every((i: { blocked: boolean }) => i.blocked)).toBe(true);
    expect(res.items.find((i: { id: string }) => i.id === blocked.id)).toMatchObject({ blockedReason: '多次爽约' });
    const notBlocked = (await admin.get('/api/admin/visitors?blocked=false&pageSize=200')).json();
    expect(notBlocked.items.map((i: { id: string }) => i.id)).not.toContain(blocked.id);

    const p1 = (await admin.get('/api/admin/visitors?pageSize=1&page=1')).json();
    const p2 = (await admin.get('/api/admin/visitors?pageSize=1&page=2')).json();
    expect(p1).toMatchObject({ page: 1, pageSize: 1 });
    expect(p1.total).toBeGreaterThanOrEqual(2);
    expect(p1.items[0].id).not.toBe(p2.items[0].id);

    await admin.get(`/api/admin/visitors?q=${blocked.phone}`);
    const reads = await auditOf('visitor.list');
    expect(reads.length).toBeGreaterThanOrEqual(5);
    expect(reads.every((r) => r.actorType === 'admin')).toBe(true);
    expect(JSON.stringify(reads.map((r) => r.detail))).not.toContain(blocked.phone);
  });

  it('refuses bad input with 400', async () => {
    for (const q of ['page=0', 'pageSize=1000', 'page=x', 'blocked=maybe', `q=${'9'.repeat(51)}`]) {
      const res = await admin.get(`/api/admin/visitors?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 401 without an admin session', () => expect401('GET', '/api/admin/visitors'));
});

describe('GET /api/admin/visitors/:id', () => {
  it('shows the record, the face consent and the visit history newest first; the read is audited', async () => {
    const v = await newVisitor(t, { name: uniqueName(), position: '工程师', photoKey: 'faces/none' });
    await t.ctx.db.insert(consents).values({ subjectType: 'visitor', subjectId: v.id, kind: 'face', textVersion: 'face-v1', grantedAt: new Date('2026-01-02T03:04:05Z') });
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
    const order = (start: string, o: Partial<typeof visitOrders.$inferInsert> = {}) => ({
      kind: 'appointment',
      status: 'confirmed',
      visitorId: v.id,
      visitorPhone: v.phone,
      hostId: host.id,
      unitId: unit.id,
      reason: '商务洽谈',
      startAt: new Date(start),
      endAt: new Date(new Date(start).getTime() + 3600_000),
      ...o,
    });
    await t.ctx.db.insert(visitOrders).values([
      order('2026-03-01T01:00:00Z'),
      order('2026-05-01T01:00:00Z', { kind: 'invitation', status: 'cancelled', cancelReason: 'rejected' }),
      order('2026-04-01T01:00:00Z', { status: 'arrived', arrivedAt: new Date('2026-04-01T01:10:00Z'), arrivedVia: 'kiosk', arrivedWhere: '1号楼大厅访客机', leftAt: new Date('2026-04-01T01:50:00Z'), leftVia: 'gate', leftWhere: '东门出口' }),
    ]);
    // someone else's order is not in this history
    const other = await newVisitor(t);
    await t.ctx.db.insert(visitOrders).values(order('2026-06-01T01:00:00Z', { visitorId: other.id, visitorPhone: other.phone }));

    const res = await admin.get(`/api/admin/visitors/${v.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ id: v.id, name: v.name, position: '工程师', idNumberMasked: maskIdNumber(v.idNumber), hasPhoto: true, visitCount: 3 });
    expect(d.faceConsent).toEqual({ status: 'granted', version: 'face-v1', grantedAt: '2026-01-02T03:04:05.000Z', withdrawnAt: null });
    expect(d.history.map((h: { startAt: string }) => h.startAt)).toEqual(['2026-05-01T01:00:00.000Z', '2026-04-01T01:00:00.000Z', '2026-03-01T01:00:00.000Z']);
    expect(d.history[0]).toMatchObject({ kind: 'invitation', status: 'cancelled', cancelReason: 'rejected', hostName: '姜柠檬', unitName: unit.name, reason: '商务洽谈' });
    expect(d.history[1].arrivedAt).toBe('2026-04-01T01:10:00.000Z');
    // how and where they came and went
    expect(d.history[1].presence).toMatchObject({ arrivedVia: 'kiosk', arrivedWhere: '1号楼大厅访客机', leftAt: '2026-04-01T01:50:00.000Z', leftVia: 'gate', leftWhere: '东门出口', overstayMinutes: null });
    expect(d.history[0].presence.arrivedAt).toBeNull();
    expect(JSON.stringify(d)).not.toContain(v.idNumber);
    expect(await auditOf('visitor.read', v.id)).toHaveLength(1);
  });

  it('shows a withdrawn consent as withdrawn, and at most 50 orders', async () => {
    const v = await newVisitor(t);
    await t.ctx.db.insert(consents).values({ subjectType: 'visitor', subjectId: v.id, kind: 'face', textVersion: 'face-v1', grantedAt: new Date('2026-01-01T00:00:00Z'), withdrawnAt: new Date('2026-02-01T00:00:00Z') });
    const host = await newStaff(t);
    const rows = Array.from({ length: 52 }, (_, i) => ({
      kind: 'appointment',
      status: 'confirmed',
      visitorId: v.id,
      visitorPhone: v.phone,
      hostId: host.id,
      unitId: host.unitId,
      reason: `第${i}次`,
      startAt: new Date(Date.UTC(2026, 0, 1 + i)),
      endAt: new Date(Date.UTC(2026, 0, 1 + i, 2)),
    }));
    await t.ctx.db.insert(visitOrders).values(rows);
    const d = (await admin.get(`/api/admin/visitors/${v.id}`)).json();
    expect(d.faceConsent).toMatchObject({ status: 'withdrawn', withdrawnAt: '2026-02-01T00:00:00.000Z' });
    expect(d.visitCount).toBe(52);
    expect(d.history).toHaveLength(50);
    expect(d.history[0].reason).toBe('第51次');
  });

  it('answers 404 for an unknown visitor and 400 for a malformed id', async () => {
    const unknown = await admin.get(`/api/admin/visitors/${NIL}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    expect((await admin.get('/api/admin/visitors/abc')).statusCode).toBe(400);
  });

  it('answers 401 without an admin session, and nothing is audited', async () => {
    const v = await newVisitor(t);
    await expect401('GET', `/api/admin/visitors/${v.id}`);
    expect(await auditOf('visitor.read', v.id)).toHaveLength(0);
  });
});

describe('GET /api/admin/visitors/:id/photo', () => {
  async function visitorWithPhoto() {
    const key = `faces/test-${Date.now()}-${nameSeq++}`;
    await t.ctx.storage.put(key, await makeImage());
    return newVisitor(t, { photoKey: key });
  }

  it('sends the JPEG, never cached, and audits the read', async () => {
    const v = await visitorWithPhoto();
    const res = await admin.get(`/api/admin/visitors/${v.id}/photo`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(isJpeg(res.rawPayload)).toBe(true);
    expect(await auditOf('visitor.photo.read', v.id)).toHaveLength(1);
  });

  it('answers 404 for a visitor without a photo and for an unknown visitor; 400 for a malformed id', async () => {
    const v = await newVisitor(t);
    expect((await admin.get(`/api/admin/visitors/${v.id}/photo`)).statusCode).toBe(404);
    expect((await admin.get(`/api/admin/visitors/${NIL}/photo`)).statusCode).toBe(404);
    expect((await admin.get('/api/admin/visitors/abc/photo')).statusCode).toBe(400);
    expect(await auditOf('visitor.photo.read', v.id)).toHaveLength(0);
  });

  it('answers 401 without an admin session', async () => {
    const v = await visitorWithPhoto();
    await expect401('GET', `/api/admin/visitors/${v.id}/photo`);
    expect(await auditOf('visitor.photo.read', v.id)).toHaveLength(0);
  });
});

describe('PATCH /api/admin/visitors/:id/block', () => {
  const row = async (id: string) => (await t.ctx.db.select().from(visitors).where(eq(visitors.id, id)))[0]!;

  it('加入黑名单 with a reason, then 移出黑名单; both audited', async () => {
    const v = await newVisitor(t);
    const on = await admin.patch(`/api/admin/visitors/${v.id}/block`, { blocked: true, reason: '  冒用他人证件  ' });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ id: v.id, blocked: true, blockedReason: '冒用他人证件' });
    expect(await row(v.id)).toMatchObject({ blocked: true, blockedReason: '冒用他人证件' });
    const blockAudit = await auditOf('visitor.block', v.id);
    expect(blockAudit).toHaveLength(1);
    expect(blockAudit[0]!.detail).toMatchObject({ reason: '冒用他人证件', wasBlocked: false });

    const off = await admin.patch(`/api/admin/visitors/${v.id}/block`, { blocked: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ blocked: false, blockedReason: null });
    expect(await row(v.id)).toMatchObject({ blocked: false, blockedReason: null });
    expect(await auditOf('visitor.unblock', v.id)).toHaveLength(1);
  });

  it('refuses blocking without a reason and other bad input with 400; nothing changes', async () => {
    const v = await newVisitor(t);
    const cases: Array<[unknown, string]> = [
      [{ blocked: true }, 'REQUIRED_FIELD_MISSING'],
      [{ blocked: true, reason: '   ' }, 'REQUIRED_FIELD_MISSING'],
      [{ blocked: true, reason: null }, 'REQUIRED_FIELD_MISSING'],
      [{ blocked: 'yes', reason: '原因' }, 'VALIDATION_FAILED'],
      [{ reason: '原因' }, 'VALIDATION_FAILED'],
      [{ blocked: true, reason: '长'.repeat(201) }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await admin.patch(`/api/admin/visitors/${v.id}/block`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect((await admin.patch('/api/admin/visitors/abc/block', { blocked: false })).statusCode).toBe(400);
    expect(await row(v.id)).toMatchObject({ blocked: false, blockedReason: null });
    expect(await auditOf('visitor.block', v.id)).toHaveLength(0);
  });

  it('answers 404 for an unknown visitor', async () => {
    const res = await admin.patch(`/api/admin/visitors/${NIL}/block`, { blocked: true, reason: '原因' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('answers 401 without an admin session and changes nothing', async () => {
    const v = await newVisitor(t);
    await expect401('PATCH', `/api/admin/visitors/${v.id}/block`, { blocked: true, reason: '原因' });
    expect((await row(v.id)).blocked).toBe(false);
  });
});
