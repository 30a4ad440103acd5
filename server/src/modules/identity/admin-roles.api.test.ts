import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Client } from '../../test/harness.js';
import { newAdminClient, newUnit } from '../../test/factories.js';
import { admins } from '../../db/schema/index.js';
import { eq } from 'drizzle-orm';

let t: TestApp;
let system: Client;
let unitAdmin: Client;
beforeAll(async () => {
  t = await createTestApp();
  system = await newAdminClient(t);
  const u = await newUnit(t);
  unitAdmin = await newAdminClient(t, undefined, undefined, u.id);
});
afterAll(() => t.close());

describe('administrator roles (A10)', () => {
  it('a 单位管理员 gets 403 SYSTEM_ADMIN_ONLY on system pages, before the body is read; a 系统管理员 does not', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin/devices'],
      ['GET', '/api/admin/jobs'],
      ['GET', '/api/admin/sms-outbox'],
      ['GET', '/api/admin/audit'],
      ['POST', '/api/admin/buildings'],
      ['POST', '/api/admin/units'],
    ] as const) {
      const res = await unitAdmin.req(method, url, method === 'POST' ? { nonsense: 1 } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
      expect(res.json().error.message['zh-CN']).toBe('仅系统管理员可以使用此功能');
      const sys = await system.req(method, url, method === 'POST' ? { nonsense: 1 } : undefined);
      expect([200, 400], `${method} ${url}`).toContain(sys.statusCode);
    }
  });

  it('an administrator that is disabled is signed out at once', async () => {
    const u = await newUnit(t);
    const c = await newAdminClient(t, 'to-disable', undefined, u.id);
    expect((await c.get('/api/auth/me?scope=admin')).statusCode).toBe(200);
    await t.ctx.db.update(admins).set({ disabledAt: new Date() }).where(eq(admins.username, 'to-disable'));
    expect((await c.get('/api/auth/me?scope=admin')).statusCode).toBe(401);
  });

  it('the database refuses a 单位管理员 without a unit', async () => {
    await expect(t.ctx.db.insert(admins).values({ username: 'nounit', passwordHash: 'x', role: 'unit' })).rejects.toThrow();
  });
});

describe('me', () => {
  it('tells the admin console the role and unit', async () => {
    const u = await newUnit(t, { name: '角色测试单位' });
    const c = await newAdminClient(t, 'unit-me', undefined, u.id);
    expect((await c.get('/api/auth/me?scope=admin')).json().admin).toMatchObject({ role: 'unit', unitId: u.id, unitName: '角色测试单位', twoFactor: false });
    expect((await system.get('/api/auth/me?scope=admin')).json().admin).toMatchObject({ role: 'system', unitId: null });
  });

  it('a disabled administrator cannot sign in', async () => {
    await t.ctx.db.update(admins).set({ disabledAt: new Date() }).where(eq(admins.username, 'unit-me'));
    const { Client } = await import('../../test/harness.js');
    const res = await new Client(t).post('/api/auth/admin/login', { username: 'unit-me', password: 'admin-password-1' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('LOGIN_FAILED');
  });
});

describe("a 单位管理员's own unit", () => {
  it('they save its visit settings (the form sends the unchanged name too) but cannot rename it or move it to a building', async () => {
    const u = await newUnit(t, { name: '自己的单位' });
    const c = await newAdminClient(t, undefined, undefined, u.id);
    const ok = await c.patch(`/api/admin/units/${u.id}`, { name: '自己的单位', code: null, buildingId: null, sortOrder: 0, maxVisitHours: 8, allowDeskConfirm: true, instructions: '请带身份证' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ maxVisitHours: 8, allowDeskConfirm: true, instructions: '请带身份证' });
    const rename = await c.patch(`/api/admin/units/${u.id}`, { name: '改个名字' });
    expect(rename.statusCode).toBe(403);
    expect(rename.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    expect((await system.get(`/api/admin/units/${u.id}`)).json().name).toBe('自己的单位');
  });
});
