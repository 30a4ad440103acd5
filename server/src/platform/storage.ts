/**
 * Private object storage for photos (and export files). Objects are encrypted at rest and only ever
 * served through authorised routes; nothing here is reachable by URL. The local disk driver is the
 * default (one machine); the S3-compatible driver (storage-s3.ts, STORAGE_DRIVER=s3) lets every
 * process of a scaled-out deployment read what any of them stored (docs/decisions/0003-storage.md).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Crypto } from './crypto.js';
import type { Config } from './config.js';

export interface ObjectStorage {
  put(key: string, data: Buffer): Promise<void>;
  /** the object, or null when there is none under the key */
  get(key: string): Promise<Buffer | null>;
  /** deleting what is not there is not an error */
  delete(key: string): Promise<void>;
  /** let go of connections (the app closes) */
  close?(): void;
}

/**
 * The store STORAGE_DRIVER names. The S3 driver is loaded only when used, and its bucket is checked
 * at once: a wrong endpoint, bucket or key stops the process at start with a message naming it.
 */
export async function openStorage(config: Config, crypto: Crypto): Promise<ObjectStorage> {
  if (config.STORAGE_DRIVER !== 's3') return new EncryptedDiskStorage(config.storageDir, crypto);
  const { S3Storage } = await import('./storage-s3.js');
  const s3 = new S3Storage(
    {
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials: config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } : undefined,
    },
    crypto,
  );
  try {
    await s3.check();
  } catch (e) {
    s3.close();
    throw e;
  }
  return s3;
}

/**
 * The store cannot be reached (a network error, a timeout, the service answering 5xx): requests
 * that need it answer 503 STORAGE_UNAVAILABLE, job handlers fail and retry. Carries no key.
 */
export class StorageUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`object storage unavailable: ${reason}`);
    this.name = 'StorageUnavailableError';
  }
}

/** Keys are ours (faces/<uuid>, exports/<uuid>, staff/<uuid>): letters, digits, / _ - only. */
export function assertStorageKey(key: string): void {
  if (!/^[a-z0-9/_-]+$/i.test(key) || key.includes('..') || key.startsWith('/')) throw new Error('bad storage key');
}

export class EncryptedDiskStorage implements ObjectStorage {
  constructor(
    private readonly root: string,
    private readonly crypto: Crypto,
  ) {}

  private file(key: string) {
    assertStorageKey(key);
    return path.join(this.root, key);
  }
  async put(key: string, data: Buffer) {
    const f = this.file(key);
    await fs.mkdir(path.dirname(f), { recursive: true, mode: 0o700 });
    await fs.writeFile(f, this.crypto.encryptBytes(data), { mode: 0o600 });
  }
  async get(key: string) {
    try {
      return this.crypto.decryptBytes(await fs.readFile(this.file(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  async delete(key: string) {
    await fs.rm(this.file(key), { force: true });
  }
}
