/**
 * The S3-compatible storage driver (STORAGE_DRIVER=s3) against a local S3 server started in this
 * test (@20minutes/s3rver: the S3 REST protocol, request signatures checked): photos are stored
 * encrypted, read back, deleted; a wrong bucket or key stops the start with a message naming it;
 * an unreachable store answers 503 STORAGE_UNAVAILABLE, never a 500; and the app on this driver
 * keeps a visitor's photo in the bucket, serves it only to its owner and deletes it on withdrawal.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Crypto } from './crypto.js';
import { loadConfig } from './config.js';
import { openStorage, StorageUnavailableError, type ObjectStorage } from './storage.js';
import { S3Storage } from './storage-s3.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../test/local-s3.js';
import { Client, createTestApp, type TestApp } from '../test/harness.js';
import { makeImage, signInNewPhone, uploadPhoto } from '../modules/visitors/test-helpers.js';
import { isJpeg } from '../test/images.js';
import { photoUploads, visitors } from '../db/schema/index.js';
import { validIdNumber } from '../test/factories.js';
import { TERMS_VERSION } from '../../../contracts/consent.js';

let s3: LocalS3;
const crypto = new Crypto(randomBytes(32));
/** a plain client on the same bucket: what someone holding a copy of the bucket sees */
let raw: S3Client;
const storageOn = (o: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}, c = crypto) =>
  new S3Storage({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...LOCAL_S3_CREDENTIALS }, ...o }, c);
/** the object as the bucket holds it, or null */
const rawObject = async (key: string) => {
  try {
    return Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
    throw e;
  }
};

/** a loopback port nothing listens on */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  s3 = await startLocalS3();
  raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...LOCAL_S3_CREDENTIALS } });
});
afterAll(async () => {
  raw?.destroy();
  await s3?.close();
});

describe('S3Storage', () => {
  it('stores an object encrypted and reads it back; the bucket alone (or another master key) reveals nothing', async () => {
    const storage = storageOn();
    const photo = await makeImage();
    await storage.put('faces/roundtrip-1', photo);
    expect((await storage.get('faces/roundtrip-1'))!.equals(photo)).toBe(true);

    const inBucket = (await rawObject('faces/roundtrip-1'))!;
    expect(isJpeg(inBucket)).toBe(false);
    expect(inBucket.includes(photo.subarray(0, 64))).toBe(false);
    await expect(storageOn({}, new Crypto(randomBytes(32))).get('faces/roundtrip-1')).rejects.toThrow();
    storage.close();
  });

  it('a missing object is null; deleting it (twice, or one that never was) is not an error', async () => {
    const storage = storageOn();
    expect(await storage.get('faces/never-stored')).toBeNull();
    await storage.put('faces/to-delete', Buffer.from('x'));
    await storage.delete('faces/to-delete');
    await storage.delete('faces/to-delete');
    await storage.delete('faces/never-stored');
    expect(await storage.get('faces/to-delete')).toBeNull();
    expect(await rawObject('faces/to-delete')).toBeNull();
    storage.close();
  });

  it('refuses a key that is not one of ours before sending anything', async () => {
    const storage = storageOn();
    for (const key of ['../etc/passwd', '/faces/x', 'faces/a.jpg', 'faces/a b']) {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow('bad storage key');
      await expect(storage.get(key)).rejects.toThrow('bad storage key');
    }
    storage.close();
  });

  it('checks the bucket at start: a missing bucket or wrong keys stop the start with a message naming what to fix', async () => {
    await expect(storageOn().check()).resolves.toBeUndefined();
    await expect(storageOn({ bucket: 'no-such-bucket' }).check()).rejects.toThrow(/s3:\/\/no-such-bucket .*the bucket does not exist/);
    await expect(storageOn({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong-secret' } }).check()).rejects.toThrow(/access denied \(SignatureDoesNotMatch 403: check S3_ACCESS_KEY_ID/);
    await expect(storageOn({ endpoint: `http://127.0.0.1:${await deadPort()}` }).check()).rejects.toThrow(/cannot reach it/);
  });

  it('an unreachable store is StorageUnavailableError (no key in its message)', async () => {
    const storage = storageOn({ endpoint: `http://127.0.0.1:${await deadPort()}`, connectTimeoutMs: 500, maxAttempts: 1 });
    for (const op of [() => storage.get('faces/secret-key-1'), () => storage.put('faces/secret-key-1', Buffer.from('x')), () => storage.delete('faces/secret-key-1')]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).not.toContain('secret-key-1');
    }
    storage.close();
  });
});

describe('configuration (STORAGE_DRIVER=s3)', () => {
  it('needs S3_BUCKET, and both keys or neither', () => {
    expect(() => loadConfig({}, { STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET: required when STORAGE_DRIVER=s3/);
    expect(() => loadConfig({}, { STORAGE_DRIVER: 's3', S3_BUCKET: 'photos', S3_ACCESS_KEY_ID: 'only-the-id' })).toThrow(/set both, or neither/);
    expect(() => loadConfig({}, { STORAGE_DRIVER: 's3', S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({}, { STORAGE_DRIVER: 'ftp' })).toThrow(/STORAGE_DRIVER/);
  });

  it('openStorage builds the S3 driver from the environment and refuses a bucket it cannot use', async () => {
    const storage = await openStorage(loadConfig({}, s3.env), crypto);
    expect(storage).toBeInstanceOf(S3Storage);
    storage.close?.();
    await expect(openStorage(loadConfig({}, { ...s3.env, S3_SECRET_ACCESS_KEY: 'wrong-secret' }), crypto)).rejects.toThrow(/access denied/);
  });
});

describe('the app on S3 storage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: s3.env });
  });
  afterAll(() => t?.close());

  it('keeps a visitor photo in the bucket, shows it to its owner only, and deletes it when the face consent is withdrawn', async () => {
    const { c, phone } = await signInNewPhone(t);
    const up = await uploadPhoto(c, await makeImage());
    expect(up.statusCode).toBe(200);
    const reg = await c.post('/api/visitor/register', { name: '陈小春', idType: 'prc_id', idNumber: validIdNumber(41), termsVersion: TERMS_VERSION, photoUploadId: up.json().uploadId });
    expect(reg.statusCode).toBe(200);
    const [v] = await t.ctx.db.select({ photoKey: visitors.photoKey }).from(visitors).where(eq(visitors.phone, phone));
    const key = v!.photoKey!;
    const inBucket = await rawObject(key);

    const mine = await c.get('/api/visitor/me/photo');
    expect(mine.statusCode).toBe(200);
    expect(mine.headers['cache-control']).toBe('private, no-store');
    expect(isJpeg(mine.rawPayload)).toBe(true);
    expect(inBucket).not.toBeNull();
    expect(isJpeg(inBucket!)).toBe(false);
    expect((await new Client(t).get('/api/visitor/me/photo')).statusCode).toBe(401);

    expect((await c.delete('/api/visitor/me/face-consent')).statusCode).toBe(200);
    await t.ctx.queue.drain();
    expect(await rawObject(key)).toBeNull();
  });

  it('an upload while the store is unreachable → 503 STORAGE_UNAVAILABLE (zh-CN + en), nothing recorded', async () => {
    // the same app, its store gone (services read ctx.storage at each use)
    const ctx = t.ctx as { storage: ObjectStorage };
    const kept = ctx.storage;
    ctx.storage = storageOn({ endpoint: `http://127.0.0.1:${await deadPort()}`, connectTimeoutMs: 500, maxAttempts: 1 });
    try {
      const { c } = await signInNewPhone(t);
      const rows = async () => (await t.ctx.db.select({ n: count() }).from(photoUploads))[0]!.n;
      const before = await rows();
      const res = await uploadPhoto(c, await makeImage());
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('STORAGE_UNAVAILABLE');
      expect(res.json().error.message['zh-CN']).toMatch(/照片存储/);
      expect(await rows()).toBe(before);
    } finally {
      ctx.storage = kept;
    }
  });
});
