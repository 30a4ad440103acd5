/**
 * The adapter interface (X4): one per device protocol. Every call is idempotent — upsert replaces
 * what the device holds for the person, remove of an absent person succeeds — so the issuance job
 * can simply run again after a failure.
 */
import type { CredentialKind, DeviceAdapter } from '../../../../../contracts/access.js';

/** A device as an adapter needs it (password decrypted just for the call). */
export interface DeviceTarget {
  id: string;
  name: string;
  adapter: DeviceAdapter;
  address: string;
  username: string | null;
  password: string | null;
}

/** What is pushed for one order's holder. Face is never alone: the ID card number and the QR are always there. */
export interface CredentialPush {
  /** personIdOf(orderId) — 32 hex digits */
  personId: string;
  orderId: string;
  name: string;
  validFrom: Date;
  validTo: Date;
  /** the holder's ID number (read through the ID-card reader); null when none is on file */
  idNumber: string | null;
  /** the holder's face photo (JPEG) — only with a face consent in force */
  face: Buffer | null;
  kinds: CredentialKind[];
  /** a parking barrier's credential: the vehicle's plate (kinds ['plate']; no ID number, no face) */
  plate?: string | null;
  /**
   * No earlier push of this person to this device is on record (person ids are per order): the
   * device holds nothing of them, so an adapter may skip clearing what it could otherwise hold (a
   * face from an earlier push).
   */
  firstPush?: boolean;
}

export interface HealthResult {
  ok: boolean;
  detail: string;
}

/** Who asked for a remote opening (S3), for the device's own log where the protocol carries it. */
export interface DoorCommand {
  door: number;
  /** the staff member's name */
  by: string;
}

/** One outcome per item of a batch, in order: null when the device took it, else why not. */
export type BatchOutcome = Array<Error | null>;

export interface AccessAdapter {
  upsert(device: DeviceTarget, push: CredentialPush): Promise<void>;
  remove(device: DeviceTarget, personId: string): Promise<void>;
  /**
   * Many people to one device, where its protocol takes them together (the simulator, ISAPI's
   * batch delete); otherwise pushAll/removeAll run upsert/remove, `inFlight` at a time.
   */
  upsertMany?(device: DeviceTarget, pushes: CredentialPush[]): Promise<BatchOutcome>;
  removeMany?(device: DeviceTarget, personIds: string[]): Promise<BatchOutcome>;
  /** how many single calls may wait on one device at once (default 1) */
  readonly inFlight?: number;
  health(device: DeviceTarget): Promise<HealthResult>;
  /**
   * 远程开门 (S3): open the door once. Resolves when the device says it opened; throws
   * DeviceUnreachable when it does not answer (offline) and DeviceError when it answers no.
   */
  openDoor(device: DeviceTarget, cmd: DoorCommand): Promise<void>;
}

/** A device answered, but refused (the message goes to access_credentials.last_error). */
export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** The device did not answer at all (network, timeout, no acknowledgement): offline, not refused. */
export class DeviceUnreachable extends DeviceError {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceUnreachable';
  }
}

/** Run fn over items, at most `limit` at a time; one outcome per item, in order. */
async function eachOutcome<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<BatchOutcome> {
  const out: BatchOutcome = new Array(items.length).fill(null);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!);
      } catch (e) {
        out[i] = e instanceof Error ? e : new Error(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

/** A batch call that failed as a whole: every item failed with its error. */
const whole = (n: number) => (e: unknown): BatchOutcome => new Array(n).fill(e instanceof Error ? e : new Error(String(e)));

/** Push many people to one device: in batches where the adapter takes them, else one by one (inFlight at a time). */
export async function pushAll(a: AccessAdapter, d: DeviceTarget, pushes: CredentialPush[]): Promise<BatchOutcome> {
  if (!pushes.length) return [];
  return a.upsertMany ? a.upsertMany(d, pushes).catch(whole(pushes.length)) : eachOutcome(pushes, a.inFlight ?? 1, (p) => a.upsert(d, p));
}

/** Remove many people from one device, likewise. */
export async function removeAll(a: AccessAdapter, d: DeviceTarget, personIds: string[]): Promise<BatchOutcome> {
  if (!personIds.length) return [];
  return a.removeMany ? a.removeMany(d, personIds).catch(whole(personIds.length)) : eachOutcome(personIds, a.inFlight ?? 1, (p) => a.remove(d, p));
}
