/**
 * 记录查询 Excel export of 通行记录 and 操作日志 through the HTTP API: the file read back with exceljs
 * holds exactly the rows the list shows for the same filter (one that leaves some out), in the
 * list's order and in words — 异常放行 marked, phone-number actors masked — built in keyset pages
 * (EXPORT_PAGE_SIZE 2), without rows recorded after it was asked for; each export audited with its
 * filter and row count; a 单位管理员 refused (403 SYSTEM_ADMIN_ONLY) like for the lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { readXlsx } from '../../test/xlsx.js';
import { accessDevices, accessEvents, admins, auditLog, buildings, dataExports, visitOrders } from '../../db/schema/index.js';
import { maskPhone } from '../../../../contracts/identity.js';
import { ACCESS_EVENT_EXPORT_COLUMNS, AUDIT_EXPORT_COLUMNS } from '../../../../contracts/records.js';

let t: TestApp;
let admin: Client;
let unitAdmin: Client;
const PAGE = 2;
const MIN = 60_000;

beforeAll(async () => {
  t = await createTestApp({ env: { EXPORT_PAGE_SIZE: String(PAGE) } });
  admin = await newAdminClient(t, 'exports-admin');
  const unit = await newUnit(t);
  unitAdmin = await newAdminClient(t, 'exports-unit-admin', undefined, unit.id);
});
afterAll(() => t.close());

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${seq++}`;

/** Ask, run the job, check the progress, download: the file read back, and the exports row. */
async function exported(url: string, body: Record<string, unknown>) {
  const asked = await admin.post(url, body);
  expect(asked.statusCode, asked.body).toBe(202);
  const { exportId } = asked.json() as { exportId: string };
  await t.ctx.queue.drain();
  const progress = (await admin.get(`/api/admin/exports/${exportId}`)).json();
  expect(progress.status).toBe('done');
  const file = await admin.get(`/api/admin/exports/${exportId}/file`);
  expect(file.statusCode).toBe(200);
  const [row] = await t.ctx.db.select().from(dataExports).where(eq(dataExports.id, exportId));
  return { exportId, progress, file, x: await readXlsx(file.rawPayload), row: row! };
}
const lastAudit = async (action: string) => (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.seq)).limit(1))[0]!;

describe('通行记录 export (POST /api/admin/records/access-events/export)', () => {
  /** A building with a gate (in it) and a door elsewhere; passes at both, one of them days ago. */
  async function scene() {
    const [b] = await t.ctx.db.insert(buildings).values({ name: `导出楼${uniq()}` }).returning();
    const [gate] = await t.ctx.db.insert(accessDevices).values({ name: `东门闸机${uniq()}`, adapter: 'simulator', buildingIds: [b!.id] }).returning();
    const [door] = await t.ctx.db.insert(accessDevices).values({ name: `西门门禁${uniq()}`, kind: 'door', adapter: 'simulator' }).returning();
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id });
    const v = await newVisitor(t, { name: '陈通行' });
    const now = Date.now();
    const [o] = await t.ctx.db
      .insert(visitOrders)
      .values({ kind: 'appointment', status: 'arrived', visitorId: v.id, visitorPhone: v.phone, hostId: host.id, unitId: unit.id, reason: '商务洽谈', startAt: new Date(now - 60 * MIN), endAt: new Date(now + 60 * MIN) })
      .returning();
    const ev = (deviceId: string, minutesAgo: number, e: Partial<typeof accessEvents.$inferInsert>) => ({ deviceId, at: new Date(now - minutesAgo * MIN), method: 'face', direction: 'in', result: 'granted', orderId: o!.id, detail: {}, ...e });
    const rows = await t.ctx.db
      .insert(accessEvents)
      .values([
        ev(gate!.id, 30, {}),
        ev(gate!.id, 20, { method: 'qr', result: 'anomaly', detail: { note: 'OUTSIDE_WINDOW' } }),
        ev(gate!.id, 10, { method: 'id_card', direction: 'out', result: 'denied', orderId: null, detail: { note: 'UNKNOWN_PERSON' }, deviceAt: new Date(now - 12 * MIN) }),
        ev(door!.id, 15, {}),
        ev(gate!.id, 3 * 24 * 60, {}),
      ])
      .returning();
    return { b: b!, gate: gate!, door: door!, v, rows, from: new Date(now - 24 * 60 * MIN).toISOString(), to: new Date(now + MIN).toISOString() };
  }

  it('the file holds exactly the filtered list’s rows in its order, results in words (异常放行 in red); audited with the filter and the count', async () => {
    const s = await scene();
    const filter = { buildingId: s.b.id, from: s.from, to: s.to };
    const list = await admin.get(`/api/admin/access/events?${new URLSearchParams({ ...filter, pageSize: '100' })}`);
    expect(list.statusCode, list.body).toBe(200);
    const shown = list.json() as { total: number; items: Array<{ seq: number; deviceName: string; holderName: string | null; result: string }> };
    // the door and the pass three days ago are left out
    expect(shown.total).toBe(3);

    const { exportId, progress, file, x, row } = await exported('/api/admin/records/access-events/export', filter);
    expect(progress).toMatchObject({ kind: 'access_events', rows: 3, total: 3 });
    expect(progress.fileName).toMatch(/^通行记录_\d{8}-\d{4}\.xlsx$/);
    expect(file.headers['content-disposition']).toMatch(/filename="pass-records_\d{8}-\d{4}\.xlsx"/);
    expect(row.pages).toBe(Math.ceil(3 / PAGE));
    expect(x.name).toBe('通行记录');
    expect(x.header).toEqual(ACCESS_EVENT_EXPORT_COLUMNS.map((c) => c.label['zh-CN']));
    const col = (key: string) => ACCESS_EVENT_EXPORT_COLUMNS.findIndex((c) => c.key === key);
    expect(x.rows.map((r) => [r[col('deviceName')], r[col('holderName')]])).toEqual(shown.items.map((i) => [i.deviceName, i.holderName ?? '']));
    expect(x.rows.map((r) => [r[col('method')], r[col('direction')], r[col('result')], r[col('note')]])).toEqual([
      ['身份证', '出', '拒绝', '无对应单据'],
      ['二维码', '进', '异常放行', '不在来访时间内'],
      ['人脸', '进', '通过', ''],
    ]);
    expect(x.rows[0]![col('at')]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(x.rows[0]![col('deviceAt')]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // the anomaly's result stands out: bold red
    const anomalyCell = x.sheet.getRow(3).getCell(col('result') + 1);
    expect(anomalyCell.font?.color?.argb).toBe('FFD03050');
    expect(x.sheet.getRow(4).getCell(col('result') + 1).font?.color).toBeUndefined();
    // nothing of the holder but the name the list shows
    expect(x.rows.flat().join('|')).not.toContain(s.v.phone);

    const a = await lastAudit('access.events.export');
    expect(a).toMatchObject({ targetType: 'access_event' });
    expect(a.detail).toMatchObject({ exportId, buildingId: s.b.id, dateFrom: s.from, dateTo: s.to, deviceId: null, count: 3 });
    const [download] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'records.export.download'), eq(auditLog.targetType, 'access_event')));
    expect(download!.detail).toMatchObject({ exportId, rows: 3 });
  });

  it('a device and result filter, in English; a pass recorded after the request is not in the file', async () => {
    const s = await scene();
    const asked = await admin.post('/api/admin/records/access-events/export', { deviceId: s.gate.id, result: 'anomaly', locale: 'en' });
    expect(asked.statusCode, asked.body).toBe(202);
    const { exportId } = asked.json();
    await t.ctx.db.insert(accessEvents).values({ deviceId: s.gate.id, at: new Date(), method: 'face', direction: 'in', result: 'anomaly', detail: {} });
    await t.ctx.queue.drain();
    const done = (await admin.get(`/api/admin/exports/${exportId}`)).json();
    expect(done).toMatchObject({ status: 'done', rows: 1, total: 1 });
    expect(done.fileName).toMatch(/^pass-records_/);
    const x = await readXlsx((await admin.get(`/api/admin/exports/${exportId}/file`)).rawPayload);
    expect(x.name).toBe('Pass records');
    expect(x.header).toEqual(ACCESS_EVENT_EXPORT_COLUMNS.map((c) => c.label.en));
    expect(x.rows).toHaveLength(1);
    expect(x.rows[0]!.slice(3, 8)).toEqual(['QR code', '', 'In', 'Anomaly', 'Outside the visit window']);
    expect((await lastAudit('access.events.export')).detail).toMatchObject({ exportId, deviceId: s.gate.id, result: 'anomaly', count: 1 });
  });

  it('a bad filter is 400 VALIDATION_FAILED; a 单位管理员 is refused like for the list (403 SYSTEM_ADMIN_ONLY)', async () => {
    for (const body of [{ from: '2026-11-25T00:00:00+08:00', to: '2026-11-24T00:00:00+08:00' }, { from: 'yesterday' }, { result: 'maybe' }, { deviceId: 'x' }, { locale: 'fr' }]) {
      const res = await admin.post('/api/admin/records/access-events/export', body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    for (const url of ['/api/admin/records/access-events/export', '/api/admin/records/audit/export', '/api/admin/access/events', '/api/admin/audit']) {
      const res = url.endsWith('/export') ? await unitAdmin.post(url, {}) : await unitAdmin.get(url);
      expect([res.statusCode, res.json().error.code], url).toEqual([403, 'SYSTEM_ADMIN_ONLY']);
    }
  });
});

describe('操作日志 export (POST /api/admin/records/audit/export)', () => {
  it('the file holds exactly the filtered entries, in words, newest first (not the export’s own entry); audited with the filter and the count', async () => {
    const username = `auditor${uniq()}`;
    await newAdminClient(t, username);
    const [who] = await t.ctx.db.select().from(admins).where(eq(admins.username, username));
    const actor = { actorType: 'admin', actorId: who!.id, ip: '10.9.0.1' };
    const unit = await newUnit(t);
    await t.ctx.db.insert(auditLog).values([
      { ...actor, action: 'records.orders.read', targetType: 'visit_order', detail: { searchBy: 'phone', visitor: '138****8000', orderStatus: 'confirmed', count: 2 } },
      { ...actor, action: 'unit.update', targetType: 'unit', targetId: unit.id, detail: { fields: ['instructions'] } },
      { ...actor, action: 'records.order.read', targetType: 'visit_order', targetId: '00000000-0000-7000-8000-000000000001' },
    ]);
    // the login (admin.login) is the same actor's but not in the filter
    const filter = { actorType: 'admin', actorId: who!.id, action: 'records.' };
    const list = await admin.get(`/api/admin/audit?${new URLSearchParams({ ...filter, pageSize: '100' })}`);
    const shown = list.json() as { total: number; items: Array<{ seq: number; action: string }> };
    expect(shown.items.map((i) => i.action)).toEqual(['records.order.read', 'records.orders.read']);

    const { exportId, progress, x } = await exported('/api/admin/records/audit/export', filter);
    expect(progress).toMatchObject({ kind: 'audit', rows: 2, total: 2 });
    expect(progress.fileName).toMatch(/^操作日志_\d{8}-\d{4}\.xlsx$/);
    expect(x.name).toBe('操作日志');
    expect(x.header).toEqual(AUDIT_EXPORT_COLUMNS.map((c) => c.label['zh-CN']));
    const col = (key: string) => AUDIT_EXPORT_COLUMNS.findIndex((c) => c.key === key);
    expect(x.rows.map((r) => [r[col('actorType')], r[col('actor')], r[col('action')], r[col('subject')], r[col('subjectId')], r[col('ip')]])).toEqual([
      ['管理员', username, '查看访客记录详情', '来访单据', '00000000-0000-7000-8000-000000000001', '10.9.0.1'],
      ['管理员', username, '查询访客记录', '来访单据', '', '10.9.0.1'],
    ]);
    // the details as 审计日志 shows them (jsonb keeps its own key order)
    expect(x.rows[1]![col('detail')].split(' · ').sort()).toEqual(['访客查询方式：手机号', '访客：138****8000', '单据状态：已确认', '条数：2'].sort());
    expect(x.rows[0]![col('at')]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const a = await lastAudit('audit.export');
    expect(a).toMatchObject({ targetType: 'audit_log' });
    expect(a.detail).toMatchObject({ exportId, action: 'records.', actorType: 'admin', actorId: who!.id, count: 2 });
  });

  it('an actor that is a phone number is masked in the file, the exports row and the audit entry; entries logged after the request are not in the file', async () => {
    const phone = randomPhone();
    const entry = { actorType: 'phone', actorId: phone, action: 'visitor.data_export', targetType: 'visitor' };
    await t.ctx.db.insert(auditLog).values([entry, entry]);
    const asked = await admin.post('/api/admin/records/audit/export', { actorType: 'phone', actorId: phone, locale: 'en' });
    expect(asked.statusCode, asked.body).toBe(202);
    const { exportId } = asked.json();
    await t.ctx.db.insert(auditLog).values(entry);
    const [row] = await t.ctx.db.select().from(dataExports).where(eq(dataExports.id, exportId));
    expect(JSON.stringify(row!.filter)).not.toContain(phone);
    const a = await lastAudit('audit.export');
    expect(JSON.stringify(a.detail)).not.toContain(phone);
    expect(a.detail).toMatchObject({ exportId, actorId: maskPhone(phone), count: 2 });

    await t.ctx.queue.drain();
    expect((await admin.get(`/api/admin/exports/${exportId}`)).json()).toMatchObject({ status: 'done', rows: 2, total: 2 });
    const x = await readXlsx((await admin.get(`/api/admin/exports/${exportId}/file`)).rawPayload);
    expect(x.name).toBe('Audit log');
    expect(x.rows.map((r) => r.slice(1, 5))).toEqual([
      ['Unregistered phone', maskPhone(phone), 'Exported their own data', 'Visitor'],
      ['Unregistered phone', maskPhone(phone), 'Exported their own data', 'Visitor'],
    ]);
    expect(x.rows.flat().join('|')).not.toContain(phone);
  });

  it('a bad filter is 400 VALIDATION_FAILED', async () => {
    for (const body of [{ from: '2026-11-25', to: '2026-11-24' }, { from: 'not a date' }, { actorType: 'robot' }, { action: 'x'.repeat(101) }]) {
      const res = await admin.post('/api/admin/records/audit/export', body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
  });
});
