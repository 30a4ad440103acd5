/**
 * DATABASE_REPLICA_URL: reports read the read replica, everything else the primary. 记录查询's list,
 * its Excel export and 首页's last 30 days read the replica; the audit records of those reads, the
 * export's row and progress, and 首页's today stay on the primary.
 *
 * The "replica" here is a second PostgreSQL database that the test fills itself (what streaming
 * replication would copy, plus one order only it holds and one it does not have yet), so that
 * where each number comes from can be seen. Always on the real PostgreSQL (TEST_DATABASE_URL, else
 * 127.0.0.1:5432): the embedded database has no replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createScratchDatabase } from '../../db/scratch.js';
import { openDatabase, type Database } from '../../platform/db.js';
import { requireService } from '../../test/services.js';
import { createTestAppOn } from '../../test/shared-db.js';
import type { Client, TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { auditLog, dataExports, departments, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import { loadConfig } from '../../platform/config.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOUR = 3600_000;

let primaryScratch: { url: string; drop: () => Promise<void> };
let replicaScratch: { url: string; drop: () => Promise<void> };
let primary: Database;
let replica: Database;
let t: TestApp;
let admin: Client;

beforeAll(async () => {
  await requireService('postgres', SERVER_URL, 'the read-replica tests');
  primaryScratch = await createScratchDatabase(SERVER_URL, 'sg_primary');
  replicaScratch = await createScratchDatabase(SERVER_URL, 'sg_replica');
  primary = await openDatabase({ url: primaryScratch.url, poolMax: 5 });
  replica = await openDatabase({ url: replicaScratch.url, poolMax: 3 });
  await primary.migrate();
  await replica.migrate();
  t = await createTestAppOn(primary, { DATABASE_URL: primaryScratch.url, DATABASE_REPLICA_URL: replicaScratch.url, EXPORT_PAGE_SIZE: '2' });
  admin = await newAdminClient(t, 'replica-admin');
});
afterAll(async () => {
  await t?.close();
  await primary?.close();
  await replica?.close();
  await primaryScratch?.drop();
  await replicaScratch?.drop();
});

type OrderRow = typeof visitOrders.$inferInsert;

/** A unit, a host and a visitor on the primary, copied to the replica (what replication would do), and an order maker. */
async function scene() {
  const unit = await newUnit(t);
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const visitor = await newVisitor(t, { name: '陈小春' });
  await replica.db.insert(units).values(await primary.db.select().from(units).where(eq(units.id, unit.id)));
  await replica.db.insert(departments).values(await primary.db.select().from(departments).where(eq(departments.unitId, unit.id)));
  await replica.db.insert(staff).values(await primary.db.select().from(staff).where(eq(staff.id, host.id)));
  await replica.db.insert(visitors).values(await primary.db.select().from(visitors).where(eq(visitors.id, visitor.id)));
  const order = (name: string, startAt: Date, status = 'confirmed'): OrderRow => ({
    kind: 'invitation',
    status,
    visitorPhone: randomPhone(),
    inviteeName: name,
    hostId: host.id,
    unitId: unit.id,
    reason: '商务洽谈',
    startAt,
    endAt: new Date(startAt.getTime() + 2 * HOUR),
  });
  return { unit, host, visitor, order };
}

describe('DATABASE_REPLICA_URL', () => {
  it('needs DATABASE_URL (the embedded database has no replica)', () => {
    expect(() => loadConfig({}, { DATABASE_REPLICA_URL: replicaScratch.url })).toThrow(/DATABASE_REPLICA_URL/);
  });

  it('记录查询 lists what the replica holds, and the read is audited on the primary', async () => {
    const s = await scene();
    const start = new Date(Date.now() + 24 * HOUR);
    const [both] = await primary.db.insert(visitOrders).values(s.order('已复制', start)).returning();
    await replica.db.insert(visitOrders).values(both!);
    await replica.db.insert(visitOrders).values(s.order('只在副本', new Date(start.getTime() + HOUR)));
    await primary.db.insert(visitOrders).values(s.order('尚未复制', new Date(start.getTime() + 2 * HOUR)));

    const res = await admin.get(`/api/admin/records/orders?unitId=${s.unit.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().total).toBe(2);
    expect(res.json().items.map((i: { visitorName: string }) => i.visitorName)).toEqual(['只在副本', '已复制']);

    const reads = (d: Database) => d.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, 'records.orders.read'));
    expect((await reads(primary))[0]!.n).toBe(1);
    expect((await reads(replica))[0]!.n).toBe(0);
  });

  it('the Excel export counts and reads its rows on the replica; its row, progress and audit are on the primary', async () => {
    const s = await scene();
    const start = new Date(Date.now() - 48 * HOUR);
    const [both] = await primary.db.insert(visitOrders).values(s.order('已复制', start)).returning();
    await replica.db.insert(visitOrders).values(both!);
    await replica.db.insert(visitOrders).values([s.order('副本甲', new Date(start.getTime() + HOUR)), s.order('副本乙', new Date(start.getTime() + 2 * HOUR))]);

    const asked = await admin.post('/api/admin/records/orders/export', { unitId: s.unit.id });
    expect(asked.statusCode, asked.body).toBe(202);
    const { exportId } = asked.json();
    await t.ctx.queue.drain();
    const progress = await admin.get(`/api/admin/exports/${exportId}`);
    expect(progress.json()).toMatchObject({ status: 'done', rows: 3, total: 3 });
    expect(await replica.db.select().from(dataExports)).toEqual([]);

    const file = await admin.get(`/api/admin/exports/${exportId}/file`);
    expect(file.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const text = JSON.stringify(book.worksheets[0]!.getSheetValues());
    for (const name of ['已复制', '副本甲', '副本乙']) expect(text).toContain(name);

    const exportAudit = (d: Database) => d.db.select({ detail: auditLog.detail }).from(auditLog).where(and(eq(auditLog.action, 'records.export')));
    expect((await exportAudit(primary)).map((a) => (a.detail as { count: number }).count)).toContain(3);
    expect(await exportAudit(replica)).toEqual([]);
  });

  it('首页 takes the last 30 days from the replica and today from the primary', async () => {
    const s = await scene();
    const todayStart = t.ctx.clock.startOfDay();
    const soon = new Date(Math.max(Date.now(), todayStart.getTime() + HOUR));
    await replica.db.insert(visitOrders).values(s.order('副本今日', soon));
    const res = await admin.get('/api/admin/dashboard');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.last30Days[body.last30Days.length - 1]).toMatchObject({ day: body.today.day, expected: 1 });
    // today's panel counts the primary, which has no such order
    expect(body.today.expected).toBe(0);
    expect(body.perUnit.find((u: { unitId: string }) => u.unitId === s.unit.id)).toBeUndefined();
  });

  it('审计日志 and 通行记录 read the replica; reading the pass records is audited on the primary', async () => {
    // an audit entry only the replica holds (replicated a moment ago), one only the primary holds (not yet)
    await replica.db.insert(auditLog).values({ actorType: 'system', actorId: 'replica-only', action: 'settings.update', targetType: 'settings' });
    await primary.db.insert(auditLog).values({ actorType: 'system', actorId: 'primary-only', action: 'settings.update', targetType: 'settings' });
    const listed = (await admin.get('/api/admin/audit?actorType=system&pageSize=100')).json().items.map((e: { actorId: string }) => e.actorId);
    expect(listed).toContain('replica-only');
    expect(listed).not.toContain('primary-only');

    const events = await admin.get('/api/admin/access/events?pageSize=10');
    expect(events.statusCode, events.body).toBe(200);
    const readAudit = (d: Database) => d.db.select().from(auditLog).where(eq(auditLog.action, 'access.events.read'));
    expect(await readAudit(primary)).toHaveLength(1);
    expect(await readAudit(replica)).toEqual([]);
  });
});
