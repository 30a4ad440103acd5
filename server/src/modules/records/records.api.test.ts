/**
 * 记录查询 (A8) through the HTTP API: the orders list and each of its filters, the detail, and the
 * Excel export — built by the job in keyset pages (EXPORT_PAGE_SIZE 2 here, so that a handful of
 * rows takes several pages), read back with exceljs, downloadable only by the administrator who
 * asked, audited with the filter and the row count, deleted by the sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { readXlsx } from '../../test/xlsx.js';
import { accessEvents, auditLog, dataExports, visitOrders } from '../../db/schema/index.js';
import { maskIdNumber } from '../../../../contracts/identity.js';
import { ORDER_EXPORT_COLUMNS } from '../../../../contracts/records.js';
import { TERMS_VERSION } from '../../../../contracts/consent.js';

let t: TestApp;
let admin: Client;
let otherAdmin: Client;
let others: Array<[string, Client]>;
const NIL = '00000000-0000-7000-8000-000000000000';
const PAGE = 2;

beforeAll(async () => {
  t = await createTestApp({ env: { EXPORT_PAGE_SIZE: String(PAGE) } });
  admin = await newAdminClient(t, 'records-admin');
  otherAdmin = await newAdminClient(t, 'records-admin-2');
  const s = await newStaff(t);
  others = [
    ['no session', new Client(t)],
    ['staff', await signInStaff(t, s.phone)],
    ['visitor', await signInVisitor(t, randomPhone(), '10.6.0.1')],
  ];
});
afterAll(() => t.close());

const HOUR = 3600_000;
type Row = { id: string; visitorName: string; phone: string; idNumberMasked: string | null; startAt: string; status: string; kind: string; hostName: string; unitName: string };

/** An order straight into the table (the list only reads; the booking flows have their own tests). */
async function order(o: { unitId: string; hostId: string; startAt: string; visitorId?: string | null; phone?: string; name?: string; kind?: string; status?: string; plate?: string; idNumber?: string; createdAt?: Date }) {
  const start = new Date(o.startAt);
  const [r] = await t.ctx.db
    .insert(visitOrders)
    .values({
      kind: o.kind ?? 'appointment',
      status: o.status ?? 'confirmed',
      cancelReason: o.status === 'cancelled' ? 'rejected' : null,
      visitorId: o.visitorId ?? null,
      visitorPhone: o.phone ?? randomPhone(),
      inviteeName: o.name ?? null,
      inviteeIdType: o.idNumber ? 'prc_id' : null,
      inviteeIdNumberEnc: o.idNumber ? t.ctx.crypto.encrypt(o.idNumber) : null,
      hostId: o.hostId,
      unitId: o.unitId,
      reason: '商务洽谈',
      startAt: start,
      endAt: new Date(start.getTime() + 2 * HOUR),
      plate: o.plate ?? null,
      vehicleStatus: o.plate ? 'approved' : null,
      ...(o.createdAt ? { createdAt: o.createdAt } : {}),
    })
    .returning();
  return r!;
}

// every scene's people have ID numbers of their own (the ID search spans units)
let idSeq = 100;
/** A unit of its own with two hosts and a spread of orders (each test reads only its unit). */
async function scene() {
  const unit = await newUnit(t);
  const hostA = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const hostB = await newStaff(t, { unitId: unit.id, name: '林晓燕' });
  const v1 = await newVisitor(t, { name: '陈小春', idNumber: validIdNumber(idSeq++) });
  const v2 = await newVisitor(t, { name: '王大锤', idNumber: validIdNumber(idSeq++) });
  // 2026-11-23 23:30 and 2026-11-24 00:30 in Asia/Shanghai: either side of a center midnight
  const late = await order({ unitId: unit.id, hostId: hostA.id, visitorId: v1.id, phone: v1.phone, startAt: '2026-11-23T15:30:00Z' });
  const early = await order({ unitId: unit.id, hostId: hostB.id, visitorId: v2.id, phone: v2.phone, startAt: '2026-11-23T16:30:00Z', status: 'arrived', plate: '浙A12345' });
  const inviteeId = validIdNumber(idSeq++);
  const invite = await order({ unitId: unit.id, hostId: hostA.id, name: '赵未注册', startAt: '2026-11-25T02:00:00Z', kind: 'invitation', status: 'initiated', idNumber: inviteeId });
  const cancelled = await order({ unitId: unit.id, hostId: hostB.id, visitorId: v1.id, phone: v1.phone, startAt: '2026-11-26T02:00:00Z', status: 'cancelled', kind: 'walk_in' });
  return { unit, hostA, hostB, v1, v2, late, early, invite, inviteeId, cancelled };
}

const list = async (q: Record<string, string | number>) => {
  const res = await admin.get(`/api/admin/records/orders?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Row[]; total: number; page: number; pageSize: number };
};
const ids = (p: { items: Array<{ id: string }> }) => p.items.map((i) => i.id);

describe('GET /api/admin/records/orders', () => {
  it('lists a unit’s orders newest start first; each filter narrows; ID numbers masked, phones shown', async () => {
    const s = await scene();
    const all = await list({ unitId: s.unit.id });
    expect(all.total).toBe(4);
    expect(ids(all)).toEqual([s.cancelled.id, s.invite.id, s.early.id, s.late.id]);
    const row = all.items.find((i) => i.id === s.late.id)!;
    expect(row).toMatchObject({ visitorName: '陈小春', phone: s.v1.phone, idNumberMasked: maskIdNumber(s.v1.idNumber), hostName: '姜柠檬', unitName: s.unit.name, kind: 'appointment', status: 'confirmed' });
    // an invitee not yet registered: the name and ID the host typed, masked
    expect(all.items.find((i) => i.id === s.invite.id)).toMatchObject({ visitorName: '赵未注册', idNumberMasked: maskIdNumber(s.inviteeId) });
    expect(all.items.find((i) => i.id === s.early.id)).toMatchObject({ plate: '浙A12345', vehicleStatus: 'approved' });
    expect(JSON.stringify(all)).not.toContain(s.v1.idNumber);

    // days are the center's: 2026-11-24 holds 00:30 that day, not 23:30 the day before
    expect(ids(await list({ unitId: s.unit.id, from: '2026-11-24', to: '2026-11-24' }))).toEqual([s.early.id]);
    expect(ids(await list({ unitId: s.unit.id, to: '2026-11-23' }))).toEqual([s.late.id]);
    expect(ids(await list({ unitId: s.unit.id, from: '2026-11-25' }))).toEqual([s.cancelled.id, s.invite.id]);
    expect(ids(await list({ unitId: s.unit.id, hostId: s.hostB.id }))).toEqual([s.cancelled.id, s.early.id]);
    expect(ids(await list({ hostId: s.hostB.id }))).toEqual([s.cancelled.id, s.early.id]);
    expect(ids(await list({ unitId: s.unit.id, kind: 'invitation' }))).toEqual([s.invite.id]);
    expect(ids(await list({ unitId: s.unit.id, kind: 'walk_in' }))).toEqual([s.cancelled.id]);
    expect(ids(await list({ unitId: s.unit.id, status: 'arrived' }))).toEqual([s.early.id]);
    expect(ids(await list({ unitId: s.unit.id, status: 'cancelled' }))).toEqual([s.cancelled.id]);
    expect(ids(await list({ unitId: s.unit.id, status: 'pending' }))).toEqual([]);
  });

  it('finds the visitor by name (contains, also an invitee’s), by phone (exact or last digits), by ID number through the blind index', async () => {
    const s = await scene();
    expect(ids(await list({ unitId: s.unit.id, visitor: '小春' }))).toEqual([s.cancelled.id, s.late.id]);
    expect(ids(await list({ unitId: s.unit.id, visitor: '未注册' }))).toEqual([s.invite.id]);
    expect(ids(await list({ unitId: s.unit.id, visitor: s.v2.phone }))).toEqual([s.early.id]);
    expect(ids(await list({ unitId: s.unit.id, visitor: s.v2.phone.slice(-4) }))).toContain(s.early.id);
    expect(ids(await list({ visitor: s.v2.phone.slice(-8) }))).toEqual([s.early.id]);
    // the whole number, any case and spacing; across units too
    expect(ids(await list({ visitor: ` ${s.v1.idNumber.toLowerCase()} ` }))).toEqual([s.cancelled.id, s.late.id]);
    expect(ids(await list({ unitId: s.unit.id, visitor: s.v2.idNumber }))).toEqual([s.early.id]);
    // a wrong or partial number finds nothing: only the blind index of a whole number is stored
    const wrong = validIdNumber(999);
    expect((await list({ visitor: wrong })).total).toBe(0);
    expect((await list({ visitor: s.v1.idNumber.slice(0, 15) })).total).toBe(0);
    // the search is audited with the number masked, never the number
    const [a] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'records.orders.read')).orderBy(desc(auditLog.seq)).limit(1);
    expect(JSON.stringify(a!.detail)).not.toContain(s.v1.idNumber.slice(0, 15));
    expect(a!.detail).toMatchObject({ searchBy: 'id_number', count: 0 });
  });

  it('pages: page 2 of 2 continues where page 1 ended; total is the filter’s', async () => {
    const s = await scene();
    const p1 = await list({ unitId: s.unit.id, pageSize: 2, page: 1 });
    const p2 = await list({ unitId: s.unit.id, pageSize: 2, page: 2 });
    expect([p1.total, p2.total, p1.pageSize, p2.page]).toEqual([4, 4, 2, 2]);
    expect([...ids(p1), ...ids(p2)]).toEqual([s.cancelled.id, s.invite.id, s.early.id, s.late.id]);
    expect(ids(await list({ unitId: s.unit.id, pageSize: 2, page: 3 }))).toEqual([]);
  });

  it('a bad filter is 400 VALIDATION_FAILED, never a 500', async () => {
    for (const q of ['from=2026-13-01', 'to=2026-02-30', 'from=yesterday', 'from=2026-11-25&to=2026-11-24', 'unitId=x', 'hostId=1', 'kind=party', 'status=done', 'page=0', 'pageSize=500', `visitor=${'x'.repeat(51)}`]) {
      const res = await admin.get(`/api/admin/records/orders?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code, q).toBe('VALIDATION_FAILED');
    }
    const res = await admin.post('/api/admin/records/orders/export', { from: '2026-11-25', to: '2026-11-24' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 401 to anyone but an administrator', async () => {
    for (const [who, c] of others) {
      for (const [m, url] of [
        ['GET', '/api/admin/records/orders'],
        ['GET', `/api/admin/records/orders/${NIL}`],
        ['POST', '/api/admin/records/orders/export'],
        ['GET', `/api/admin/exports/${NIL}`],
        ['GET', `/api/admin/exports/${NIL}/file`],
      ] as const) {
        const res = await c.req(m, url, m === 'POST' ? {} : undefined);
        expect(res.statusCode, `${who} ${m} ${url}`).toBe(401);
      }
    }
  });
});

describe('GET /api/admin/records/orders/:id', () => {
  it('the order with its trail, companions, check-in/out and gate passes; audited', async () => {
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
    const me = await newVisitor(t, { name: '陈小春' });
    const friend = await newVisitor(t, { name: '林晓燕' });
    const visitor = await signInVisitor(t, me.phone, '10.6.0.2');
    const s = new Date(Date.now() + 2 * HOUR);
    const booked = await visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '商务洽谈', startAt: s.toISOString(), endAt: new Date(s.getTime() + 2 * HOUR).toISOString(), companionPhones: [friend.phone], idempotencyKey: `rec-${Date.now()}`, termsVersion: TERMS_VERSION });
    expect(booked.statusCode, booked.body).toBe(201);
    const id = booked.json().id as string;
    const hostClient = await signInStaff(t, host.phone);
    expect((await hostClient.post(`/api/visits/${id}/review`, { decision: 'approve' })).statusCode).toBe(200);
    // a gate let them in (the access module's own tests drive real passes)
    const arrivedAt = new Date();
    await t.ctx.db.update(visitOrders).set({ status: 'arrived', arrivedAt, arrivedVia: 'gate', arrivedWhere: '1号楼闸机' }).where(eq(visitOrders.id, id));
    await t.ctx.db.insert(accessEvents).values({ at: arrivedAt, method: 'face', direction: 'in', orderId: id, result: 'granted', detail: { deviceName: '1号楼闸机' } });

    const res = await admin.get(`/api/admin/records/orders/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d.record).toMatchObject({ id, visitorName: '陈小春', phone: me.phone, idNumberMasked: maskIdNumber(me.idNumber), hostName: '姜柠檬', status: 'arrived' });
    expect(d.record.presence).toMatchObject({ arrivedAt: arrivedAt.toISOString(), arrivedVia: 'gate', arrivedWhere: '1号楼闸机', leftAt: null });
    // the administrator sees the host's name in full (visitors see it masked)
    expect(d.order.host.name).toBe('姜柠檬');
    expect(d.order.trail.map((x: { label: { 'zh-CN': string } }) => x.label['zh-CN'])).toEqual(['访客：提交', '邀约人：审核通过']);
    expect(d.order.companions).toEqual([expect.objectContaining({ name: '林晓燕', origin: 'companion' })]);
    expect(d.passes).toEqual([expect.objectContaining({ orderId: id, method: 'face', result: 'granted', deviceName: '1号楼闸机', holderName: '陈小春' })]);
    expect(JSON.stringify(d)).not.toContain(me.idNumber);
    const audited = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'records.order.read'), eq(auditLog.targetId, id)));
    expect(audited).toHaveLength(1);

    expect((await admin.get(`/api/admin/records/orders/${NIL}`)).statusCode).toBe(404);
    expect((await admin.get('/api/admin/records/orders/not-a-uuid')).statusCode).toBe(400);
  });
});

describe('Excel export', () => {
  it('the job writes exactly the filter’s rows in keyset pages; progress reaches done; IDs masked; only the asker downloads; audited', async () => {
    const s = await scene();
    // two more of v1's, so that 5 rows take 3 pages of 2
    await order({ unitId: s.unit.id, hostId: s.hostA.id, visitorId: s.v1.id, phone: s.v1.phone, startAt: '2026-11-27T02:00:00Z' });
    await order({ unitId: s.unit.id, hostId: s.hostA.id, visitorId: s.v2.id, phone: s.v2.phone, startAt: '2026-11-28T02:00:00Z' });
    const filter = { unitId: s.unit.id, status: 'confirmed' };
    const shown = await list({ ...filter, pageSize: 200 });
    expect(shown.total).toBe(3);

    const asked = await admin.post('/api/admin/records/orders/export', filter);
    expect(asked.statusCode, asked.body).toBe(202);
    const { exportId } = asked.json();
    const before = (await admin.get(`/api/admin/exports/${exportId}`)).json();
    expect(before).toMatchObject({ id: exportId, status: 'pending', rows: 0, kind: 'orders' });
    expect(before.fileName).toMatch(/^访客记录_\d{8}-\d{4}\.xlsx$/);
    const early = await admin.get(`/api/admin/exports/${exportId}/file`);
    expect([early.statusCode, early.json().error.code]).toEqual([409, 'EXPORT_NOT_READY']);

    await t.ctx.queue.drain();
    const done = (await admin.get(`/api/admin/exports/${exportId}`)).json();
    expect(done).toMatchObject({ status: 'done', rows: 3, total: 3 });
    expect(done.expiresAt).not.toBeNull();
    // read in keyset pages of EXPORT_PAGE_SIZE, never the whole result at once: 2 + 1
    const [row] = await t.ctx.db.select().from(dataExports).where(eq(dataExports.id, exportId));
    expect(row!.pages).toBe(Math.ceil(3 / PAGE));
    // the visitor text never sits in the exports row in the clear (none here); the stored file is encrypted
    expect(row!.storageKey).toBe(`exports/${exportId}`);

    const file = await admin.get(`/api/admin/exports/${exportId}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    expect(file.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('访客记录_')}`);
    expect(file.headers['content-disposition']).toMatch(/filename="visit-records_\d{8}-\d{4}\.xlsx"/);
    const x = await readXlsx(file.rawPayload);
    expect(x.name).toBe('访客记录');
    expect(x.header).toEqual(ORDER_EXPORT_COLUMNS.map((c) => c.label['zh-CN']));
    const col = (key: string) => ORDER_EXPORT_COLUMNS.findIndex((c) => c.key === key);
    expect(x.rows.map((r) => [r[col('visitorName')], r[col('phone')], r[col('idNumberMasked')]])).toEqual(shown.items.map((i) => [i.visitorName, i.phone, i.idNumberMasked]));
    expect(x.rows.map((r) => r[col('status')])).toEqual(['已确认', '已确认', '已确认']);
    expect(x.rows[x.rows.length - 1]![col('startAt')]).toBe('2026-11-23 23:30');
    const text = file.rawPayload.toString('latin1');
    for (const n of [s.v1.idNumber, s.v2.idNumber]) expect(x.rows.flat().join('|')).not.toContain(n);
    expect(text.length).toBeGreaterThan(0);

    // another administrator: not theirs
    expect((await otherAdmin.get(`/api/admin/exports/${exportId}`)).statusCode).toBe(404);
    expect((await otherAdmin.get(`/api/admin/exports/${exportId}/file`)).statusCode).toBe(404);

    const [a] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'records.export')).orderBy(desc(auditLog.seq)).limit(1);
    expect(a!.detail).toMatchObject({ exportId, unitId: s.unit.id, orderStatus: 'confirmed', count: 3 });
    const downloads = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'records.export.download'));
    expect(downloads.some((d) => (d.detail as { exportId: string }).exportId === exportId)).toBe(true);
  });

  it('a visitor search is exported too (kept encrypted meanwhile); orders made after the request are not in the file', async () => {
    const s = await scene();
    const asked = await admin.post('/api/admin/records/orders/export', { visitor: s.v1.idNumber, locale: 'en' });
    const { exportId } = asked.json();
    const [row] = await t.ctx.db.select().from(dataExports).where(eq(dataExports.id, exportId));
    expect(JSON.stringify(row!.filter)).not.toContain(s.v1.idNumber);
    await order({ unitId: s.unit.id, hostId: s.hostA.id, visitorId: s.v1.id, phone: s.v1.phone, startAt: '2026-11-29T02:00:00Z', createdAt: new Date(row!.createdAt.getTime() + 1000) });
    await t.ctx.queue.drain();
    const done = (await admin.get(`/api/admin/exports/${exportId}`)).json();
    expect(done).toMatchObject({ status: 'done', rows: 2, total: 2 });
    expect(done.fileName).toMatch(/^visit-records_/);
    const x = await readXlsx((await admin.get(`/api/admin/exports/${exportId}/file`)).rawPayload);
    expect(x.header[0]).toBe('Visitor');
    expect(x.rows.map((r) => r[0])).toEqual(['陈小春', '陈小春']);
    expect(x.rows.map((r) => r[2])).toEqual([maskIdNumber(s.v1.idNumber), maskIdNumber(s.v1.idNumber)]);
    const [a] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'records.export')).orderBy(desc(auditLog.seq)).limit(1);
    expect(a!.detail).toMatchObject({ exportId, searchBy: 'id_number', visitor: maskIdNumber(s.v1.idNumber), count: 2 });
  });

  it('the sweep deletes a file EXPORT_KEEP_HOURS after it was built: 410 EXPORT_EXPIRED', async () => {
    const s = await scene();
    const { exportId } = (await admin.post('/api/admin/records/orders/export', { unitId: s.unit.id })).json();
    await t.ctx.queue.drain();
    expect((await admin.get(`/api/admin/exports/${exportId}`)).json().status).toBe('done');
    t.ctx.clock.set(new Date(Date.now() + 25 * HOUR));
    try {
      await t.ctx.queue.enqueue(t.ctx.db, { type: 'records.exports_sweep', key: `test-sweep-${exportId}` });
      await t.ctx.queue.drain(); // every job due 25 h on (the hourly purge, the sweeps) — the export sweep among them
    } finally {
      t.ctx.clock.set(null);
    }
    // 25 h on, the administrator's session (12 h) had ended and the hourly session sweep removed it:
    // the same administrator signs in again (only the requester may see an export)
    expect((await admin.get(`/api/admin/exports/${exportId}`)).statusCode).toBe(401);
    admin = new Client(t);
    expect((await admin.post('/api/auth/admin/login', { username: 'records-admin', password: 'admin-password-1' })).statusCode).toBe(200);
    expect((await admin.get(`/api/admin/exports/${exportId}`)).json().status).toBe('expired');
    const gone = await admin.get(`/api/admin/exports/${exportId}/file`);
    expect([gone.statusCode, gone.json().error.code]).toEqual([410, 'EXPORT_EXPIRED']);
    expect(await t.ctx.storage.get(`exports/${exportId}`)).toBeNull();
  });
});
