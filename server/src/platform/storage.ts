/**
 * Private object storage for photos. Objects are encrypted at rest and only ever served through
 * authorised routes; nothing here is reachable by URL. The local disk driver is the default; an
 * S3-compatible driver is the documented scale-out option (see docs/decisions/0003-storage.md).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Crypto } from './crypto.js';

export interface ObjectStorage {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

export class EncryptedDiskStorage implements ObjectStorage {
  constructor(
    private readonly root: string,
    private readonly crypto: Crypto,
  ) {}

  private file(key: string) {
    if (!/^[a-z0-9/_-]+$/i.test(key) || key.includes('..')) throw new Error('bad storage key');
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
