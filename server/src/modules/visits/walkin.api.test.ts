/** The review table's walk-in row and K1 at the kiosk: desk confirmation or host review. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { consents, photoUploads, units, visitors } from '../../db/schema/index.js';
import { makeImage, multipart } from '../../test/images.js';
import { FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';
import { withIdCheckDigit } from '../../db/seed-demo.js';

let t: TestApp;
let kiosk: Client;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await newAdminClient(t);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '1号楼大厅' })).json();
  kiosk = new Client(t);
  expect((await kiosk.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
});
afterAll(() => t.close());

const walkIn = (hostId: string, extra: Record<string, unknown> = {}) => ({
  name: '周杰',
  idType: 'prc_id',
  idNumber: validIdNumber(301),
  phone: randomPhone(),
  hostId,
  reason: '递交材料',
  ...extra,
});

describe('walk-in (review table row: the host, or confirmed at the desk where the unit allows it)', () => {
  it('unit without desk confirmation: the walk-in waits for the host, who approves in the staff app', async () => {
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
    const res = await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id));
    expect(res.statusCode).toBe(201);
    const { order } = res.json();
    expect(order).toMatchObject({ kind: 'walk_in', status: 'pending', host: { name: '姜*檬' } });
    const hostClient = await signInStaff(t, host.phone);
    expect((await hostClient.get('/api/approvals/visits?tab=pending')).json().items.map((x: { id: string }) => x.id)).toContain(order.id);
    expect((await hostClient.post(`/api/visits/${order.id}/review`, { decision: 'approve' })).json().status).toBe('confirmed');
  });

  it('unit with desk confirmation: confirmed at once; the visitor is registered in the library from the details', async () => {
    const unit = await newUnit(t);
    await t.ctx.db.update(units).set({ allowDeskConfirm: true }).where(eq(units.id, unit.id));
    const host = await newStaff(t, { unitId: unit.id });
    const body = walkIn(host.id, { temperature: 36.5, visitType: '公务' });
    const { order } = (await kiosk.post('/api/kiosk/walk-ins', body)).json();
    expect(order.status).toBe('confirmed');
    expect(order.remark).toContain('体温：36.5℃');
    const [v] = await t.ctx.db.select().from(visitors).where(eq(visitors.phone, body.phone as string));
    expect(v).toMatchObject({ name: '周杰', registeredVia: 'kiosk' });
  });

  it('a blocked visitor is refused at the kiosk', async () => {
    const host = await newStaff(t);
    const v = await newVisitor(t, { blocked: true });
    const res = await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { phone: v.phone }));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('VISITOR_BLOCKED');
  });

  it('a host without visit permission is not found; bad ID → ID_NUMBER_INVALID; nothing stored', async () => {
    const off = await newStaff(t, { visitPermission: false });
    expect((await kiosk.post('/api/kiosk/walk-ins', walkIn(off.id))).json().error.code).toBe('HOST_NOT_FOUND');
    const host = await newStaff(t);
    const phone = randomPhone();
    expect((await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { phone, idNumber: '110105194912310021' }))).json().error.code).toBe('ID_NUMBER_INVALID');
    expect(await t.ctx.db.select().from(visitors).where(eq(visitors.phone, phone))).toHaveLength(0);
  });

  it('替换注册照片: the photo taken at the kiosk (after consent) replaces the library photo', async () => {
    const host = await newStaff(t);
    const v = await newVisitor(t);
    const { payload, headers } = await multipart({ consentVersion: FACE_CONSENT_VERSION }, { data: await makeImage({ width: 200, height: 260, format: 'png' }), name: 'p.png', type: 'image/png' });
    const up = await kiosk.req('POST', '/api/kiosk/photos', payload, headers);
    expect(up.statusCode).toBe(200);
    const res = await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { phone: v.phone, photoUploadId: up.json().uploadId, replacePhoto: true }));
    expect(res.statusCode).toBe(201);
    const [after] = await t.ctx.db.select().from(visitors).where(eq(visitors.id, v.id));
    expect(after!.photoKey).toBeTruthy();
    expect(await t.ctx.db.select().from(consents).where(eq(consents.subjectId, v.id))).toHaveLength(1);
  });

  it('a photo taken but not kept (the visitor has one and 替换注册照片 is off): the library photo stays, the taken one is deleted', async () => {
    const host = await newStaff(t);
    const v = await newVisitor(t);
    await t.ctx.storage.put('faces/kept-by-walkin-test', Buffer.from('library photo'));
    await t.ctx.db.update(visitors).set({ photoKey: 'faces/kept-by-walkin-test' }).where(eq(visitors.id, v.id));
    const { payload, headers } = await multipart({ consentVersion: FACE_CONSENT_VERSION }, { data: await makeImage({ width: 200, height: 260, format: 'png' }), name: 'p.png', type: 'image/png' });
    const up = await kiosk.req('POST', '/api/kiosk/photos', payload, headers);
    const [taken] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, up.json().uploadId));
    expect(await t.ctx.storage.get(taken!.storageKey)).not.toBeNull();
    const res = await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { phone: v.phone, photoUploadId: up.json().uploadId }));
    expect(res.statusCode).toBe(201);
    const [after] = await t.ctx.db.select().from(visitors).where(eq(visitors.id, v.id));
    expect(after!.photoKey).toBe('faces/kept-by-walkin-test');
    expect(await t.ctx.storage.get(taken!.storageKey)).toBeNull();
    // the upload is used up: a second walk-in cannot take it
    expect((await kiosk.post('/api/kiosk/walk-ins', walkIn(host.id, { phone: v.phone, photoUploadId: up.json().uploadId }))).json().error.code).toBe('UPLOAD_NOT_FOUND');
  });

  it('当日访客来访 and 访客最后来访 let the desk reuse details; IDs masked', async () => {
    const host = await newStaff(t, { name: '王芳' });
    const body = walkIn(host.id);
    await kiosk.post('/api/kiosk/walk-ins', body);
    const today = (await kiosk.get('/api/kiosk/walk-ins/today')).json().items;
    expect(today[0]).toMatchObject({ name: '周杰', hostName: '王*', idNumberMasked: expect.stringMatching(/^3303\*+\d{3}[\dX]$/) });
    const last = (await kiosk.post('/api/kiosk/visitors/last', { phone: body.phone })).json();
    expect(last).toMatchObject({ visitor: { name: '周杰', blocked: false }, lastVisit: { hostId: host.id, reason: '递交材料' } });
  });

  it('访客最后来访 by ID number: the number travels in the POST body, never the URL; nobody registered → an empty answer, not an error', async () => {
    const host = await newStaff(t);
    const idNumber = withIdCheckDigit('11010519850307123');
    const body = walkIn(host.id, { name: '林一', idNumber });
    expect((await kiosk.post('/api/kiosk/walk-ins', body)).statusCode).toBe(201);
    const found = await kiosk.post('/api/kiosk/visitors/last', { idNumber });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ visitor: { name: '林一', phone: body.phone, idNumberMasked: expect.stringMatching(/^1101\*+/) }, lastVisit: { hostId: host.id } });
    // the old query form (an ID number in a URL that proxies log) is gone
    expect((await kiosk.get(`/api/kiosk/visitors/last?idNumber=${idNumber}`)).statusCode).toBe(404);
    for (const by of [{ phone: randomPhone() }, { idNumber: withIdCheckDigit('11010519850307999') }]) {
      const none = await kiosk.post('/api/kiosk/visitors/last', by);
      expect(none.statusCode).toBe(200);
      expect(none.json()).toEqual({ visitor: null, lastVisit: null });
    }
    expect((await kiosk.post('/api/kiosk/visitors/last', {})).json().error.code).toBe('VALIDATION_FAILED');
    expect((await new Client(t).post('/api/kiosk/visitors/last', { idNumber })).statusCode).toBe(401);
  });

  it('host search by name or phone shows department and office; only hosts with visit permission', async () => {
    const unit = await newUnit(t);
    await newStaff(t, { unitId: unit.id, name: '欧阳娜娜', officeRoom: '1203', officePhone: '0577-88880000' });
    await newStaff(t, { unitId: unit.id, name: '欧阳无权', visitPermission: false });
    const items = (await kiosk.get(`/api/kiosk/hosts?q=${encodeURIComponent('欧阳')}`)).json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: '欧**娜', officeRoom: '1203', officePhone: '0577-88880000' });
  });

  it('no kiosk session → 401; bad input → 400', async () => {
    expect((await new Client(t).get('/api/kiosk/walk-ins/today')).statusCode).toBe(401);
    const host = await newStaff(t);
    expect((await new Client(t).post('/api/kiosk/walk-ins', walkIn(host.id))).statusCode).toBe(401);
    expect((await kiosk.post('/api/kiosk/walk-ins', { name: '' })).json().error.code).toBe('VALIDATION_FAILED');
  });
});
