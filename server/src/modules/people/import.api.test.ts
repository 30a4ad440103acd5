import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { eq, inArray } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone, validIdNumber } from '../../test/factories.js';
import { auditLog, departments, staff } from '../../db/schema/index.js';
import { IMPORT_COLUMNS } from './people.rules.js';
import { XLSX_MIME } from './import.js';

let t: TestApp;
let admin: Client;
let unit: Awaited<ReturnType<typeof newUnit>>;
const HEADER = IMPORT_COLUMNS.map((c) => c.header);

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t);
  unit = await newUnit(t, { name: '导入测试单位' });
  await t.ctx.db.insert(departments).values({ unitId: unit.id, name: '信息中心' });
});
afterAll(() => t.close());

async function xlsx(rows: Array<Array<string | number>>, header: string[] = HEADER): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
async function readXlsx(buf: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const out: string[][] = [];
  ws.eachRow((row) => out.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))));
  return out;
}
function upload(c: Client, buf: Buffer, filename = 'staff.xlsx', type = XLSX_MIME) {
  const boundary = `----sg${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head), buf, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return c.req('POST', '/api/admin/staff/import', payload, { 'content-type': `multipart/form-data; boundary=${boundary}` });
}
/** a template row: 姓名, 手机号码, 证件号码, 工号, 单位, 部门, 办公室, 办公电话, 职务, 访问权限 */
const row = (name: string, phone: string, o: Partial<Record<'id' | 'no' | 'unit' | 'dept' | 'room' | 'tel' | 'pos' | 'perm', string>> = {}) => [
  name, phone, o.id ?? '', o.no ?? '', o.unit ?? unit.name, o.dept ?? '', o.room ?? '', o.tel ?? '', o.pos ?? '', o.perm ?? '',
];
const staffByPhones = (phones: string[]) => t.ctx.db.select().from(staff).where(inArray(staff.phone, phones));

describe('import template', () => {
  it('is an .xlsx with the template header and the units listed on the help sheet', async () => {
    const res = await admin.get('/api/admin/staff/import-template');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(XLSX_MIME);
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''");
    const rows = await readXlsx(res.rawPayload);
    expect(rows[0]).toEqual(['姓名*', '手机号码*', '证件号码', '工号', '单位*', '部门', '办公室', '办公电话', '职务', '访问权限(是/否)']);
    expect(rows).toHaveLength(1);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const help: string[] = [];
    wb.getWorksheet('填写说明')!.eachRow((r) => help.push(String(r.getCell(1).value ?? '')));
    expect(help).toContain('导入测试单位');
  });
  it('needs an admin session', async () => {
    expect((await new Client(t).get('/api/admin/staff/import-template')).statusCode).toBe(401);
  });
});

describe('import (all rows or none)', () => {
  it('a file with one bad row imports nothing and reports the row, column, code and message', async () => {
    const good = [randomPhone(), randomPhone(), randomPhone()];
    const bad = validIdNumber(9).slice(0, 17) + 'Y';
    const file = await xlsx([row('张一', good[0]!), row('张二', good[1]!, { id: bad }), row('张三', good[2]!, { perm: '是' })]);
    const res = await upload(admin, file);
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.error.code).toBe('IMPORT_ROWS_INVALID');
    expect(body.error.details).toEqual([{ row: 3, column: '证件号码', code: 'ID_NUMBER_INVALID', message: { 'zh-CN': '身份证号码校验失败', en: expect.any(String) } }]);
    expect(await staffByPhones(good)).toEqual([]);
  });

  it('reports every problem of every row', async () => {
    const taken = await newStaff(t, { unitId: unit.id, employeeNo: 'EMP-TAKEN' });
    const p = randomPhone();
    const file = await xlsx([
      row('', randomPhone()),
      row('李二', '1380000'),
      row('李三', p),
      row('李四', p),
      row('李五', randomPhone(), { unit: '不存在的单位' }),
      row('李六', randomPhone(), { dept: '不存在的部门' }),
      row('李七', randomPhone(), { no: 'EMP-TAKEN' }),
      row('李八', randomPhone(), { perm: '也许' }),
    ]);
    const res = await upload(admin, file);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { row: number; column: string; code: string }) => `${d.row} ${d.column} ${d.code}`)).toEqual([
      '2 姓名* REQUIRED_FIELD_MISSING',
      '3 手机号码* PHONE_INVALID',
      '5 手机号码* PHONE_DUPLICATE_IN_FILE',
      '6 单位* UNIT_NOT_FOUND',
      '7 部门 DEPARTMENT_NOT_IN_UNIT',
      '8 工号 EMPLOYEE_NO_TAKEN',
      '9 访问权限(是/否) VISIT_PERMISSION_VALUE_INVALID',
    ]);
    expect((await t.ctx.db.select().from(staff).where(eq(staff.unitId, unit.id))).map((s) => s.id)).toEqual([taken.id]);
  });

  it('a good file imports all N rows in one go; a row with a known phone updates that person', async () => {
    const existing = await newStaff(t, { unitId: unit.id, name: '旧名字', visitPermission: false, position: '科员', idNumberEnc: t.ctx.crypto.encrypt(validIdNumber(1)) });
    const phones = Array.from({ length: 25 }, () => randomPhone());
    const id = validIdNumber(77);
    const rows = phones.map((p, i) => row(`员工${i}`, p, { no: `IMP-${i}`, dept: i % 2 ? '信息中心' : '', perm: i % 3 ? '是' : '否', id: i === 0 ? id : '', room: `${800 + i}` }));
    rows.push(row('新名字', existing.phone, { perm: '是' }));
    const res = await upload(admin, await xlsx(rows));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 25, updated: 1 });
    const got = await staffByPhones(phones);
    expect(got).toHaveLength(25);
    const first = got.find((s) => s.phone === phones[0])!;
    expect(first).toMatchObject({ name: '员工0', employeeNo: 'IMP-0', visitPermission: false, departmentId: null, officeRoom: '800', idType: 'prc_id', idNumberIdx: t.ctx.crypto.blindIndex(id) });
    expect(t.ctx.crypto.decrypt(first.idNumberEnc!)).toBe(id);
    expect(got.find((s) => s.phone === phones[1])).toMatchObject({ visitPermission: true, departmentId: expect.any(String) });
    const [upd] = await staffByPhones([existing.phone]);
    // blank optional cells keep what was there
    expect(upd).toMatchObject({ id: existing.id, name: '新名字', visitPermission: true, position: '科员', idNumberEnc: existing.idNumberEnc });
    const [a] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'staff.import'));
    expect(a!.detail).toMatchObject({ created: 25, updated: 1, fileName: 'staff.xlsx' });
    // imported hosts can be found at once
    const host = phones[1]!;
    const staffC = await signInStaff(t, existing.phone);
    expect((await staffC.post('/api/hosts/lookup', { phone: host })).json()).toMatchObject({ maskedName: '员*1', unitName: unit.name, departmentName: '信息中心' });
  });

  it('reads phones typed as numbers and headers in another order', async () => {
    const p = randomPhone();
    const file = await xlsx([[unit.name, Number(p), '数字手机']], ['单位*', '手机号码*', '姓名*']);
    expect((await upload(admin, file)).json()).toEqual({ created: 1, updated: 0 });
    expect((await staffByPhones([p]))[0]).toMatchObject({ name: '数字手机', visitPermission: false });
  });

  it.each<[string, () => Promise<Buffer>, string]>([
    ['a CSV file', async () => Buffer.from('姓名*,手机号码*\n张三,13800000000\n'), 'staff.csv'],
    ['random bytes', async () => Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 'staff.xlsx'],
    ['a zip that is not a workbook', async () => Buffer.from('504b0506000000000000000000000000000000000000', 'hex'), 'staff.xlsx'],
  ])('refuses %s with IMPORT_FILE_INVALID', async (_n, make, name) => {
    const res = await upload(admin, await make(), name, 'text/csv');
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'IMPORT_FILE_INVALID']);
  });

  it('refuses a workbook without the required columns, an empty one, and a request without a file', async () => {
    const noPhone = await upload(admin, await xlsx([['张三', unit.name]], ['姓名*', '单位*']));
    expect(noPhone.json().error).toMatchObject({ code: 'IMPORT_FILE_INVALID', details: { missingColumns: ['手机号码*'] } });
    const empty = await upload(admin, await xlsx([]));
    expect([empty.statusCode, empty.json().error.code]).toEqual([422, 'IMPORT_ROWS_INVALID']);
    const json = await admin.post('/api/admin/staff/import', { file: 'x' });
    expect([json.statusCode, json.json().error.code]).toEqual([400, 'IMPORT_FILE_INVALID']);
  });

  it('needs an admin session', async () => {
    const file = await xlsx([row('某人', randomPhone())]);
    expect((await upload(new Client(t), file)).statusCode).toBe(401);
    const s = await newStaff(t);
    expect((await upload(await signInStaff(t, s.phone), file)).statusCode).toBe(401);
  });
});

describe('export', () => {
  it('exports the filtered list with masked ID numbers, audited; the file imports back unchanged', async () => {
    const u = await newUnit(t, { name: '导出测试单位' });
    const id = validIdNumber(321);
    await newStaff(t, { unitId: u.id, departmentId: u.departmentId, name: '导出甲', employeeNo: 'EX-1', visitPermission: true, officeRoom: '101', idType: 'prc_id', idNumberEnc: t.ctx.crypto.encrypt(id), idNumberIdx: t.ctx.crypto.blindIndex(id) });
    await newStaff(t, { unitId: u.id, name: '导出乙', visitPermission: false });
    await newStaff(t, { name: '别的单位的人' });
    const res = await admin.get(`/api/admin/staff/export?unitId=${u.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(XLSX_MIME);
    const rows = await readXlsx(res.rawPayload);
    expect(rows[0]).toEqual(HEADER);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(['导出乙', '导出甲']);
    const a = rows.find((r) => r[0] === '导出甲')!;
    expect(a.slice(2)).toEqual([id.slice(0, 4) + '*'.repeat(10) + id.slice(-4), 'EX-1', '导出测试单位', '办公室', '101', '', '', '是']);
    expect(res.rawPayload.includes(Buffer.from(id))).toBe(false);
    const [log] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'staff.export'));
    expect(log!.detail).toMatchObject({ unitId: u.id, count: 2 });

    const before = await t.ctx.db.select().from(staff).where(eq(staff.unitId, u.id));
    const back = await upload(admin, res.rawPayload);
    expect(back.json()).toEqual({ created: 0, updated: 2 });
    const after = await t.ctx.db.select().from(staff).where(eq(staff.unitId, u.id));
    const strip = (s: typeof before) => s.map(({ updatedAt: _u, ...r }) => r).sort((x, y) => x.id.localeCompare(y.id));
    expect(strip(after)).toEqual(strip(before));
  });

  it('bad filter → 400; no session → 401', async () => {
    expect((await admin.get('/api/admin/staff/export?unitId=nope')).statusCode).toBe(400);
    expect((await new Client(t).get('/api/admin/staff/export')).statusCode).toBe(401);
  });
});
