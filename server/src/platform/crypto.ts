/**
 * Field encryption (AES-256-GCM) for ID numbers and photos, an HMAC blind index to find an
 * encrypted value by equality, and hashing of one-time secrets. Sub-keys are derived from one
 * MASTER_KEY with HKDF so that each purpose has its own key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 1;

export class Crypto {
  private readonly encKey: Buffer;
  private readonly indexKey: Buffer;
  readonly linkKey: Buffer;
  private readonly secretKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
    this.encKey = derive('safeguard/field-encryption/v1');
    this.indexKey = derive('safeguard/blind-index/v1');
    this.linkKey = derive('safeguard/link-tokens/v1');
    this.secretKey = derive('safeguard/derived-secrets/v1');
  }

  /** version(1) | iv(12) | tag(16) | ciphertext */
  encryptBytes(plain: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]);
  }
  decryptBytes(blob: Buffer): Buffer {
    if (blob[0] !== VERSION) throw new Error('unknown ciphertext version');
    const iv = blob.subarray(1, 13);
    const tag = blob.subarray(13, 29);
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]);
  }
  encrypt(text: string): string {
    return this.encryptBytes(Buffer.from(text, 'utf8')).toString('base64');
  }
  decrypt(b64: string): string {
    return this.decryptBytes(Buffer.from(b64, 'base64')).toString('utf8');
  }
  /**
   * A secret that the same master key always gives again for the same purpose (the demo kiosk's
   * device token), so it need not be stored; nobody without the master key can compute it.
   */
  derivedSecret(purpose: string): string {
    return createHmac('sha256', this.secretKey).update(purpose).digest('base64url');
  }
  /** Deterministic keyed hash for equality lookup of an encrypted value. */
  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value).digest('base64url');
  }
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
/** 6-digit code from the CSPRNG. */
export function randomCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * The master key: MASTER_KEY if set; otherwise (development only) one generated into the data
 * directory, with a warning, so that a fresh clone runs with no setup.
 */
export function resolveMasterKey(opts: { masterKey?: string; dataDir: string; warn: (msg: string) => void }): Buffer {
  if (opts.masterKey) return Buffer.from(opts.masterKey, 'base64');
  const file = path.join(opts.dataDir, 'master.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  opts.warn(`MASTER_KEY is not set: generated a development key in ${file}. Set MASTER_KEY in production and keep it safe — without it encrypted ID numbers and photos cannot be read.`);
  return key;
}
