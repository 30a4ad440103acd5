/**
 * K1 walk-ins exactly once: the kiosk's offline queue sends each registration with its own
 * idempotency key, and sends it again when an answer was lost — one order, whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, randomPhone, validIdNumber } from '../../test/factories.js';
import { visitOrders, visitors } from '../../db/schema/index.js';
import { makeImage, multipart } from '../../test/images.js';
import { FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';

let t: TestApp;
let kiosk: Client;
let otherKiosk: Client;
async function pairedKiosk(admin: Client, name: string) {
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name })).json();
  const c = new Client(t);
  expect((await c.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
  return c;
}
beforeAll(async () => {
  t = await createTestApp();
  const admin = await newAdminClient(t);
  kiosk = await pairedKiosk(admin, '1号楼大厅');
  otherKiosk = await pairedKiosk(admin, '2号楼大厅');
});
afterAll(() => t.close());

const walkIn = (hostId: string, extra: Record<string, unknown> = {}) => ({
  name: '周杰',
  idType: 'prc_id',
  idNumber: validIdNumber(302),
  phone: randomPhone(),
  hostId,
  reason: '递交材料',
  idempotencyKey: randomUUID(),
  ...extra,
});
async function ordersOf(phone: string) {
  return t.ctx.db.select().from(visitOrders).where(eq(visitOrders.visitorPhone, phone));
}

describe('walk-in with an idempotency key (the offline queue)', () => {
  it('the same key twice: one order, one visitor; the second answer is the first order with replay: true', async () => {
    const host = await newStaff(t);
    const body = walkIn(host.id);
    const first = await kiosk.post('/api/kiosk/walk-ins', body);
    expect(first.statusCode).toBe(201);
    expect(first.json().replay).toBeUndefined();
    const again = await kiosk.post('/api/kiosk/walk-ins', body);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ order: { id: first.json().order.id, status: 'pending', kind: 'walk_in' }, visitor: { name: '周杰', blocked: false }, replay: true });
    expect(await ordersOf(body.phone)).toHaveLength(1);
    expect(await t.ctx.db.select().from(visitors).where(eq(visitors.phone, body.phone))).toHaveLength(1);
  });

  it('two sent at once with the same key (a retry racing the first): one order, both answered with it', async () => {
    const host = await newStaff(t);
    const body = walkIn(host.id);
    const [a, b] = await Promise.all([kiosk.post('/api/kiosk/walk-ins', body), kiosk.post('/api/kiosk/walk-ins', body)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().order.id).toBe(b.json().order.id);
    expect([a.json().replay, b.json().replay].filter(Boolean)).toHaveLength(1);
    expect(await ordersOf(body.phone)).toHaveLength(1);
  });

  it('a replay with the photo already used answers the first order (not UPLOAD_NOT_FOUND)', async () => {
    const host = await newStaff(t);
    const { payload, headers } = await multipart({ consentVersion: FACE_CONSENT_VERSION }, { data: await makeImage({ width: 200, height: 260, format: 'png' }), name: 'p.png', type: 'image/png' });
    const up = await kiosk.req('POST', '/api/kiosk/photos', payload, headers);
    expect(up.statusCode).toBe(200);
    const body = walkIn(host.id, { photoUploadId: up.json().uploadId });
    const first = await kiosk.post('/api/kiosk/walk-ins', body);
    expect(first.statusCode).toBe(201);
    const again = await kiosk.post('/api/kiosk/walk-ins', body);
    expect(again.statusCode).toBe(201);
    expect(again.json().order.id).toBe(first.json().order.id);
    // without a key, the used photo is refused as before
    const { idempotencyKey: _, ...noKey } = body;
    expect((await kiosk.post('/api/kiosk/walk-ins', noKey)).json().error.code).toBe('UPLOAD_NOT_FOUND');
  });

  it('the answer follows the order: replayed after the host approved, it says confirmed', async () => {
    const host = await newStaff(t);
    const body = walkIn(host.id);
    const { order } = (await kiosk.post('/api/kiosk/walk-ins', body)).json();
    await t.ctx.db.update(visitOrders).set({ status: 'confirmed' }).where(eq(visitOrders.id, order.id));
    expect((await kiosk.post('/api/kiosk/walk-ins', body)).json()).toMatchObject({ order: { id: order.id, status: 'confirmed' }, replay: true });
  });

  it('a refused registration stores nothing: sent again with the same key after the cause is fixed, it is registered', async () => {
    const off = await newStaff(t, { visitPermission: false });
    const body = walkIn(off.id);
    expect((await kiosk.post('/api/kiosk/walk-ins', body)).json().error.code).toBe('HOST_NOT_FOUND');
    const host = await newStaff(t);
    const res = await kiosk.post('/api/kiosk/walk-ins', { ...body, hostId: host.id });
    expect(res.statusCode).toBe(201);
    expect(res.json().replay).toBeUndefined();
    expect(await ordersOf(body.phone)).toHaveLength(1);
  });

  it('keys are per kiosk: another kiosk using the same key registers its own visitor', async () => {
    const host = await newStaff(t);
    const key = randomUUID();
    const a = await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { idempotencyKey: key }));
    const b = await otherKiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { idempotencyKey: key }));
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().order.id).not.toBe(b.json().order.id);
  });

  it('a key shorter than 8 or longer than 100 characters → 400 VALIDATION_FAILED, nothing stored', async () => {
    const host = await newStaff(t);
    for (const idempotencyKey of ['short', 'x'.repeat(101)]) {
      const body = walkIn(host.id, { idempotencyKey });
      const res = await kiosk.post('/api/kiosk/walk-ins', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(await ordersOf(body.phone)).toHaveLength(0);
    }
  });
});

describe('the host list the kiosk keeps for an offline search', () => {
  it('hosts with visit permission, full names for the search, no phones; kiosk session only', async () => {
    const host = await newStaff(t, { name: '欧阳离线', officeRoom: '808' });
    await newStaff(t, { name: '欧阳无权限', visitPermission: false });
    const res = await kiosk.get('/api/kiosk/hosts/offline');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<Record<string, unknown>>;
    expect(items.find((h) => h.id === host.id)).toMatchObject({ name: '欧阳离线', officeRoom: '808' });
    expect(items.some((h) => h.name === '欧阳无权限')).toBe(false);
    expect(JSON.stringify(items)).not.toContain(host.phone);
    expect((await new Client(t).get('/api/kiosk/hosts/offline')).statusCode).toBe(401);
  });
});
