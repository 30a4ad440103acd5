import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, pinInsideRateWindow, signInStaff, signInVisitor, lastCode, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone, validIdNumber } from '../../test/factories.js';
import { auditLog, staff, units } from '../../db/schema/index.js';

let t: TestApp;
let admin: Client;
let visitor: Client;
let staffClient: Client;
const NIL = '00000000-0000-7000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t);
  visitor = await signInVisitor(t, randomPhone());
  const s = await newStaff(t, { name: '员工甲' });
  staffClient = await signInStaff(t, s.phone);
});
afterAll(() => t.close());

const auditOf = (action: string, targetId?: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(targetId ? and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)) : eq(auditLog.action, action));

describe('admin endpoints need an admin session', () => {
  const endpoints: Array<[string, string, unknown?]> = [
    ['GET', '/api/admin/buildings'],
    ['POST', '/api/admin/buildings', { name: 'X' }],
    ['PATCH', `/api/admin/buildings/${NIL}`, { name: 'X' }],
    ['DELETE', `/api/admin/buildings/${NIL}`],
    ['GET', '/api/admin/units'],
    ['GET', `/api/admin/units/${NIL}`],
    ['POST', '/api/admin/units', { name: 'X' }],
    ['PATCH', `/api/admin/units/${NIL}`, { instructions: 'x' }],
    ['DELETE', `/api/admin/units/${NIL}`],
    ['POST', `/api/admin/units/${NIL}/departments`, { name: 'X' }],
    ['PATCH', `/api/admin/departments/${NIL}`, { name: 'X' }],
    ['DELETE', `/api/admin/departments/${NIL}`],
    ['GET', '/api/admin/staff'],
    ['POST', '/api/admin/staff', { name: 'X', phone: '13800000000', unitId: NIL }],
    ['GET', `/api/admin/staff/${NIL}`],
    ['PATCH', `/api/admin/staff/${NIL}`, { visitPermission: true }],
    ['DELETE', `/api/admin/staff/${NIL}`],
    ['GET', '/api/admin/staff/import-template'],
    ['POST', '/api/admin/staff/import', {}],
    ['GET', '/api/admin/staff/export'],
  ];
  it.each(endpoints)('%s %s: no session, visitor and staff sessions → 401', async (method, url, body) => {
    for (const c of [new Client(t), visitor, staffClient]) {
      const res = await c.req(method as 'GET', url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('AUTH_REQUIRED');
    }
  });
});

describe('buildings', () => {
  it('create, list, rename, delete; names unique; bad input 400; unknown 404', async () => {
    expect((await admin.post('/api/admin/buildings', { name: '' })).json().error.code).toBe('REQUIRED_FIELD_MISSING');
    expect((await admin.post('/api/admin/buildings', {})).statusCode).toBe(400);
    const b = (await admin.post('/api/admin/buildings', { name: '行政中心3号楼', address: '市府路5号' })).json();
    expect(b).toMatchObject({ name: '行政中心3号楼', address: '市府路5号', unitCount: 0 });
    expect((await admin.post('/api/admin/buildings', { name: '行政中心3号楼' })).json().error.code).toBe('NAME_TAKEN');
    expect((await admin.get('/api/admin/buildings')).json().items.map((x: { name: string }) => x.name)).toContain('行政中心3号楼');
    const renamed = await admin.patch(`/api/admin/buildings/${b.id}`, { name: '3号楼' });
    expect(renamed.json()).toMatchObject({ name: '3号楼', address: '市府路5号' });
    expect((await admin.patch(`/api/admin/buildings/${NIL}`, { name: 'x' })).statusCode).toBe(404);
    expect((await admin.patch('/api/admin/buildings/not-a-uuid', { name: 'x' })).statusCode).toBe(400);
    expect((await auditOf('building.create', b.id)).length).toBe(1);

    await newUnit(t, { buildingId: b.id });
    const inUse = await admin.delete(`/api/admin/buildings/${b.id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.code).toBe('IN_USE');
    const b2 = (await admin.post('/api/admin/buildings', { name: '临时楼' })).json();
    expect((await admin.delete(`/api/admin/buildings/${b2.id}`)).statusCode).toBe(200);
    expect((await admin.delete(`/api/admin/buildings/${b2.id}`)).statusCode).toBe(404);
  });
});

describe('units and departments (A1, A3)', () => {
  it('creates a unit with 办理须知 and a longest visit window; names unique', async () => {
    const res = await admin.post('/api/admin/units', { name: '市税务局', instructions: '请携带身份证。', maxVisitHours: 8 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: '市税务局', instructions: '请携带身份证。', maxVisitHours: 8, departments: [], staffCount: 0 });
    const dup = await admin.post('/api/admin/units', { name: '市税务局' });
    expect([dup.statusCode, dup.json().error.code]).toEqual([409, 'NAME_TAKEN']);
    expect((await admin.post('/api/admin/units', { name: '坏单位', maxVisitHours: 0 })).statusCode).toBe(400);
    expect((await admin.post('/api/admin/units', { name: '坏单位', buildingId: NIL })).json().error.code).toBe('BUILDING_NOT_FOUND');
  });

  it('edits 办理须知 (A3) and records who did it', async () => {
    const u = (await admin.post('/api/admin/units', { name: '市人社局' })).json();
    const res = await admin.patch(`/api/admin/units/${u.id}`, { instructions: '工作日 9:00-17:00 办理。', maxVisitHours: 4 });
    expect(res.json()).toMatchObject({ instructions: '工作日 9:00-17:00 办理。', maxVisitHours: 4, name: '市人社局' });
    expect((await admin.get(`/api/admin/units/${u.id}`)).json().instructions).toBe('工作日 9:00-17:00 办理。');
    const [a] = await auditOf('unit.update', u.id);
    expect(a).toMatchObject({ actorType: 'admin', detail: { fields: ['instructions', 'maxVisitHours'] } });
    expect((await admin.patch(`/api/admin/units/${u.id}`, { name: '市税务局' })).json().error.code).toBe('NAME_TAKEN');
    expect((await admin.get(`/api/admin/units/${NIL}`)).statusCode).toBe(404);
  });

  it('允许前台现场确认 (allowDeskConfirm, K1): off by default, switched by PATCH, a non-boolean is refused', async () => {
    const u = (await admin.post('/api/admin/units', { name: '市医保局' })).json();
    expect(u.allowDeskConfirm).toBe(false);
    expect((await admin.patch(`/api/admin/units/${u.id}`, { name: '市医保局', allowDeskConfirm: true })).json().allowDeskConfirm).toBe(true);
    expect((await admin.get(`/api/admin/units/${u.id}`)).json().allowDeskConfirm).toBe(true);
    const bad = await admin.patch(`/api/admin/units/${u.id}`, { name: '市医保局', allowDeskConfirm: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect((await admin.get(`/api/admin/units/${u.id}`)).json().allowDeskConfirm).toBe(true);
  });

  it('departments: add, rename, unique per unit; a unit with departments or staff cannot be deleted', async () => {
    const u = (await admin.post('/api/admin/units', { name: '市卫健委' })).json();
    const d = (await admin.post(`/api/admin/units/${u.id}/departments`, { name: '办公室' })).json();
    expect(d).toMatchObject({ unitId: u.id, name: '办公室', staffCount: 0 });
    expect((await admin.post(`/api/admin/units/${u.id}/departments`, { name: '办公室' })).json().error.code).toBe('NAME_TAKEN');
    expect((await admin.post(`/api/admin/units/${u.id}/departments`, { name: ' ' })).json().error.code).toBe('REQUIRED_FIELD_MISSING');
    expect((await admin.post(`/api/admin/units/${NIL}/departments`, { name: 'x' })).statusCode).toBe(404);
    expect((await admin.patch(`/api/admin/departments/${d.id}`, { name: '综合处' })).json().name).toBe('综合处');
    expect((await admin.delete(`/api/admin/units/${u.id}`)).json().error.code).toBe('IN_USE');

    const s = await newStaff(t, { unitId: u.id, departmentId: d.id });
    expect((await admin.delete(`/api/admin/departments/${d.id}`)).json().error.code).toBe('IN_USE');
    const list = (await admin.get('/api/admin/units')).json().items.find((x: { id: string }) => x.id === u.id);
    expect(list).toMatchObject({ staffCount: 1, departments: [{ name: '综合处', staffCount: 1 }] });

    expect((await admin.delete(`/api/admin/staff/${s.id}`)).statusCode).toBe(200);
    expect((await admin.delete(`/api/admin/departments/${d.id}`)).statusCode).toBe(200);
    expect((await admin.delete(`/api/admin/departments/${d.id}`)).statusCode).toBe(404);
    // the deleted staff member's history still points at the unit
    expect((await admin.delete(`/api/admin/units/${u.id}`)).json().error.code).toBe('IN_USE');
    const empty = (await admin.post('/api/admin/units', { name: '空单位' })).json();
    expect((await admin.delete(`/api/admin/units/${empty.id}`)).statusCode).toBe(200);
    expect(await t.ctx.db.select().from(units).where(eq(units.id, empty.id))).toEqual([]);
  });
});

describe('staff (A1)', () => {
  it('creates a staff member: ID encrypted with a blind index, masked in answers, password hashed, audited', async () => {
    const u = await newUnit(t);
    const id = validIdNumber(11);
    const phone = randomPhone();
    const res = await admin.post('/api/admin/staff', {
      name: '姜柠檬', phone, idType: 'prc_id', idNumber: id, employeeNo: 'A-001', unitId: u.id, departmentId: u.departmentId,
      officeRoom: '1208', officePhone: '0577-88880000', position: '科员', visitPermission: true, roles: ['staff', 'undertaker'], password: 'staff-pass-1',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ name: '姜柠檬', phone, idType: 'prc_id', idNumberMasked: id.slice(0, 4) + '**********' + id.slice(-4), unitName: u.name, departmentName: '办公室', visitPermission: true, roles: ['staff', 'undertaker'], hasPassword: true });
    expect(JSON.stringify(body)).not.toContain(id);
    expect(body).not.toHaveProperty('passwordHash');
    const [row] = await t.ctx.db.select().from(staff).where(eq(staff.id, body.id));
    expect(row!.idNumberEnc).not.toContain(id.slice(6, 14));
    expect(t.ctx.crypto.decrypt(row!.idNumberEnc!)).toBe(id);
    expect(row!.idNumberIdx).toBe(t.ctx.crypto.blindIndex(id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect((await auditOf('staff.create', body.id)).length).toBe(1);
    // the password works in the staff app
    expect((await new Client(t).post('/api/auth/staff/login', { phone, password: 'staff-pass-1' })).statusCode).toBe(200);
  });

  it.each<[string, Record<string, unknown>, number, string]>([
    ['phone not 11 digits', { phone: '1380000' }, 400, 'PHONE_INVALID'],
    ['ID checksum', { idNumber: validIdNumber(5).slice(0, 17) + 'Y' }, 400, 'ID_NUMBER_INVALID'],
    ['passport format', { idType: 'passport', idNumber: '#1' }, 400, 'DOCUMENT_NUMBER_INVALID'],
    ['short password', { password: 'short' }, 400, 'PASSWORD_TOO_WEAK'],
    ['unknown role', { roles: ['king'] }, 400, 'VALIDATION_FAILED'],
    ['empty name', { name: '  ' }, 400, 'REQUIRED_FIELD_MISSING'],
    ['unknown unit', { unitId: NIL }, 400, 'UNIT_NOT_FOUND'],
    ['not a uuid', { unitId: 'x' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s and stores nothing', async (_n, patch, status, code) => {
    const u = await newUnit(t);
    const phone = randomPhone();
    const res = await admin.post('/api/admin/staff', { name: '测试', phone, unitId: u.id, ...patch });
    expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
    expect(await t.ctx.db.select().from(staff).where(eq(staff.phone, String(patch.phone ?? phone)))).toEqual([]);
  });

  it('refuses a department of another unit, a taken phone and a taken employee no', async () => {
    const u1 = await newUnit(t);
    const u2 = await newUnit(t);
    const dept = await admin.post('/api/admin/staff', { name: '甲', phone: randomPhone(), unitId: u1.id, departmentId: u2.departmentId });
    expect(dept.json().error.code).toBe('DEPARTMENT_NOT_IN_UNIT');
    const s = await newStaff(t, { unitId: u1.id, employeeNo: 'TAKEN-1' });
    const p = await admin.post('/api/admin/staff', { name: '乙', phone: s.phone, unitId: u1.id });
    expect([p.statusCode, p.json().error.code]).toEqual([409, 'PHONE_TAKEN']);
    const e = await admin.post('/api/admin/staff', { name: '丙', phone: randomPhone(), unitId: u1.id, employeeNo: 'TAKEN-1' });
    expect([e.statusCode, e.json().error.code]).toEqual([409, 'EMPLOYEE_NO_TAKEN']);
  });

  it('lists with paging, search by name / phone / employee no, filters by unit, department and permission', async () => {
    const u = await newUnit(t);
    const other = await newUnit(t);
    await newStaff(t, { unitId: u.id, name: '赵一', employeeNo: 'Q-1', visitPermission: true, departmentId: u.departmentId });
    const s2 = await newStaff(t, { unitId: u.id, name: '赵二', visitPermission: false, idNumberEnc: t.ctx.crypto.encrypt(validIdNumber(7)) });
    await newStaff(t, { unitId: u.id, name: '钱三', visitPermission: true });
    await newStaff(t, { unitId: other.id, name: '赵四' });
    const q = (s: string) => admin.get(`/api/admin/staff?${s}`).then((r) => r.json());
    expect((await q(`unitId=${u.id}`)).total).toBe(3);
    expect((await q(`unitId=${u.id}&q=赵`)).items.map((x: { name: string }) => x.name).sort()).toEqual(['赵一', '赵二']);
    expect((await q(`q=${s2.phone.slice(3)}`)).items.map((x: { id: string }) => x.id)).toEqual([s2.id]);
    expect((await q('q=Q-1')).items.map((x: { name: string }) => x.name)).toEqual(['赵一']);
    expect((await q(`unitId=${u.id}&visitPermission=false`)).items.map((x: { name: string }) => x.name)).toEqual(['赵二']);
    expect((await q(`unitId=${u.id}&departmentId=${u.departmentId}`)).items.map((x: { name: string }) => x.name)).toEqual(['赵一']);
    const page = await q(`unitId=${u.id}&page=2&pageSize=2`);
    expect([page.total, page.items.length, page.page]).toEqual([3, 1, 2]);
    const masked = (await q(`q=${s2.phone}`)).items[0];
    expect(masked.idNumberMasked).toMatch(/^3303\*{10}\d{3}[\dX]$/);
    expect((await admin.get('/api/admin/staff?pageSize=1000')).statusCode).toBe(400);
    expect((await admin.get('/api/admin/staff?visitPermission=maybe')).statusCode).toBe(400);
    expect((await auditOf('staff.list')).length).toBeGreaterThan(0);
  });

  it('reading one staff member is audited as staff.read in the same transaction; unknown → 404', async () => {
    const s = await newStaff(t);
    const res = await admin.get(`/api/admin/staff/${s.id}`);
    expect(res.json()).toMatchObject({ id: s.id, name: s.name });
    expect((await auditOf('staff.read', s.id)).length).toBe(1);
    expect((await admin.get(`/api/admin/staff/${NIL}`)).statusCode).toBe(404);
    expect((await admin.get('/api/admin/staff/abc')).statusCode).toBe(400);
  });

  it('updates any subset: the 访问权限 switch, phone uniqueness, moving unit drops the old department, ID removal', async () => {
    const u = await newUnit(t);
    const u2 = await newUnit(t);
    const s = await newStaff(t, { unitId: u.id, departmentId: u.departmentId, visitPermission: false });
    const on = await admin.patch(`/api/admin/staff/${s.id}`, { visitPermission: true });
    expect(on.json()).toMatchObject({ visitPermission: true, name: s.name, departmentId: u.departmentId });
    const [a] = await auditOf('staff.update', s.id);
    expect(a!.detail).toMatchObject({ fields: ['visitPermission'], visitPermission: true });
    const moved = await admin.patch(`/api/admin/staff/${s.id}`, { unitId: u2.id });
    expect(moved.json()).toMatchObject({ unitId: u2.id, departmentId: null });
    const other = await newStaff(t);
    expect((await admin.patch(`/api/admin/staff/${s.id}`, { phone: other.phone })).json().error.code).toBe('PHONE_TAKEN');
    expect((await admin.patch(`/api/admin/staff/${s.id}`, { departmentId: u.departmentId })).json().error.code).toBe('DEPARTMENT_NOT_IN_UNIT');
    const withId = await admin.patch(`/api/admin/staff/${s.id}`, { idNumber: validIdNumber(3) });
    expect(withId.json().idNumberMasked).toMatch(/\*/);
    const kept = await admin.patch(`/api/admin/staff/${s.id}`, { position: '处长' });
    expect(kept.json()).toMatchObject({ position: '处长', idNumberMasked: withId.json().idNumberMasked });
    expect((await admin.patch(`/api/admin/staff/${s.id}`, { idNumber: null })).json().idNumberMasked).toBeNull();
    expect((await admin.patch(`/api/admin/staff/${NIL}`, { position: 'x' })).statusCode).toBe(404);
    expect((await admin.patch(`/api/admin/staff/${s.id}`, { password: '1234567' })).json().error.code).toBe('PASSWORD_TOO_WEAK');
  });

  it('deletes softly: gone from lists and sign-in, phone free again, history kept', async () => {
    const s = await newStaff(t, { password: 'pass-word-1' });
    expect((await admin.delete(`/api/admin/staff/${s.id}`)).statusCode).toBe(200);
    expect((await admin.get(`/api/admin/staff/${s.id}`)).statusCode).toBe(404);
    expect((await admin.delete(`/api/admin/staff/${s.id}`)).statusCode).toBe(404);
    const [row] = await t.ctx.db.select().from(staff).where(eq(staff.id, s.id));
    expect(row!.deletedAt).not.toBeNull();
    expect((await new Client(t).post('/api/auth/staff/login', { phone: s.phone, password: 'pass-word-1' })).json().error.code).toBe('LOGIN_FAILED');
    const again = await admin.post('/api/admin/staff', { name: '新同事', phone: s.phone, unitId: s.unitId });
    expect(again.statusCode).toBe(200);
    expect((await auditOf('staff.delete', s.id)).length).toBe(1);
  });
});

describe('host lookup (phone → masked host)', () => {
  it('finds staff with 访问权限 on, masked; off, deleted and unknown all get the same 无此受访人', async () => {
    const u = await newUnit(t);
    const host = await newStaff(t, { name: '姜柠檬', unitId: u.id, departmentId: u.departmentId, visitPermission: true });
    const res = await visitor.post('/api/hosts/lookup', { phone: host.phone });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ hostId: host.id, maskedName: '姜*檬', unitId: u.id, unitName: u.name, departmentName: '办公室' });
    expect(res.body).not.toContain('姜柠檬');

    const off = await newStaff(t, { visitPermission: false });
    const deleted = await newStaff(t, { visitPermission: true });
    await admin.delete(`/api/admin/staff/${deleted.id}`);
    const bodies = [];
    for (const phone of [off.phone, deleted.phone, randomPhone()]) {
      const r = await visitor.post('/api/hosts/lookup', { phone });
      expect(r.statusCode).toBe(404);
      bodies.push(r.body);
    }
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!).error).toEqual({ code: 'HOST_NOT_FOUND', message: { 'zh-CN': '无此受访人', en: 'No such host' } });
  });

  it('works for staff and for a verified-phone (registering) session; not without one; bad phone 400', async () => {
    const host = await newStaff(t, { visitPermission: true });
    expect((await staffClient.post('/api/hosts/lookup', { phone: host.phone })).statusCode).toBe(200);
    const device = (await admin.post('/api/admin/kiosk-devices', { name: '大厅访客机' })).json();
    const kiosk = new Client(t);
    expect((await kiosk.post('/api/kiosk/pair', { token: device.token })).statusCode).toBe(200);
    expect((await kiosk.post('/api/hosts/lookup', { phone: host.phone })).json()).toMatchObject({ hostId: host.id });
    const phoneOnly = new Client(t);
    const p = randomPhone();
    await phoneOnly.post('/api/auth/sms-codes', { phone: p, purpose: 'visitor_login' });
    await phoneOnly.post('/api/auth/visitor/login', { phone: p, code: await lastCode(t, p) });
    expect((await phoneOnly.post('/api/hosts/lookup', { phone: host.phone })).statusCode).toBe(200);
    expect((await new Client(t).post('/api/hosts/lookup', { phone: host.phone })).statusCode).toBe(401);
    expect((await admin.post('/api/hosts/lookup', { phone: host.phone })).statusCode).toBe(401);
    expect((await visitor.post('/api/hosts/lookup', { phone: '12345' })).json().error.code).toBe('PHONE_INVALID');
    expect((await visitor.post('/api/hosts/lookup', {})).statusCode).toBe(400);
  });

  it('is rate-limited per session', async () => {
    const c = await signInVisitor(t, randomPhone(), '10.7.7.7');
    const host = await newStaff(t, { visitPermission: true });
    const release = pinInsideRateWindow(t, 60);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await c.post('/api/hosts/lookup', { phone: host.phone })).statusCode);
      expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
      expect(statuses[30]).toBe(429);
      // another session is not affected
      expect((await visitor.post('/api/hosts/lookup', { phone: host.phone })).statusCode).toBe(200);
    } finally {
      release();
    }
  });
});

describe('staff own profile (S9)', () => {
  it('shows the signed-in staff member their own data, ID number in full and masked', async () => {
    const u = await newUnit(t);
    const id = validIdNumber(42);
    const s = await newStaff(t, { name: '孙悟空', unitId: u.id, departmentId: u.departmentId, employeeNo: 'S-9', officeRoom: '808', idType: 'prc_id', idNumberEnc: t.ctx.crypto.encrypt(id) });
    const c = await signInStaff(t, s.phone);
    const res = await c.get('/api/staff/me/profile');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: s.id, name: '孙悟空', phone: s.phone, unitName: u.name, departmentName: '办公室', employeeNo: 'S-9', officeRoom: '808', idType: 'prc_id', idNumber: id, idNumberMasked: id.slice(0, 4) + '*'.repeat(10) + id.slice(-4), visitPermission: true, roles: ['staff'] });
    expect((await new Client(t).get('/api/staff/me/profile')).statusCode).toBe(401);
    expect((await visitor.get('/api/staff/me/profile')).statusCode).toBe(401);
    expect((await admin.get('/api/staff/me/profile')).statusCode).toBe(401);
  });
});
