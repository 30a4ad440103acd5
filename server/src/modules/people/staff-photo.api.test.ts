import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, randomPhone } from '../../test/factories.js';
import { isJpeg, makeImage, makeNoisePng, multipart } from '../../test/images.js';
import { admins, auditLog, consents, staff } from '../../db/schema/index.js';
import { STAFF_FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';

let t: TestApp;
let admin: Client;
let adminId: string;
let visitor: Client;
const NIL = '00000000-0000-7000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t, 'photo-admin');
  adminId = (await t.ctx.db.select({ id: admins.id }).from(admins).where(eq(admins.username, 'photo-admin')))[0]!.id;
  visitor = await signInVisitor(t, randomPhone());
});
afterAll(() => t.close());

const upload = async (c: Client, staffId: string, data: Buffer | null, fields: Record<string, string> = { consentConfirmed: 'true' }, type = 'image/jpeg') => {
  const m = await multipart(fields, data ? { data, type } : undefined);
  return c.req('POST', `/api/admin/staff/${staffId}/photo`, m.payload, m.headers);
};
const staffRow = async (id: string) => (await t.ctx.db.select().from(staff).where(eq(staff.id, id)))[0]!;
const staffConsents = (id: string) =>
  t.ctx.db
    .select()
    .from(consents)
    .where(and(eq(consents.subjectType, 'staff'), eq(consents.subjectId, id)));
const auditOf = (action: string, targetId: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)));
const facesDir = () => path.join(t.ctx.config.storageDir, 'faces');
const storedFiles = () => (fs.existsSync(facesDir()) ? fs.readdirSync(facesDir()).sort() : []);
const rawFile = (key: string) => fs.readFileSync(path.join(t.ctx.config.storageDir, key));

/** A staff member with a photo uploaded by the admin. */
async function staffWithPhoto(img?: Buffer) {
  const s = await newStaff(t);
  const res = await upload(admin, s.id, img ?? (await makeImage({ width: 800, height: 600 })));
  expect(res.statusCode).toBe(200);
  return { ...s, photoKey: (await staffRow(s.id)).photoKey! };
}

describe('access', () => {
  it('admin photo endpoints: no session, visitor and staff sessions → 401', async () => {
    const s = await staffWithPhoto();
    const staffClient = await signInStaff(t, s.phone);
    for (const c of [new Client(t), visitor, staffClient]) {
      const up = await upload(c, s.id, await makeImage());
      expect(up.statusCode).toBe(401);
      expect(up.json().error.code).toBe('AUTH_REQUIRED');
      expect((await c.get(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(401);
      expect((await c.delete(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(401);
    }
    // nothing changed, and the refused reads were not audited
    expect((await staffRow(s.id)).photoKey).toBe(s.photoKey);
    expect(await auditOf('staff.photo.read', s.id)).toEqual([]);
  });

  it('GET /api/staff/me/photo: no session, visitor and admin sessions → 401', async () => {
    for (const c of [new Client(t), visitor, admin]) {
      const res = await c.get('/api/staff/me/photo');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH_REQUIRED');
    }
  });

  it('unknown or deleted staff → 404 on every admin photo endpoint; a malformed id → 400', async () => {
    const gone = await staffWithPhoto();
    expect((await admin.delete(`/api/admin/staff/${gone.id}`)).statusCode).toBe(200);
    for (const id of [NIL, gone.id]) {
      const up = await upload(admin, id, await makeImage());
      expect(up.statusCode).toBe(404);
      expect(up.json().error.code).toBe('NOT_FOUND');
      expect((await admin.get(`/api/admin/staff/${id}/photo`)).statusCode).toBe(404);
      expect((await admin.delete(`/api/admin/staff/${id}/photo`)).statusCode).toBe(404);
    }
    expect((await upload(admin, 'not-a-uuid', await makeImage())).statusCode).toBe(400);
    expect((await admin.get('/api/admin/staff/not-a-uuid/photo')).json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a staff member without a photo → 404 for the admin read, the removal and their own read', async () => {
    const s = await newStaff(t);
    expect((await admin.get(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(404);
    expect((await admin.delete(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(404);
    const own = await signInStaff(t, s.phone);
    expect((await own.get('/api/staff/me/photo')).statusCode).toBe(404);
    // someone else having a photo changes nothing
    await staffWithPhoto();
    expect((await own.get('/api/staff/me/photo')).statusCode).toBe(404);
  });
});

describe('POST /api/admin/staff/:id/photo: bad input stores nothing', () => {
  const cases: Array<[string, () => Promise<{ data: Buffer | null; fields?: Record<string, string>; type?: string }>, number, string]> = [
    ['no consent field', async () => ({ data: await makeImage(), fields: {} }), 400, 'CONSENT_REQUIRED'],
    ['consentConfirmed=false', async () => ({ data: await makeImage(), fields: { consentConfirmed: 'false' } }), 400, 'CONSENT_REQUIRED'],
    ['consentConfirmed empty', async () => ({ data: await makeImage(), fields: { consentConfirmed: '' } }), 400, 'CONSENT_REQUIRED'],
    ['no file', async () => ({ data: null }), 400, 'VALIDATION_FAILED'],
    ['a text file named .jpg', async () => ({ data: Buffer.from('not a picture\n'.repeat(40)) }), 400, 'PHOTO_NOT_IMAGE'],
    ['a GIF', async () => ({ data: await makeImage({ format: 'gif' }), type: 'image/gif' }), 400, 'PHOTO_NOT_IMAGE'],
    ['a truncated JPEG', async () => ({ data: (await makeImage({ width: 800, height: 800 })).subarray(0, 600) }), 400, 'PHOTO_NOT_IMAGE'],
    ['a 6 MB image', async () => ({ data: await makeNoisePng(6 * 1024 * 1024), type: 'image/png' }), 413, 'PHOTO_TOO_LARGE'],
  ];
  it.each(cases)('%s → %i %s', async (_, make, status, code) => {
    const s = await newStaff(t);
    const before = storedFiles();
    const { data, fields, type } = await make();
    const res = await upload(admin, s.id, data, fields, type);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code, message: { 'zh-CN': expect.any(String), en: expect.any(String) } });
    expect(storedFiles()).toEqual(before);
    expect((await staffRow(s.id)).photoKey).toBeNull();
    expect(await staffConsents(s.id)).toEqual([]);
    expect(await auditOf('staff.photo.upload', s.id)).toEqual([]);
  });

  it('a JSON body instead of multipart → 400 VALIDATION_FAILED', async () => {
    const s = await newStaff(t);
    const res = await admin.post(`/api/admin/staff/${s.id}/photo`, { consentConfirmed: 'true' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a refused replacement keeps the photo on file', async () => {
    const s = await staffWithPhoto();
    expect((await upload(admin, s.id, await makeImage(), {})).json().error.code).toBe('CONSENT_REQUIRED');
    expect((await upload(admin, s.id, Buffer.from('nope'))).json().error.code).toBe('PHOTO_NOT_IMAGE');
    expect((await staffRow(s.id)).photoKey).toBe(s.photoKey);
    expect(await t.ctx.storage.get(s.photoKey)).not.toBeNull();
  });
});

describe('upload → read → remove', () => {
  it('stores an encrypted JPEG, records the consent with the admin as recorder; the list and record say hasPhoto', async () => {
    const s = await newStaff(t, { name: '周晓明' });
    const before = await admin.get(`/api/admin/staff/${s.id}`);
    expect(before.json().hasPhoto).toBe(false);

    const res = await upload(admin, s.id, await makeImage({ width: 1600, height: 1200, format: 'png' }), { consentConfirmed: 'true' }, 'image/png');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });

    const row = await staffRow(s.id);
    expect(row.photoKey).toMatch(/^faces\/[0-9a-f-]{36}$/);
    const raw = rawFile(row.photoKey!);
    expect(isJpeg(raw)).toBe(false); // encrypted on disk, not a plain JPEG
    expect(raw.includes(Buffer.from('JFIF'))).toBe(false);

    const [consent, ...more] = await staffConsents(s.id);
    expect(more).toEqual([]);
    expect(consent).toMatchObject({ kind: 'face', textVersion: STAFF_FACE_CONSENT_VERSION, withdrawnAt: null });
    const [recorded] = await auditOf('staff.face_consent.recorded', s.id);
    expect(recorded).toMatchObject({ actorType: 'admin', actorId: adminId, detail: { version: STAFF_FACE_CONSENT_VERSION, recordedBy: { type: 'admin', id: adminId } } });
    expect((await auditOf('staff.photo.upload', s.id))[0]!.detail).toMatchObject({ replaced: false });

    expect((await admin.get(`/api/admin/staff/${s.id}`)).json().hasPhoto).toBe(true);
    const list = (await admin.get(`/api/admin/staff?q=${encodeURIComponent(s.phone)}`)).json();
    expect(list.items).toEqual([expect.objectContaining({ id: s.id, hasPhoto: true })]);
    expect(JSON.stringify(list)).not.toContain(row.photoKey!); // the storage key never leaves the server
  });

  it('the admin read returns the JPEG (never cached) and is audited as staff.photo.read in the same transaction', async () => {
    const s = await staffWithPhoto(await makeImage({ width: 1600, height: 1200, format: 'png' }));
    const res = await admin.get(`/api/admin/staff/${s.id}/photo`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(isJpeg(res.rawPayload)).toBe(true);
    expect(await sharp(res.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width: 1024, height: 768 });
    const reads = await auditOf('staff.photo.read', s.id);
    expect(reads).toEqual([expect.objectContaining({ actorType: 'admin', actorId: adminId, targetType: 'staff' })]);
    await admin.get(`/api/admin/staff/${s.id}/photo`);
    expect(await auditOf('staff.photo.read', s.id)).toHaveLength(2);
  });

  it('the staff member sees their own photo (not audited); their profile says hasPhoto', async () => {
    const s = await staffWithPhoto();
    const own = await signInStaff(t, s.phone);
    const res = await own.get('/api/staff/me/photo');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.rawPayload.equals((await t.ctx.storage.get(s.photoKey))!)).toBe(true);
    expect(await auditOf('staff.photo.read', s.id)).toEqual([]);
    expect((await own.get('/api/staff/me/profile')).json().hasPhoto).toBe(true);
  });

  it('a new photo replaces the old one: old object deleted, old consent withdrawn, one consent in force', async () => {
    const s = await staffWithPhoto();
    const res = await upload(admin, s.id, await makeImage({ width: 300, height: 400 }));
    expect(res.statusCode).toBe(200);
    const now = (await staffRow(s.id)).photoKey!;
    expect(now).not.toBe(s.photoKey);
    expect(await t.ctx.storage.get(s.photoKey)).toBeNull();
    expect(storedFiles()).not.toContain(path.basename(s.photoKey));
    const cs = await staffConsents(s.id);
    expect(cs).toHaveLength(2);
    expect(cs.filter((c) => c.withdrawnAt === null)).toHaveLength(1);
    expect((await auditOf('staff.photo.upload', s.id)).map((a) => a.detail)).toEqual([expect.objectContaining({ replaced: false }), expect.objectContaining({ replaced: true })]);
    expect((await sharp((await admin.get(`/api/admin/staff/${s.id}/photo`)).rawPayload).metadata()).width).toBe(300);
  });

  it('DELETE removes the photo: object gone, consent withdrawn, audited; a deletion job is queued as a fallback', async () => {
    const s = await staffWithPhoto();
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, s.photoKey))).toBe(true);
    const res = await admin.delete(`/api/admin/staff/${s.id}/photo`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect((await staffRow(s.id)).photoKey).toBeNull();
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, s.photoKey))).toBe(false);
    expect((await staffConsents(s.id)).every((c) => c.withdrawnAt instanceof Date)).toBe(true);
    expect((await auditOf('staff.photo.delete', s.id))[0]!.detail).toEqual({ consentsWithdrawn: 1 });
    const jobs = (await t.ctx.db.execute(sql`select type from jobs where key = ${'delete-photo:' + s.photoKey}`)) as unknown as { rows: Array<{ type: string }> };
    expect(jobs.rows.map((j) => j.type)).toEqual(['photos.delete']);
    await t.ctx.queue.drain(); // deleting twice is harmless
    expect((await admin.get(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(404);
    expect((await admin.get(`/api/admin/staff/${s.id}`)).json().hasPhoto).toBe(false);
    expect((await admin.delete(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(404);
  });

  it('if deleting the object fails after the commit, the queued job deletes it later', async () => {
    const s = await staffWithPhoto();
    const realDelete = t.ctx.storage.delete.bind(t.ctx.storage);
    t.ctx.storage.delete = async () => {
      throw new Error('disk unavailable');
    };
    try {
      expect((await admin.delete(`/api/admin/staff/${s.id}/photo`)).statusCode).toBe(200);
    } finally {
      t.ctx.storage.delete = realDelete;
    }
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, s.photoKey))).toBe(true);
    await t.ctx.queue.drain();
    expect(fs.existsSync(path.join(t.ctx.config.storageDir, s.photoKey))).toBe(false);
  });

  it('deleting the staff member deletes their photo and withdraws the consent', async () => {
    const s = await staffWithPhoto();
    expect((await admin.delete(`/api/admin/staff/${s.id}`)).statusCode).toBe(200);
    expect((await staffRow(s.id)).photoKey).toBeNull();
    expect(await t.ctx.storage.get(s.photoKey)).toBeNull();
    expect((await staffConsents(s.id)).every((c) => c.withdrawnAt instanceof Date)).toBe(true);
    expect((await auditOf('staff.delete', s.id))[0]!.detail).toEqual({ photoDeleted: true });
  });
});
