import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq, sql } from 'drizzle-orm';
import { Client, createTestApp, pinInsideRateWindow, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor, randomPhone, validIdNumber } from '../../test/factories.js';
import { auditLog, consents, photoUploads, sessions, visitors } from '../../db/schema/index.js';
import { FACE_CONSENT_VERSION, TERMS_VERSION } from '../../../../contracts/consent.js';
import { makeImage, makeNoisePng, multipart, signInNewPhone, uploadPhoto } from './test-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const GOOD = validIdNumber(5);
const BAD_PRC_ID = GOOD.slice(0, 17) + (GOOD[17] === '1' ? '2' : '1'); // valid shape, wrong check digit
const X_ID = Array.from({ length: 1000 }, (_, n) => validIdNumber(n)).find((id) => id.endsWith('X'))!;
const info = (o: Record<string, unknown> = {}) => ({ name: '陈小春', idType: 'prc_id', idNumber: validIdNumber(), company: '温州建设集团', position: '项目经理', termsVersion: TERMS_VERSION, ...o });
const countRows = async (table: typeof visitors | typeof photoUploads | typeof consents) => (await t.ctx.db.select({ n: count() }).from(table))[0]!.n;
const storedFiles = () => {
  const dir = path.join(t.ctx.config.storageDir, 'faces');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
};
/** raw SQL rows, the same shape on PGlite and pg */
const rowsOf = <T>(r: unknown) => (r as { rows: T[] }).rows;
const visitorByPhone = async (phone: string) => (await t.ctx.db.select().from(visitors).where(eq(visitors.phone, phone)))[0];

/** A registered visitor with a photo, signed in. */
async function registeredWithPhoto() {
  const { c, phone } = await signInNewPhone(t);
  const up = await uploadPhoto(c, await makeImage());
  expect(up.statusCode).toBe(200);
  const res = await c.post('/api/visitor/register', info({ photoUploadId: up.json().uploadId }));
  expect(res.statusCode).toBe(200);
  return { c, phone, me: res.json(), visitor: (await visitorByPhone(phone))! };
}

describe('POST /api/visitor/photos (上传照片)', () => {
  it('no session → 401; a staff session → 401', async () => {
    const res = await uploadPhoto(new Client(t), await makeImage());
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
    const s = await newStaff(t);
    const staff = await signInStaff(t, s.phone);
    expect((await uploadPhoto(staff, await makeImage())).statusCode).toBe(401);
  });

  it('refuses a photo without consent, or with another consent version (CONSENT_REQUIRED), storing nothing', async () => {
    const { c } = await signInNewPhone(t);
    const before = { rows: await countRows(photoUploads), files: storedFiles() };
    for (const version of [null, '', 'face-2020-old']) {
      const res = await uploadPhoto(c, await makeImage(), version);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'CONSENT_REQUIRED', message: { 'zh-CN': expect.stringContaining('同意'), en: expect.any(String) } });
    }
    expect({ rows: await countRows(photoUploads), files: storedFiles() }).toEqual(before);
  });

  it('a text file → 400 PHOTO_NOT_IMAGE (even when it claims to be a JPEG); a GIF → PHOTO_NOT_IMAGE', async () => {
    const { c } = await signInNewPhone(t);
    const text = await uploadPhoto(c, Buffer.from('hello, this is not a picture\n'.repeat(50)), FACE_CONSENT_VERSION, 'image/jpeg');
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('PHOTO_NOT_IMAGE');
    const gif = await uploadPhoto(c, await makeImage({ format: 'gif' }), FACE_CONSENT_VERSION, 'image/gif');
    expect(gif.json().error.code).toBe('PHOTO_NOT_IMAGE');
    const truncated = (await makeImage({ width: 800, height: 800 })).subarray(0, 600);
    expect((await uploadPhoto(c, truncated)).json().error.code).toBe('PHOTO_NOT_IMAGE');
  });

  it('a 6 MB image → 413 PHOTO_TOO_LARGE, storing nothing', async () => {
    const { c } = await signInNewPhone(t);
    const big = await makeNoisePng(6 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(6 * 1024 * 1024);
    const before = { rows: await countRows(photoUploads), files: storedFiles() };
    const res = await uploadPhoto(c, big, FACE_CONSENT_VERSION, 'image/png');
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PHOTO_TOO_LARGE');
    expect({ rows: await countRows(photoUploads), files: storedFiles() }).toEqual(before);
  });

  it('not multipart, or no file → 400 VALIDATION_FAILED', async () => {
    const { c } = await signInNewPhone(t);
    const json = await c.post('/api/visitor/photos', { consentVersion: FACE_CONSENT_VERSION });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe('VALIDATION_FAILED');
    const m = await multipart({ consentVersion: FACE_CONSENT_VERSION });
    const nofile = await c.req('POST', '/api/visitor/photos', m.payload, m.headers);
    expect(nofile.statusCode).toBe(400);
    expect(nofile.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('stores an upright JPEG of at most 1024 px, encrypted at rest, with the consent version and time', async () => {
    const { c } = await signInNewPhone(t);
    // 2000×1200 landscape pixels with EXIF orientation 6 (rotate 90°): upright it is portrait
    const res = await uploadPhoto(c, await makeImage({ width: 2000, height: 1200, format: 'jpeg', orientation: 6 }));
    expect(res.statusCode).toBe(200);
    const { uploadId } = res.json();
    const [row] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, uploadId));
    expect(row).toMatchObject({ consentVersion: FACE_CONSENT_VERSION, usedAt: null });
    expect(row!.storageKey).toMatch(/^faces\/[0-9a-f-]{36}$/);
    const raw = fs.readFileSync(path.join(t.ctx.config.storageDir, row!.storageKey));
    expect(raw.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(false); // not a plain JPEG on disk
    const stored = (await t.ctx.storage.get(row!.storageKey))!;
    const meta = await sharp(stored).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 614, height: 1024 });
    expect(meta.exif).toBeUndefined();
    // the upload is purged if it is never used
    const [job] = rowsOf<{ type: string }>(await t.ctx.db.execute(sql`select type, run_at from jobs where key = ${'purge-upload:' + uploadId}`));
    expect(job?.type).toBe('visitors.purge_upload');
  });

  it('limits uploads per session (30 an hour) → 429 RATE_LIMITED', async () => {
    const release = pinInsideRateWindow(t, 3600);
    try {
      const { c } = await signInNewPhone(t);
      const img = await makeImage({ width: 64, height: 64 });
      const codes: number[] = [];
      for (let i = 0; i < 31; i++) codes.push((await uploadPhoto(c, img)).statusCode);
      expect(codes.slice(0, 30).every((s) => s === 200)).toBe(true);
      expect(codes[30]).toBe(429);
    } finally {
      release();
    }
  });

  it('an unused upload is purged (row and object) after its hour', async () => {
    const { c } = await signInNewPhone(t);
    const { uploadId } = (await uploadPhoto(c, await makeImage())).json();
    const [row] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, uploadId));
    t.ctx.clock.set(new Date(Date.now() + 62 * 60_000));
    await t.ctx.queue.drain();
    t.ctx.clock.set(null);
    expect(await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, uploadId))).toEqual([]);
    expect(await t.ctx.storage.get(row!.storageKey)).toBeNull();
  });
});

describe('POST /api/visitor/register (注册, V2)', () => {
  it('no session → 401; a visitor session → 401 (already registered users edit under /me)', async () => {
    expect((await new Client(t).post('/api/visitor/register', info())).statusCode).toBe(401);
    const v = await newVisitor(t);
    const c = await signInVisitor(t, v.phone, '10.78.0.1');
    expect((await c.post('/api/visitor/register', info())).json().error.code).toBe('AUTH_REQUIRED');
  });

  it('bad input → 400 with a code: missing name, unknown ID type, bad passport', async () => {
    const { c } = await signInNewPhone(t);
    expect((await c.post('/api/visitor/register', info({ name: '  ' }))).json().error.code).toBe('VALIDATION_FAILED');
    expect((await c.post('/api/visitor/register', info({ idType: 'driving_licence' }))).json().error.code).toBe('VALIDATION_FAILED');
    const pass = await c.post('/api/visitor/register', info({ idType: 'passport', idNumber: 'E1!' }));
    expect(pass.statusCode).toBe(400);
    expect(pass.json().error.code).toBe('DOCUMENT_NUMBER_INVALID');
  });

  it('a wrong ID checksum → 400 ID_NUMBER_INVALID and stores nothing (photo upload stays unused, session stays)', async () => {
    const { c, phone } = await signInNewPhone(t);
    const { uploadId } = (await uploadPhoto(c, await makeImage())).json();
    const before = { visitors: await countRows(visitors), consents: await countRows(consents) };
    const res = await c.post('/api/visitor/register', info({ idNumber: BAD_PRC_ID, photoUploadId: uploadId }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'ID_NUMBER_INVALID', message: { 'zh-CN': '身份证号码校验失败' } });
    expect({ visitors: await countRows(visitors), consents: await countRows(consents) }).toEqual(before);
    expect(await visitorByPhone(phone)).toBeUndefined();
    expect((await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, uploadId)))[0]!.usedAt).toBeNull();
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'phone', phone });
  });

  it('registers with a photo: visitor + consent + audit in one go, the phone session becomes a visitor session', async () => {
    const { c, phone } = await signInNewPhone(t);
    const phoneSession = (await t.ctx.db.select().from(sessions).where(and(eq(sessions.subjectType, 'phone'), eq(sessions.subjectId, phone))))[0]!;
    const { uploadId } = (await uploadPhoto(c, await makeImage())).json();
    const idNumber = X_ID.toLowerCase(); // an x check digit is accepted in lower case
    const res = await c.post('/api/visitor/register', { name: ' 林晓燕 ', idType: 'prc_id', idNumber, company: '', position: '研究员', photoUploadId: uploadId, termsVersion: TERMS_VERSION });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me).toMatchObject({ name: '林晓燕', phone, idType: 'prc_id', idNumber: idNumber.toUpperCase(), company: null, position: '研究员', hasPhoto: true, faceConsent: { version: FACE_CONSENT_VERSION } });
    expect(me.idNumberMasked).toBe(idNumber.toUpperCase().slice(0, 4) + '**********' + idNumber.toUpperCase().slice(-4));
    // the old phone session is gone, the cookie now holds a visitor session
    expect(await t.ctx.db.select().from(sessions).where(eq(sessions.id, phoneSession.id))).toEqual([]);
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'visitor', id: me.id, name: '林晓燕' });
    const v = (await visitorByPhone(phone))!;
    const [upload] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, uploadId));
    expect(v.photoKey).toBe(upload!.storageKey);
    expect(upload!.usedAt).not.toBeNull();
    const cs = await t.ctx.db.select().from(consents).where(eq(consents.subjectId, v.id));
    expect(cs.filter((x) => x.kind === 'face')).toEqual([expect.objectContaining({ subjectType: 'visitor', kind: 'face', textVersion: FACE_CONSENT_VERSION, grantedAt: upload!.consentAt, withdrawnAt: null })]);
    expect(cs.filter((x) => x.kind === 'terms')).toEqual([expect.objectContaining({ subjectType: 'visitor', textVersion: TERMS_VERSION, withdrawnAt: null })]);
    const actions = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, v.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['visitor.registered', 'visitor.face_consent_granted']));
    // no personal data in the audit detail
    expect(JSON.stringify(await t.ctx.db.select().from(auditLog))).not.toContain(idNumber.toUpperCase());
  });

  it('registers without a photo: no face consent row, hasPhoto false', async () => {
    const { c, phone } = await signInNewPhone(t);
    const res = await c.post('/api/visitor/register', info({ photoUploadId: null, company: null, position: undefined }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ hasPhoto: false, faceConsent: null, company: null, position: null });
    const v = (await visitorByPhone(phone))!;
    expect((await t.ctx.db.select().from(consents).where(eq(consents.subjectId, v.id))).map((x) => x.kind)).toEqual(['terms']);
  });

  it('用户协议/隐私政策: without the current version → 400 TERMS_REQUIRED, nothing stored; with it → recorded with its version and time', async () => {
    const { c, phone } = await signInNewPhone(t);
    const before = { visitors: await countRows(visitors), consents: await countRows(consents) };
    for (const termsVersion of [undefined, null, '', 'terms-2020-01-v0']) {
      const res = await c.post('/api/visitor/register', info({ termsVersion }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'TERMS_REQUIRED', message: { 'zh-CN': '请阅读并同意《用户协议》《隐私政策》后再注册' } });
    }
    expect({ visitors: await countRows(visitors), consents: await countRows(consents) }).toEqual(before);
    expect(await visitorByPhone(phone)).toBeUndefined();
    expect((await c.get('/api/auth/me')).json()).toMatchObject({ type: 'phone', phone });

    t.ctx.clock.set(new Date('2026-12-06T02:00:00Z'));
    const res = await c.post('/api/visitor/register', info());
    t.ctx.clock.set(null);
    expect(res.statusCode).toBe(200);
    expect(res.json().termsConsent).toEqual({ version: TERMS_VERSION, grantedAt: '2026-12-06T02:00:00.000Z' });
    const v = (await visitorByPhone(phone))!;
    const [row] = await t.ctx.db.select().from(consents).where(and(eq(consents.subjectId, v.id), eq(consents.kind, 'terms')));
    expect(row).toMatchObject({ subjectType: 'visitor', textVersion: TERMS_VERSION, grantedAt: new Date('2026-12-06T02:00:00Z'), withdrawnAt: null });
    const [reg] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetId, v.id), eq(auditLog.action, 'visitor.registered')));
    expect(reg!.detail).toMatchObject({ termsVersion: TERMS_VERSION });
    // 我的注册信息 shows what was agreed to
    expect((await c.get('/api/visitor/me')).json().termsConsent).toEqual({ version: TERMS_VERSION, grantedAt: '2026-12-06T02:00:00.000Z' });
  });

  it('stores the ID number encrypted (the raw column does not contain it) and finds it by blind index', async () => {
    const { c, phone } = await signInNewPhone(t);
    const idNumber = validIdNumber(321);
    expect((await c.post('/api/visitor/register', info({ idNumber }))).statusCode).toBe(200);
    const raw = rowsOf<Record<string, unknown>>(await t.ctx.db.execute(sql`select * from visitors where phone = ${phone}`));
    expect(JSON.stringify(raw)).not.toContain(idNumber);
    expect(JSON.stringify(raw)).not.toContain(idNumber.slice(6, 14)); // nor the birth date part
    const found = await t.ctx.db.select({ phone: visitors.phone }).from(visitors).where(eq(visitors.idNumberIdx, t.ctx.crypto.blindIndex(idNumber)));
    expect(found).toEqual([{ phone }]);
  });

  it('a phone registered meanwhile → 409 ALREADY_REGISTERED, nothing stored', async () => {
    const { c, phone } = await signInNewPhone(t);
    await newVisitor(t, { phone, name: '先注册的人' });
    const res = await c.post('/api/visitor/register', info());
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ALREADY_REGISTERED');
    expect((await visitorByPhone(phone))!.name).toBe('先注册的人');
  });

  it('another session’s upload → 400 UPLOAD_NOT_FOUND, nothing stored', async () => {
    const a = await signInNewPhone(t);
    const b = await signInNewPhone(t);
    const { uploadId } = (await uploadPhoto(a.c, await makeImage())).json();
    const res = await b.c.post('/api/visitor/register', info({ photoUploadId: uploadId }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('UPLOAD_NOT_FOUND');
    expect(await visitorByPhone(b.phone)).toBeUndefined();
  });
});

describe('GET /api/visitor/me (我的注册信息, V5)', () => {
  it('no session → 401; a phone session → 401', async () => {
    expect((await new Client(t).get('/api/visitor/me')).statusCode).toBe(401);
    const { c } = await signInNewPhone(t);
    expect((await c.get('/api/visitor/me')).statusCode).toBe(401);
  });

  it('the owner sees the full ID number and the mask; each visitor only their own record', async () => {
    const a = await newVisitor(t, { name: '甲访客' });
    const b = await newVisitor(t, { name: '乙访客' });
    const ca = await signInVisitor(t, a.phone, '10.78.1.1');
    const me = (await ca.get('/api/visitor/me')).json();
    expect(me).toMatchObject({ id: a.id, name: '甲访客', phone: a.phone, idNumber: a.idNumber, idNumberMasked: `${a.idNumber.slice(0, 4)}**********${a.idNumber.slice(-4)}` });
    expect(JSON.stringify(me)).not.toContain(b.id);
    // there is no way to address another visitor: query strings are ignored
    expect((await ca.get(`/api/visitor/me?id=${b.id}`)).json().id).toBe(a.id);
  });
});

describe('PUT /api/visitor/me (修改注册信息, V5)', () => {
  it('no session → 401', async () => {
    expect((await new Client(t).put('/api/visitor/me', info())).statusCode).toBe(401);
  });

  it('a wrong checksum → 400 ID_NUMBER_INVALID and nothing changes', async () => {
    const { c, phone, visitor } = await registeredWithPhoto();
    const res = await c.put('/api/visitor/me', info({ name: '改了名', idNumber: BAD_PRC_ID }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ID_NUMBER_INVALID');
    expect(await visitorByPhone(phone)).toEqual(visitor);
  });

  it('updates the details; a new photo replaces the old one and the old object is deleted', async () => {
    const { c, phone, visitor } = await registeredWithPhoto();
    const oldKey = visitor.photoKey!;
    const { uploadId } = (await uploadPhoto(c, await makeImage({ width: 300, height: 400, format: 'png' }), FACE_CONSENT_VERSION, 'image/png')).json();
    const passport = 'E12345678';
    const res = await c.put('/api/visitor/me', { name: '陈小春', idType: 'passport', idNumber: passport, company: '新单位', position: '', photoUploadId: uploadId });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ idType: 'passport', idNumber: passport, company: '新单位', position: null, hasPhoto: true });
    const v = (await visitorByPhone(phone))!;
    expect(v.photoKey).not.toBe(oldKey);
    expect(await t.ctx.storage.get(oldKey)).toBeNull();
    expect(v.idNumberIdx).toBe(t.ctx.crypto.blindIndex(passport));
    const photo = await c.get('/api/visitor/me/photo');
    expect((await sharp(photo.rawPayload).metadata()).width).toBe(300);
    const [a] = (await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetId, v.id), eq(auditLog.action, 'visitor.updated')))).slice(-1);
    expect(a!.detail).toEqual({ fields: ['idNumber', 'company', 'position', 'photo'] });
  });

  it('an upload already used, or older than an hour → 400 UPLOAD_NOT_FOUND', async () => {
    const { c, visitor } = await registeredWithPhoto();
    const [used] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.storageKey, visitor.photoKey!));
    expect((await c.put('/api/visitor/me', info({ photoUploadId: used!.id }))).json().error.code).toBe('UPLOAD_NOT_FOUND');
    const { uploadId } = (await uploadPhoto(c, await makeImage())).json();
    t.ctx.clock.set(new Date(Date.now() + 61 * 60_000));
    const late = await c.put('/api/visitor/me', info({ photoUploadId: uploadId }));
    t.ctx.clock.set(null);
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('UPLOAD_NOT_FOUND');
    expect((await visitorByPhone(visitor.phone))!.photoKey).toBe(visitor.photoKey);
  });

  it('cannot take another visitor’s upload (UPLOAD_NOT_FOUND), and its own photo stays', async () => {
    const a = await registeredWithPhoto();
    const b = await registeredWithPhoto();
    const { uploadId } = (await uploadPhoto(b.c, await makeImage())).json();
    const res = await a.c.put('/api/visitor/me', info({ photoUploadId: uploadId }));
    expect(res.json().error.code).toBe('UPLOAD_NOT_FOUND');
    expect((await visitorByPhone(a.phone))!.photoKey).toBe(a.visitor.photoKey);
  });
});

describe('GET /api/visitor/me/photo', () => {
  it('no session → 401', async () => {
    expect((await new Client(t).get('/api/visitor/me/photo')).statusCode).toBe(401);
  });

  it('the owner gets their JPEG, never cached; a visitor without a photo → 404 even when others have one', async () => {
    const { c } = await registeredWithPhoto();
    const res = await c.get('/api/visitor/me/photo');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect((await sharp(res.rawPayload).metadata()).format).toBe('jpeg');
    const other = await newVisitor(t);
    const oc = await signInVisitor(t, other.phone, '10.78.2.1');
    const none = await oc.get('/api/visitor/me/photo');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('NOT_FOUND');
  });
});

describe('DELETE /api/visitor/me/face-consent (撤回人脸授权, X5)', () => {
  it('no session → 401', async () => {
    expect((await new Client(t).delete('/api/visitor/me/face-consent')).statusCode).toBe(401);
  });

  it('withdraws the consent and deletes the photo (object, reference, and unsaved uploads of the session)', async () => {
    const { c, phone, visitor } = await registeredWithPhoto();
    const pending = (await uploadPhoto(c, await makeImage())).json().uploadId;
    const [pendingRow] = await t.ctx.db.select().from(photoUploads).where(eq(photoUploads.id, pending));
    const res = await c.delete('/api/visitor/me/face-consent');
    expect(res.statusCode).toBe(200);
    const v = (await visitorByPhone(phone))!;
    expect(v.photoKey).toBeNull();
    expect(await t.ctx.storage.get(visitor.photoKey!)).toBeNull();
    expect(await t.ctx.storage.get(pendingRow!.storageKey)).toBeNull();
    const [consent] = await t.ctx.db.select().from(consents).where(and(eq(consents.subjectId, v.id), eq(consents.kind, 'face')));
    expect(consent!.withdrawnAt).not.toBeNull();
    // the 用户协议/隐私政策 consent is another matter: it stays
    const [terms] = await t.ctx.db.select().from(consents).where(and(eq(consents.subjectId, v.id), eq(consents.kind, 'terms')));
    expect(terms!.withdrawnAt).toBeNull();
    expect((await c.get('/api/visitor/me/photo')).statusCode).toBe(404);
    expect((await c.get('/api/visitor/me')).json()).toMatchObject({ hasPhoto: false, faceConsent: null });
    // another visitor's photo is untouched
    const other = await registeredWithPhoto();
    await c.delete('/api/visitor/me/face-consent');
    expect(await t.ctx.storage.get(other.visitor.photoKey!)).not.toBeNull();
  });
});

describe('units and 办理须知 (V6, public)', () => {
  it('lists units, all instructions, and one unit’s; a bad id → 400, an unknown one → 404', async () => {
    const u = await newUnit(t, { name: `须知单位${randomPhone()}`, instructions: '1、上传照片：闸机扫脸快速通行；' });
    const c = new Client(t);
    const units = (await c.get('/api/units')).json();
    expect(units.items).toContainEqual({ id: u.id, name: u.name });
    expect(Object.keys(units.items[0]).sort()).toEqual(['id', 'name']);
    expect((await c.get('/api/instructions')).json().items).toContainEqual({ unitId: u.id, unitName: u.name, instructions: '1、上传照片：闸机扫脸快速通行；' });
    expect((await c.get(`/api/units/${u.id}/instructions`)).json()).toEqual({ unitId: u.id, unitName: u.name, instructions: '1、上传照片：闸机扫脸快速通行；' });
    const bad = await c.get('/api/units/not-a-uuid/instructions');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const missing = await c.get('/api/units/0190a0b0-0000-7000-8000-000000000000/instructions');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});
