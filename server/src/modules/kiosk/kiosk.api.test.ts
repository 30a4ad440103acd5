import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, pinInsideRateWindow, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, randomPhone } from '../../test/factories.js';
import { auditLog, buildings, kioskDevices, sessions } from '../../db/schema/index.js';
import { KIOSK_SESSION_HOURS } from './kiosk.service.js';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

async function createDevice(body: Record<string, unknown> = {}) {
  const res = await admin.post('/api/admin/kiosk-devices', { name: '一号楼大厅访客机', location: '行政中心1号楼一楼大厅', ...body });
  expect(res.statusCode).toBe(201);
  return res.json() as { device: { id: string; name: string; status: string }; token: string; qrDataUrl: string };
}

async function pairedKiosk() {
  const d = await createDevice();
  const k = new Client(t, '10.1.0.9');
  const res = await k.post('/api/kiosk/pair', { token: d.token });
  expect(res.statusCode).toBe(200);
  return { ...d, kiosk: k };
}

describe('admin: create kiosk devices (访客机设备)', () => {
  it('returns the device token once with a QR code of it, and stores only its hash', async () => {
    const [b] = await t.ctx.db.insert(buildings).values({ name: '行政中心1号楼' }).returning();
    const d = await createDevice({ buildingId: b!.id });
    expect(d.token).toMatch(/^sgk_[A-Za-z0-9_-]{43}$/);
    expect(d.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(d.device).toMatchObject({ name: '一号楼大厅访客机', location: '行政中心1号楼一楼大厅', buildingId: b!.id, buildingName: '行政中心1号楼', status: 'unpaired' });
    const [row] = await t.ctx.db.select().from(kioskDevices).where(eq(kioskDevices.id, d.device.id));
    expect(row!.tokenHash).not.toContain(d.token);
    expect(JSON.stringify(row)).not.toContain(d.token.slice(4));
    // the list never shows the token again
    const list = await admin.get('/api/admin/kiosk-devices');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(d.token.slice(4));
    expect(list.json().items.find((x: { id: string }) => x.id === d.device.id)).toMatchObject({ status: 'unpaired', pairedAt: null });
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'kiosk_device.create'), eq(auditLog.targetId, d.device.id)));
    expect(a).toBeTruthy();
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const before = (await t.ctx.db.select().from(kioskDevices)).length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '' }, 'VALIDATION_FAILED'],
      [{ name: '   ' }, 'VALIDATION_FAILED'],
      [{ name: 'x'.repeat(101) }, 'VALIDATION_FAILED'],
      [{ name: 'A', buildingId: 'not-a-uuid' }, 'VALIDATION_FAILED'],
      [{ name: 'A', buildingId: '0190a5b2-0000-7000-8000-000000000000' }, 'BUILDING_NOT_FOUND'],
    ];
    for (const [body, code] of cases) {
      const res = await admin.post('/api/admin/kiosk-devices', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect((await t.ctx.db.select().from(kioskDevices)).length).toBe(before);
  });

  it('answers 401 without a session and to staff, visitors and kiosks', async () => {
    const staffMember = await newStaff(t);
    const sessions401 = [new Client(t), await signInStaff(t, staffMember.phone), await signInVisitor(t, randomPhone(), '10.2.0.1'), (await pairedKiosk()).kiosk];
    for (const c of sessions401) {
      expect((await c.post('/api/admin/kiosk-devices', { name: 'X' })).statusCode).toBe(401);
      expect((await c.get('/api/admin/kiosk-devices')).statusCode).toBe(401);
      expect((await c.delete('/api/admin/kiosk-devices/0190a5b2-0000-7000-8000-000000000000')).statusCode).toBe(401);
    }
  });

  it('revoking an unknown device is 404; a malformed id is 400', async () => {
    const res = await admin.delete('/api/admin/kiosk-devices/0190a5b2-0000-7000-8000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await admin.delete('/api/admin/kiosk-devices/123')).statusCode).toBe(400);
  });
});

describe('kiosk pairing', () => {
  it('pairs with the token: a kiosk session of a year, paired_at set, /api/kiosk/me answers', async () => {
    const d = await createDevice();
    const k = new Client(t, '10.1.0.10');
    const res = await k.post('/api/kiosk/pair', { token: d.token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: d.device.id, name: '一号楼大厅访客机', location: '行政中心1号楼一楼大厅', timeZone: 'Asia/Shanghai' });
    const cookie = res.cookies.find((c: { name: string }) => c.name === 'sg_kiosk') as { httpOnly: boolean; expires: Date };
    expect(cookie.httpOnly).toBe(true);
    const [s] = await t.ctx.db.select().from(sessions).where(and(eq(sessions.subjectType, 'kiosk'), eq(sessions.subjectId, d.device.id)));
    const hours = (s!.expiresAt.getTime() - s!.createdAt.getTime()) / 3600_000;
    expect(Math.round(hours)).toBe(KIOSK_SESSION_HOURS);
    const [row] = await t.ctx.db.select().from(kioskDevices).where(eq(kioskDevices.id, d.device.id));
    expect(row!.pairedAt).toBeInstanceOf(Date);
    const me = await k.get('/api/kiosk/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: d.device.id, name: '一号楼大厅访客机' });
    const list = (await admin.get('/api/admin/kiosk-devices')).json();
    expect(list.items.find((x: { id: string }) => x.id === d.device.id).status).toBe('paired');
  });

  it('accepts a token pasted with surrounding spaces', async () => {
    const d = await createDevice();
    expect((await new Client(t, '10.1.0.11').post('/api/kiosk/pair', { token: `  ${d.token}\n` })).statusCode).toBe(200);
  });

  it('refuses malformed input with 400 and an unknown token with 401 DEVICE_TOKEN_INVALID', async () => {
    const c = new Client(t, '10.1.0.12');
    expect((await c.post('/api/kiosk/pair', {})).statusCode).toBe(400);
    expect((await c.post('/api/kiosk/pair', { token: 'short' })).statusCode).toBe(400);
    const res = await c.post('/api/kiosk/pair', { token: 'sgk_' + 'A'.repeat(43) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'DEVICE_TOKEN_INVALID', message: { 'zh-CN': '设备令牌无效或已停用' } });
    expect(c.cookies.has('sg_kiosk')).toBe(false);
  });

  it('a revoked device can no longer pair, and its existing session stops working at once', async () => {
    const { device, token, kiosk } = await pairedKiosk();
    expect((await kiosk.get('/api/kiosk/me')).statusCode).toBe(200);
    expect((await admin.delete(`/api/admin/kiosk-devices/${device.id}`)).statusCode).toBe(200);
    expect((await kiosk.get('/api/kiosk/me')).statusCode).toBe(401);
    const again = await new Client(t, '10.1.0.13').post('/api/kiosk/pair', { token });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('DEVICE_TOKEN_INVALID');
    const list = (await admin.get('/api/admin/kiosk-devices')).json();
    expect(list.items.find((x: { id: string }) => x.id === device.id).status).toBe('revoked');
    // revoking twice is harmless
    expect((await admin.delete(`/api/admin/kiosk-devices/${device.id}`)).statusCode).toBe(200);
  });

  it('checks revoked_at on every kiosk request, even if a session outlived the revoke', async () => {
    const { device, kiosk } = await pairedKiosk();
    await t.ctx.db.update(kioskDevices).set({ revokedAt: new Date() }).where(eq(kioskDevices.id, device.id));
    const res = await kiosk.get('/api/kiosk/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('DEVICE_TOKEN_INVALID');
  });

  it('/api/kiosk/me answers 401 without a session and to admin and staff sessions', async () => {
    const staffMember = await newStaff(t);
    for (const c of [new Client(t), admin, await signInStaff(t, staffMember.phone)]) {
      const res = await c.get('/api/kiosk/me');
      expect(res.statusCode).toBe(401);
    }
  });

  it('limits pairing attempts per IP', async () => {
    const c = new Client(t, '10.1.0.99');
    const release = pinInsideRateWindow(t, 15 * 60);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await c.post('/api/kiosk/pair', { token: `sgk_wrong-token-${i}` })).statusCode);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses[20]).toBe(429);
    } finally {
      release();
    }
  });
});
