/**
 * 访客凭条 (X6): the kiosk prints a code that the gates accept for the order's whole window (the
 * visitor's on-screen code lives 60 s), refused before the window and after it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff } from '../../test/factories.js';
import { deviceToken } from '../access/access.service.js';
import { confirmedVisit } from '../access/test-helpers.js';

let t: TestApp;
let admin: Client;
let kiosk: Client;
const T0 = new Date('2026-11-25T01:00:00Z'); // 09:00 in Shanghai
const MIN = 60_000;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(T0);
  admin = await newAdminClient(t);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '1号楼大厅' })).json();
  kiosk = new Client(t);
  expect((await kiosk.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
});
afterAll(() => t.close());

let seq = 0;
async function scene() {
  t.ctx.clock.set(T0);
  const s = await confirmedVisit(t);
  const gate = (await admin.post('/api/admin/devices', { name: `凭条闸机${seq++}`, kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds: [s.building.id], direction: 'in', enabled: true })).json() as { id: string };
  const scan = async (qrToken: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` }, payload: { method: 'qr', result: 'granted', qrToken } })).json();
  return { ...s, scan };
}

describe('visitor slip code (X6)', () => {
  it('a slip printed in the morning opens the gate inside the window, hours after it was printed', async () => {
    const s = await scene();
    const res = await kiosk.post(`/api/kiosk/visits/${s.order.id}/slip`, {});
    expect(res.statusCode).toBe(200);
    const slip = res.json();
    expect(slip).toMatchObject({ hostName: '姜*檬', startAt: s.start.toISOString(), endAt: s.end.toISOString(), expiresAt: s.end.toISOString() });
    t.ctx.clock.set(new Date(s.start.getTime() + 30 * MIN));
    expect(await s.scan(slip.token)).toMatchObject({ result: 'granted', arrived: true });
  });

  it('the same slip is refused before the window starts and once it has ended', async () => {
    const s = await scene();
    const { token } = (await kiosk.post(`/api/kiosk/visits/${s.order.id}/slip`, {})).json();
    t.ctx.clock.set(new Date(s.start.getTime() - 30 * MIN));
    expect(await s.scan(token)).toMatchObject({ result: 'denied', arrived: false, note: 'OUTSIDE_WINDOW' });
    t.ctx.clock.set(new Date(s.end.getTime() + MIN));
    expect(await s.scan(token)).toMatchObject({ result: 'denied', arrived: false, note: 'CODE_EXPIRED' });
  });

  it('only a kiosk gets a slip, only for a confirmed order whose window has not ended', async () => {
    const s = await scene();
    expect((await s.visitor.post(`/api/kiosk/visits/${s.order.id}/slip`, {})).statusCode).toBe(401);
    expect((await kiosk.post('/api/kiosk/visits/00000000-0000-4000-8000-000000000000/slip', {})).json().error.code).toBe('NOT_FOUND');
    t.ctx.clock.set(new Date(s.end.getTime() + MIN));
    expect((await kiosk.post(`/api/kiosk/visits/${s.order.id}/slip`, {})).json().error.code).toBe('CODE_NOT_AVAILABLE');
    t.ctx.clock.set(T0);
    const host = await newStaff(t);
    const pending = await s.visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '送材料', startAt: s.start.toISOString(), endAt: s.end.toISOString(), companionPhones: [], idempotencyKey: `slip-${Date.now()}` });
    expect(pending.statusCode).toBe(201);
    const r = await kiosk.post(`/api/kiosk/visits/${pending.json().id}/slip`, {});
    expect([r.statusCode, r.json().error.code]).toEqual([409, 'CODE_NOT_AVAILABLE']);
  });
});
