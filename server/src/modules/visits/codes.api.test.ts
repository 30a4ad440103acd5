/** 访客预约码 (V8): confirmed orders only, own visitor only, short-lived, verifiable offline. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, jwtVerify } from 'jose';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newVisitor } from '../../test/factories.js';
import { eq } from 'drizzle-orm';
import { visitOrders } from '../../db/schema/index.js';

let t: TestApp;
let kiosk: Client;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await newAdminClient(t);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '大厅' })).json();
  kiosk = new Client(t);
  await kiosk.post('/api/kiosk/pair', { token });
});
afterAll(() => t.close());

async function confirmedOrder() {
  const host = await newStaff(t);
  const me = await newVisitor(t, { name: '陈小春' });
  const v = await signInVisitor(t, me.phone);
  const s = new Date(Date.now() + 3600_000);
  const o = (await v.post('/api/visits/appointments', { hostPhone: host.phone, reason: '洽谈', startAt: s.toISOString(), endAt: new Date(s.getTime() + 3600_000).toISOString(), companionPhones: [] })).json();
  const h = await signInStaff(t, host.phone);
  return { o, v, h };
}

describe('访客预约码 (V8; SPEC §2: only for confirmed orders, only under 我的预约)', () => {
  it('exists only once the order is confirmed; the host never gets it', async () => {
    const { o, v, h } = await confirmedOrder();
    expect((await v.get(`/api/visits/${o.id}/code`)).json().error.code).toBe('CODE_NOT_AVAILABLE');
    await h.post(`/api/visits/${o.id}/review`, { decision: 'approve' });
    const res = await v.get(`/api/visits/${o.id}/code`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ token: expect.any(String), refreshAfterSeconds: 30 });
    expect((await h.get(`/api/visits/${o.id}/code`)).statusCode).toBe(401);
    expect((await h.get(`/api/visits/${o.id}`)).json().appointmentCodeAvailable).toBe(false);
    const stranger = await signInVisitor(t, (await newVisitor(t)).phone);
    expect((await stranger.get(`/api/visits/${o.id}/code`)).statusCode).toBe(404);
  });

  it('verifies at the kiosk, expires after 60 s, and verifies offline with the public key', async () => {
    const { o, v, h } = await confirmedOrder();
    await h.post(`/api/visits/${o.id}/review`, { decision: 'approve' });
    const { token } = (await v.get(`/api/visits/${o.id}/code`)).json();
    expect((await kiosk.post('/api/codes/verify', { token })).json()).toMatchObject({ valid: true, order: { id: o.id, visitorName: '陈小春', status: 'confirmed' } });
    const jwk = (await new Client(t).get('/api/codes/public-key')).json();
    const { payload } = await jwtVerify(token, await importJWK(jwk, 'EdDSA'));
    expect(payload.o).toBe(o.id);
    t.ctx.clock.set(new Date(Date.now() + 61_000));
    try {
      expect((await kiosk.post('/api/codes/verify', { token })).json().error.code).toBe('CODE_EXPIRED');
    } finally {
      t.ctx.clock.set(null);
    }
    expect((await kiosk.post('/api/codes/verify', { token: token.slice(0, -4) + 'AAAA' })).json().error.code).toBe('CODE_INVALID');
    expect((await new Client(t).post('/api/codes/verify', { token })).statusCode).toBe(401);
  });

  it('a code of an order cancelled since is not valid', async () => {
    const { o, v, h } = await confirmedOrder();
    await h.post(`/api/visits/${o.id}/review`, { decision: 'approve' });
    const { token } = (await v.get(`/api/visits/${o.id}/code`)).json();
    await v.post(`/api/visits/${o.id}/cancel`, {});
    expect((await kiosk.post('/api/codes/verify', { token })).json()).toMatchObject({ valid: false, order: { status: 'cancelled' } });
  });

  it('an arrived visitor’s code (or slip) stays valid until they check out at the kiosk, as the gates treat it', async () => {
    const { o, v, h } = await confirmedOrder();
    await h.post(`/api/visits/${o.id}/review`, { decision: 'approve' });
    const { token } = (await v.get(`/api/visits/${o.id}/code`)).json();
    await t.ctx.db.update(visitOrders).set({ status: 'arrived', arrivedAt: new Date(), arrivedVia: 'kiosk' }).where(eq(visitOrders.id, o.id));
    expect((await kiosk.post('/api/codes/verify', { token })).json()).toMatchObject({ valid: true, reason: null, order: { status: 'arrived' } });
    // an exit gate's pass keeps it (a return the same day); a kiosk check-out ends it
    await t.ctx.db.update(visitOrders).set({ leftAt: new Date(), leftVia: 'gate' }).where(eq(visitOrders.id, o.id));
    expect((await kiosk.post('/api/codes/verify', { token })).json()).toMatchObject({ valid: true });
    await t.ctx.db.update(visitOrders).set({ leftAt: new Date(), leftVia: 'kiosk' }).where(eq(visitOrders.id, o.id));
    expect((await kiosk.post('/api/codes/verify', { token })).json()).toMatchObject({ valid: false, reason: 'CHECKED_OUT' });
  });
});
