/**
 * Issue 8 point 5: bad bytes never give a 500. One guard refuses text with U+0000, other C0
 * controls or lone surrogates (400 TEXT_INVALID) wherever the API takes a string; a broken
 * multipart body is 400 UPLOAD_INVALID on every upload route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { Client, createTestApp, signInVisitor, type TestApp } from '../test/harness.js';
import { newAdminClient, newStaff, randomPhone } from '../test/factories.js';
import { makeImage, multipart } from '../test/images.js';
import { accessEvents, auditLog, buildings, units } from '../db/schema/index.js';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

const json = (c: Client, method: 'POST' | 'PUT' | 'PATCH', url: string, raw: string | Buffer, headers: Record<string, string> = {}) =>
  c.req(method, url, raw, { 'content-type': 'application/json', ...headers });
const expectTextInvalid = (res: { statusCode: number; json(): { error: { code: string; message: Record<string, string> } } }) => {
  expect(res.statusCode).toBe(400);
  expect(res.json().error).toMatchObject({ code: 'TEXT_INVALID', message: { 'zh-CN': expect.any(String), en: expect.any(String) } });
};
const rows = async () => ({ units: (await t.ctx.db.select({ n: count() }).from(units))[0]!.n, buildings: (await t.ctx.db.select({ n: count() }).from(buildings))[0]!.n });

describe('TEXT_INVALID: one guard for every string the API accepts', () => {
  it('a NUL in the admin sign-in username is 400 TEXT_INVALID, without a session (was 500)', async () => {
    expectTextInvalid(await new Client(t).post('/api/auth/admin/login', { username: 'ad\u0000min', password: 'whatever-password' }));
  });

  it('a NUL or a lone surrogate in unit and building names is refused and nothing is written', async () => {
    const before = await rows();
    expectTextInvalid(await admin.post('/api/admin/units', { name: '单位\u0000一' }));
    expectTextInvalid(await admin.post('/api/admin/buildings', { name: '楼\u0000', address: null }));
    // JSON.stringify writes a lone surrogate as the escape \ud800, as a hostile client would
    expectTextInvalid(await json(admin, 'POST', '/api/admin/buildings', '{"name":"楼\\ud800宇"}'));
    expectTextInvalid(await json(admin, 'POST', '/api/admin/units', '{"name":"单位","instructions":"\\udc00"}'));
    expect(await rows()).toEqual(before);
  });

  it('nested values and object keys at any depth are checked too', async () => {
    expectTextInvalid(await json(admin, 'PUT', '/api/admin/approval-chains', '{"unitId":"x","nodes":[{"type":"person","staffId":"a\\u0000"}],"ccStaffIds":[],"kind":"appointment","enabled":true}'));
    expectTextInvalid(await json(admin, 'POST', '/api/admin/buildings', '{"name":"楼","extra":{"deep":[[{"k\\ud800ey":1}]]}}'));
    const deep = `${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}`;
    expectTextInvalid(await json(admin, 'POST', '/api/admin/buildings', `{"name":"楼","x":${deep}}`));
  });

  it('template content with a NUL is refused; tabs and line breaks are still fine', async () => {
    const body = { channel: 'sms', appendCodeLink: false, enabled: true };
    expectTextInvalid(await admin.put('/api/admin/notification-templates/order_approved', { ...body, content: '您的预约已通过\u0000' }));
    expectTextInvalid(await admin.put('/api/admin/notification-templates/order_approved', { ...body, content: '响铃\u0007' }));
    const ok = await admin.put('/api/admin/notification-templates/order_approved', { ...body, content: '您的预约已通过，\n请准时到达。\t谢谢' });
    expect(ok.statusCode).toBe(200);
  });

  it('the query string and path parameters are checked', async () => {
    expectTextInvalid(await admin.get('/api/admin/staff?q=%00'));
    expectTextInvalid(await admin.get('/api/admin/audit?action=a%01b'));
    expectTextInvalid(await new Client(t).get('/api/links/abc%00def'));
    expectTextInvalid(await admin.put('/api/admin/notification-templates/order%00approved', { channel: 'sms', content: 'x', appendCodeLink: false, enabled: true }));
  });

  it('a device pass event with a NUL person id or a lone surrogate is refused; no access event is stored (was 500)', async () => {
    const [b] = await t.ctx.db.insert(buildings).values({ name: `楼宇-tg-${Date.now()}` }).returning();
    const d = await admin.post('/api/admin/devices', { name: '测试闸机', kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds: [b!.id] });
    expect(d.statusCode).toBe(200);
    const token = (await admin.get(`/api/admin/devices/${d.json().id}/token`)).json().token as string;
    const events = async () => (await t.ctx.db.select({ n: count() }).from(accessEvents))[0]!.n;
    const before = await events();
    const device = new Client(t);
    expectTextInvalid(await device.req('POST', '/api/access/events', { method: 'face', result: 'granted', personId: 'abc\u0000' }, { authorization: `Bearer ${token}` }));
    expectTextInvalid(await json(device, 'POST', '/api/access/events', '{"method":"qr","result":"granted","qrToken":"\\ud800"}', { authorization: `Bearer ${token}` }));
    expect(await events()).toBe(before);
  });

  it('an ISAPI event sent as a JSON file part with a NUL person id is refused too (the device pushes multipart)', async () => {
    const [b] = await t.ctx.db.insert(buildings).values({ name: `楼宇-isapi-${Date.now()}` }).returning();
    const d = await admin.post('/api/admin/devices', { name: '测试闸机-isapi', kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds: [b!.id] });
    const token = (await admin.get(`/api/admin/devices/${d.json().id}/token`)).json().token as string;
    const events = async () => (await t.ctx.db.select({ n: count() }).from(accessEvents))[0]!.n;
    const before = await events();
    const event = { eventType: 'AccessControllerEvent', dateTime: new Date().toISOString(), AccessControllerEvent: { majorEventType: 5, subEventType: 75, employeeNoString: 'abc\u0000' } };
    const form = await multipart({}, { data: Buffer.from(JSON.stringify(event)), name: 'event.json', type: 'application/json', field: 'event_log' });
    expectTextInvalid(await new Client(t).req('POST', `/api/access/isapi/events?token=${encodeURIComponent(token)}`, form.payload, form.headers));
    expect(await events()).toBe(before);
  });

  it('a lone surrogate meant for the audit log (a JSON column) is refused before anything is written', async () => {
    const audits = async () => (await t.ctx.db.select({ n: count() }).from(auditLog))[0]!.n;
    const s = await newStaff(t);
    const before = await audits();
    expectTextInvalid(await json(admin, 'PATCH', `/api/admin/staff/${s.id}`, '{"name":"姜\\udbff柠檬"}'));
    expect(await audits()).toBe(before);
  });

  it('JSON with bytes that are not UTF-8 is read as U+FFFD, never a 500', async () => {
    const raw = Buffer.concat([Buffer.from('{"username":"ad'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","password":"whatever-password"}')]);
    const res = await json(new Client(t), 'POST', '/api/auth/admin/login', raw);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('LOGIN_FAILED');
    // an encoded surrogate (ED A0 80) is not UTF-8 either
    const res2 = await json(admin, 'POST', '/api/admin/buildings', Buffer.concat([Buffer.from('{"name":"楼'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]));
    expect(res2.statusCode).toBeLessThan(500);
  });

  it('multipart text fields and file names are checked as a route reads them', async () => {
    const visitor = await signInVisitor(t, randomPhone());
    const jpeg = await makeImage({ format: 'jpeg' });
    const badField = await multipart({ consentVersion: 'face\u0000v1' }, { data: jpeg });
    expectTextInvalid(await visitor.req('POST', '/api/visitor/photos', badField.payload, badField.headers));
    const badName = await multipart({ consentVersion: 'x' }, { data: jpeg, name: 'a\u0001.jpg' });
    expectTextInvalid(await visitor.req('POST', '/api/visitor/photos', badName.payload, badName.headers));
    const xlsx = await multipart({}, { data: Buffer.from('PK'), name: '人员\u0000.xlsx', field: 'file', type: 'application/octet-stream' });
    expectTextInvalid(await admin.req('POST', '/api/admin/staff/import', xlsx.payload, xlsx.headers));
  });
});

describe('a malformed URL', () => {
  it('a broken %-escape or an overlong path parameter is 400 VALIDATION_FAILED in the catalogue shape, the path not echoed', async () => {
    for (const url of ['/api/links/%ZZ', '/api/admin/units/%E0%A4', `/api/links/${'x'.repeat(3000)}`]) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: { 'zh-CN': expect.any(String), en: expect.any(String) } });
      expect(res.body).not.toContain('%ZZ');
    }
  });
});

describe('UPLOAD_INVALID: a broken multipart body is 400 on every upload route', () => {
  it('truncated, wrong boundary, or without the file: 400 on each upload route, never 500', async () => {
    const visitor = await signInVisitor(t, randomPhone());
    const kioskDevice = (await admin.post('/api/admin/kiosk-devices', { name: '大厅访客机', location: '一楼' })).json() as { token: string };
    const kiosk = new Client(t);
    expect((await kiosk.post('/api/kiosk/pair', { token: kioskDevice.token })).statusCode).toBe(200);
    const s = await newStaff(t);
    const [b] = await t.ctx.db.insert(buildings).values({ name: `楼宇-mp-${Date.now()}` }).returning();
    const dev = await admin.post('/api/admin/devices', { name: '闸机-mp', kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds: [b!.id] });
    const room = await admin.post('/api/admin/rooms', {
      ...{ name: `会议室-mp-${Date.now()}`, buildingId: b!.id, floor: '3F', location: '东侧', capacity: 10, seatingStyles: ['课桌式'], services: [] },
      ...{ openFrom: 480, openTo: 1440, reviewRequired: false, approverIds: [], undertakerIds: [], enabled: true },
    });
    expect(room.statusCode, room.body).toBe(200);
    expect(dev.statusCode, dev.body).toBe(200);
    const deviceToken = (await admin.get(`/api/admin/devices/${dev.json().id}/token`)).json().token as string;

    const routes: Array<[Client, string]> = [
      [visitor, '/api/visitor/photos'],
      [kiosk, '/api/kiosk/photos'],
      [admin, `/api/admin/staff/${s.id}/photo`],
      [admin, `/api/admin/rooms/${room.json().id}/photo`],
      [admin, '/api/admin/staff/import'],
      [new Client(t), `/api/access/isapi/events?token=${encodeURIComponent(deviceToken)}`],
    ];
    const jpeg = await makeImage({ format: 'jpeg' });
    const full = await multipart({ consentVersion: 'face-2026-12-v2', consentConfirmed: 'true', event_log: '{}' }, { data: jpeg, field: 'photo' });
    const boundary = full.headers['content-type'].split('boundary=')[1]!;
    const bodies: Array<[string, Buffer, string]> = [
      ['truncated in the file', full.payload.subarray(0, full.payload.length - 200), full.headers['content-type']],
      ['truncated in a header', full.payload.subarray(0, 60), full.headers['content-type']],
      ['wrong boundary', full.payload, 'multipart/form-data; boundary=not-the-one'],
      ['no boundary', full.payload, 'multipart/form-data'],
      ['boundary over 256 chars', full.payload, `multipart/form-data; boundary=${'b'.repeat(300)}`],
      ['no final boundary', Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="consentVersion"\r\n\r\nx`), full.headers['content-type']],
    ];
    const results: string[] = [];
    for (const [c, url] of routes) {
      for (const [what, payload, type] of bodies) {
        const res = await c.req('POST', url, payload, { 'content-type': type });
        if (res.statusCode !== 400) results.push(`${url} ${what}: ${res.statusCode} ${res.body.slice(0, 120)}`);
        else if (!['UPLOAD_INVALID', 'VALIDATION_FAILED', 'IMPORT_FILE_INVALID'].includes(res.json().error.code)) results.push(`${url} ${what}: ${res.body}`);
      }
      // a complete form without the file part
      const noFile = await multipart({ consentVersion: 'face-2026-12-v2', consentConfirmed: 'true' });
      const res = await c.req('POST', url, noFile.payload, noFile.headers);
      if (res.statusCode >= 500) results.push(`${url} without a file: ${res.statusCode}`);
    }
    expect(results).toEqual([]);
  });

  it('a truncated body is UPLOAD_INVALID, in zh-CN and en', async () => {
    const visitor = await signInVisitor(t, randomPhone());
    const full = await multipart({ consentVersion: 'x' }, { data: await makeImage({ format: 'jpeg' }) });
    const res = await visitor.req('POST', '/api/visitor/photos', full.payload.subarray(0, full.payload.length - 100), full.headers);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'UPLOAD_INVALID', message: { 'zh-CN': '上传内容不完整或格式错误，请重新上传', en: 'The upload is incomplete or malformed; please upload again' } });
  });
});
