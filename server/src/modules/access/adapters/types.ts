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

export interface AccessAdapter {
  upsert(device: DeviceTarget, push: CredentialPush): Promise<void>;
  remove(device: DeviceTarget, personId: string): Promise<void>;
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
