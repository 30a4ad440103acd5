/**
 * The S3-compatible ObjectStorage driver (STORAGE_DRIVER=s3; docs/decisions/0003-storage.md): every
 * process of a scaled-out deployment reads what any of them stored. Works with AWS S3, MinIO,
 * Aliyun OSS, Tencent COS (all speak the S3 API) through the AWS SDK v3 client.
 *
 * - Objects are encrypted by us (AES-256-GCM under MASTER_KEY) before they leave the process, exactly
 *   as on disk: the bucket needs no public access and no server-side key management, and a copy of
 *   the bucket reveals nothing. The bucket stays private; nothing is ever served from it by URL.
 * - The SDK's default CRC32 checksums (since 3.729) are asked for only where S3 requires them:
 *   several S3-compatible services refuse or mishandle them, and AES-GCM already detects any change
 *   to an object when it is read.
 * - The store unreachable (network, timeout, 5xx) → StorageUnavailableError (503 STORAGE_UNAVAILABLE
 *   to a request, a retry for a job); a missing object → null; deleting a missing object is fine.
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Crypto } from './crypto.js';
import { assertStorageKey, StorageUnavailableError, type ObjectStorage } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** unset: the AWS endpoint of the region */
  endpoint?: string;
  /** path-style URLs (http://host/bucket/key): MinIO and most self-hosted stores need it */
  forcePathStyle: boolean;
  /** unset: the SDK's default credential chain (AWS_* variables, an instance role) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** connecting to the store may take this long */
  connectTimeoutMs?: number;
  /** one request (answer and body) may take this long */
  requestTimeoutMs?: number;
  /** tries of one operation before it fails (the SDK's backoff between them); default 3 */
  maxAttempts?: number;
}

export class S3Storage implements ObjectStorage {
  private readonly client: S3Client;

  constructor(
    private readonly opts: S3StorageOptions,
    private readonly crypto: Crypto,
  ) {
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: opts.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? 3000, requestTimeout: opts.requestTimeoutMs ?? 15_000, throwOnRequestTimeout: true },
    });
  }

  /** Where this driver stores, for messages (no credentials). */
  describe(): string {
    return `s3://${this.opts.bucket} at ${this.opts.endpoint ?? `AWS ${this.opts.region}`}`;
  }

  /**
   * At start: these credentials may write and delete in the bucket — what the app will do — checked
   * by writing and deleting an empty object under health/ (HeadBucket would need s3:ListBucket, which
   * the app does not). Throws a message that names what to fix: the process stops, as it does when
   * the database cannot be reached at start.
   */
  async check(): Promise<void> {
    const probe = `health/${randomUUID()}`;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: probe, Body: new Uint8Array(0) }));
      await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: probe }));
    } catch (e) {
      const status = statusOf(e);
      const why =
        status === 404
          ? 'the bucket does not exist (create it, private, or fix S3_BUCKET)'
          : status === 403 || status === 401
            ? `access denied (${reasonOf(e)}: check S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, and that they may put, get and delete objects in the bucket)`
            : `cannot reach it (${reasonOf(e)}; check S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE)`;
      throw new Error(`photo storage ${this.describe()}: ${why}`);
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    assertStorageKey(key);
    const body = this.crypto.encryptBytes(data);
    await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' })));
  }

  async get(key: string): Promise<Buffer | null> {
    assertStorageKey(key);
    const blob = await this.call(async () => {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (e) {
        if (statusOf(e) === 404) return null;
        throw e;
      }
    });
    return blob && this.crypto.decryptBytes(blob);
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    await this.call(async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      } catch (e) {
        // S3 answers 204 for a missing key; some compatible stores answer 404
        if (statusOf(e) !== 404) throw e;
      }
    });
  }

  close(): void {
    this.client.destroy();
  }

  /** Runs one SDK call; an unreachable store (no answer, timeout, 5xx) becomes StorageUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const status = statusOf(e);
      if (status === undefined || status >= 500) throw new StorageUnavailableError(reasonOf(e));
      throw e;
    }
  }
}

/** The HTTP status the store answered, or undefined when it did not answer (network error, timeout). */
function statusOf(e: unknown): number | undefined {
  if (e instanceof S3ServiceException) return e.$metadata?.httpStatusCode;
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** A short reason for logs: the error's code or name and the status; never a key or a credential. */
function reasonOf(e: unknown): string {
  const err = e as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } };
  const what = err?.code ?? err?.name ?? 'error';
  const status = err?.$metadata?.httpStatusCode;
  return status ? `${what} ${status}` : what;
}
