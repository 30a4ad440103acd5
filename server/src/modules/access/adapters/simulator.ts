/**
 * The built-in simulator (X4): an in-process "device" that keeps what it was given, so that the
 * whole flow — issuance at the window's start, removal at its end, a pass, 已到达 — can be tried and
 * tested without hardware. One per application context; its memory is lost on restart (the
 * issuance record in access_credentials survives, and the next sync pushes again).
 */
import type { AppContext } from '../../../platform/context.js';
import { DeviceError, type AccessAdapter, type CredentialPush, type DeviceTarget, type HealthResult } from './types.js';

export interface SimulatedHolding {
  personId: string;
  orderId: string;
  name: string;
  validFrom: Date;
  validTo: Date;
  idNumber: string | null;
  face: Buffer | null;
  kinds: CredentialPush['kinds'];
  pushedAt: Date;
}

export class SimulatorAdapter implements AccessAdapter {
  private readonly held = new Map<string, Map<string, SimulatedHolding>>();
  private readonly failing = new Map<string, string>();
  /** every call, in order (tests) */
  readonly calls: Array<{ deviceId: string; op: 'upsert' | 'remove'; personId: string }> = [];
  /** runs inside each call before the device "answers" (tests: something happening meanwhile) */
  during: ((call: { deviceId: string; op: 'upsert' | 'remove'; personId: string }) => Promise<void>) | null = null;

  constructor(private readonly now: () => Date) {}

  /** Make a device refuse every call with `message` (null: work again). */
  setFailing(deviceId: string, message: string | null) {
    if (message === null) this.failing.delete(deviceId);
    else this.failing.set(deviceId, message);
  }

  holdings(deviceId: string): SimulatedHolding[] {
    return [...(this.held.get(deviceId)?.values() ?? [])];
  }

  holding(deviceId: string, personId: string): SimulatedHolding | undefined {
    return this.held.get(deviceId)?.get(personId);
  }

  private check(device: DeviceTarget) {
    const msg = this.failing.get(device.id);
    if (msg) throw new DeviceError(msg);
  }

  async upsert(device: DeviceTarget, push: CredentialPush): Promise<void> {
    this.calls.push({ deviceId: device.id, op: 'upsert', personId: push.personId });
    await this.during?.({ deviceId: device.id, op: 'upsert', personId: push.personId });
    this.check(device);
    let m = this.held.get(device.id);
    if (!m) this.held.set(device.id, (m = new Map()));
    m.set(push.personId, { ...push, pushedAt: this.now() });
  }

  async remove(device: DeviceTarget, personId: string): Promise<void> {
    this.calls.push({ deviceId: device.id, op: 'remove', personId });
    await this.during?.({ deviceId: device.id, op: 'remove', personId });
    this.check(device);
    this.held.get(device.id)?.delete(personId);
  }

  async health(device: DeviceTarget): Promise<HealthResult> {
    const msg = this.failing.get(device.id);
    return msg ? { ok: false, detail: msg } : { ok: true, detail: `simulator: ${this.holdings(device.id).length} held` };
  }
}

const simulators = new WeakMap<AppContext, SimulatorAdapter>();
/** The simulator of this application (admin pages and tests read what it holds). */
export function simulatorOf(ctx: AppContext): SimulatorAdapter {
  let s = simulators.get(ctx);
  if (!s) simulators.set(ctx, (s = new SimulatorAdapter(() => ctx.clock.now())));
  return s;
}
