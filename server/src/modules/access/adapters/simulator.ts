/**
 * The built-in simulator (X4): an in-process "device" that keeps what it was given, so that the
 * whole flow — issuance at the window's start, removal at its end, a pass, 已到达 — can be tried and
 * tested without hardware. One per application context; its memory is lost on restart (the
 * issuance record in access_credentials survives, and the next sync pushes again).
 */
import type { AppContext } from '../../../platform/context.js';
import { DeviceError, DeviceUnreachable, type AccessAdapter, type BatchOutcome, type CredentialPush, type DeviceTarget, type DoorCommand, type HealthResult } from './types.js';

export interface SimulatedHolding {
  personId: string;
  orderId: string;
  name: string;
  validFrom: Date;
  validTo: Date;
  idNumber: string | null;
  face: Buffer | null;
  kinds: CredentialPush['kinds'];
  /** a barrier's plate */
  plate?: string | null;
  pushedAt: Date;
}

/** How long the simulated door stays open after a remote opening (a lock relay's pulse). */
export const SIM_DOOR_OPEN_MS = 5000;
const OPENINGS_KEPT = 20;

export interface SimulatedOpening {
  at: Date;
  door: number;
  by: string;
}

const CALLS_KEPT = 50_000;

export class SimulatorAdapter implements AccessAdapter {
  private readonly held = new Map<string, Map<string, SimulatedHolding>>();
  private readonly failing = new Map<string, string>();
  private readonly offline = new Set<string>();
  private readonly opened = new Map<string, SimulatedOpening[]>();
  /** every call, in order (tests) */
  /** the latest calls (at least CALLS_KEPT, at most twice that: a demo left running for months must not grow without end) */
  readonly calls: Array<{ deviceId: string; op: 'upsert' | 'remove'; personId: string }> = [];
  private record(deviceId: string, op: 'upsert' | 'remove', personIds: string[]) {
    for (const personId of personIds) this.calls.push({ deviceId, op, personId });
    // trimmed to the latest CALLS_KEPT once twice that many have gathered (not at every call)
    if (this.calls.length > 2 * CALLS_KEPT) this.calls.splice(0, this.calls.length - CALLS_KEPT);
  }
  /** runs inside each call before the device "answers" (tests: something happening meanwhile) */
  during: ((call: { deviceId: string; op: 'upsert' | 'remove'; personId: string }) => Promise<void>) | null = null;

  constructor(private readonly now: () => Date) {}

  /** Make a device refuse every call with `message` (null: work again). */
  setFailing(deviceId: string, message: string | null) {
    if (message === null) this.failing.delete(deviceId);
    else this.failing.set(deviceId, message);
  }

  /** Make a device not answer at all (true) or answer again (false). */
  setOffline(deviceId: string, offline: boolean) {
    if (offline) this.offline.add(deviceId);
    else this.offline.delete(deviceId);
  }

  /** The remote openings of a device, newest first (the last 20). */
  openings(deviceId: string): SimulatedOpening[] {
    return [...(this.opened.get(deviceId) ?? [])];
  }

  /** The door is open for SIM_DOOR_OPEN_MS after an opening. */
  isOpen(deviceId: string): boolean {
    const last = this.opened.get(deviceId)?.[0];
    return !!last && this.now().getTime() - last.at.getTime() < SIM_DOOR_OPEN_MS;
  }

  /** Forget everything it holds, as a restart of the process does. */
  reset() {
    this.held.clear();
  }

  /** How many people a device holds. */
  heldCount(deviceId: string): number {
    return this.held.get(deviceId)?.size ?? 0;
  }

  holdings(deviceId: string): SimulatedHolding[] {
    return [...(this.held.get(deviceId)?.values() ?? [])];
  }

  holding(deviceId: string, personId: string): SimulatedHolding | undefined {
    return this.held.get(deviceId)?.get(personId);
  }

  /** What a barrier holds for this plate (its camera read it). */
  holdingByPlate(deviceId: string, plate: string): SimulatedHolding | undefined {
    return this.holdings(deviceId).find((h) => h.plate === plate);
  }

  private check(device: DeviceTarget) {
    if (this.offline.has(device.id)) throw new DeviceUnreachable('simulator: offline');
    const msg = this.failing.get(device.id);
    if (msg) throw new DeviceError(msg);
  }

  async upsert(device: DeviceTarget, push: CredentialPush): Promise<void> {
    this.record(device.id, 'upsert', [push.personId]);
    await this.during?.({ deviceId: device.id, op: 'upsert', personId: push.personId });
    this.check(device);
    let m = this.held.get(device.id);
    if (!m) this.held.set(device.id, (m = new Map()));
    m.set(push.personId, { ...push, pushedAt: this.now() });
  }

  async remove(device: DeviceTarget, personId: string): Promise<void> {
    this.record(device.id, 'remove', [personId]);
    await this.during?.({ deviceId: device.id, op: 'remove', personId });
    this.check(device);
    this.held.get(device.id)?.delete(personId);
  }

  /** Many people in one call (a batch the device takes or refuses as a whole). */
  async upsertMany(device: DeviceTarget, pushes: CredentialPush[]): Promise<BatchOutcome> {
    this.record(device.id, 'upsert', pushes.map((p) => p.personId));
    if (pushes.length) await this.during?.({ deviceId: device.id, op: 'upsert', personId: pushes[0]!.personId });
    this.check(device);
    let m = this.held.get(device.id);
    if (!m) this.held.set(device.id, (m = new Map()));
    const at = this.now();
    for (const p of pushes) m.set(p.personId, { ...p, pushedAt: at });
    return pushes.map(() => null);
  }

  async removeMany(device: DeviceTarget, personIds: string[]): Promise<BatchOutcome> {
    this.record(device.id, 'remove', personIds);
    if (personIds.length) await this.during?.({ deviceId: device.id, op: 'remove', personId: personIds[0]! });
    this.check(device);
    const m = this.held.get(device.id);
    for (const p of personIds) m?.delete(p);
    return personIds.map(() => null);
  }

  async openDoor(device: DeviceTarget, cmd: DoorCommand): Promise<void> {
    this.check(device);
    const list = [{ at: this.now(), door: cmd.door, by: cmd.by }, ...(this.opened.get(device.id) ?? [])].slice(0, OPENINGS_KEPT);
    this.opened.set(device.id, list);
  }

  async health(device: DeviceTarget): Promise<HealthResult> {
    if (this.offline.has(device.id)) return { ok: false, detail: 'simulator: offline' };
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
