/**
 * 远程开门 (S3, A7): the doors a staff member may open, and the opening itself through the device's
 * adapter (simulator, Hikvision ISAPI RemoteControl/door, the MQTT `cmd` topic). Who may open a
 * device is set on it in 设备管理 — its units, roles and people (any one is enough). Every attempt
 * is in the audit log with its result (opened / offline / refused, or not_permitted /
 * rate_limited); an opening is also a pass record (通行记录, method remote). One person opens at
 * most DOOR_OPEN_PER_USER_PER_MINUTE doors a minute.
 */
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { accessDevices, accessEvents, buildings, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { STAFF_ROLES } from '../../../../contracts/permissions.js';
import type { AccessDevice, DeviceInput, DoorGrants, DoorOpenOutcome, DoorOpenResult, DoorState, StaffDoorGroup } from '../../../../contracts/access.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { DeviceError, DeviceUnreachable, type AccessAdapter, type DeviceTarget } from './adapters/types.js';
import { simulatorOf } from './adapters/simulator.js';

type DeviceRow = typeof accessDevices.$inferSelect;
type StaffRow = { id: string; name: string; unitId: string; roles: string[] };

/** What the door service needs of the device side (AccessService). */
export interface DoorDevices {
  adapterFor(d: { adapter: string }): AccessAdapter;
  target(d: DeviceRow): DeviceTarget;
  load(tx: Tx | Db, id: string): Promise<DeviceRow>;
}

/** May this person open this device? It must be enabled and marked 远程开门, and one of the grants names them. */
export function mayOpen(d: Pick<DeviceRow, 'enabled' | 'remoteOpen' | 'openUnitIds' | 'openRoles' | 'openStaffIds'>, s: StaffRow): boolean {
  if (!d.enabled || !d.remoteOpen) return false;
  return d.openStaffIds.includes(s.id) || d.openUnitIds.includes(s.unitId) || d.openRoles.some((r) => s.roles.includes(r));
}

// ------------------------------------------------------------------ the device form (admin)

/** Check the grants of a device form: the units and people exist, the roles are roles. */
export async function checkDoorGrants(tx: Tx, g: DoorGrants | undefined): Promise<void> {
  if (!g) return;
  if (g.roles.some((r) => !(STAFF_ROLES as readonly string[]).includes(r))) throw new AppError('DOOR_GRANT_ROLE_INVALID', { field: 'openGrants.roles' });
  const unitIds = [...new Set(g.unitIds)];
  if (unitIds.length && (await tx.select({ id: units.id }).from(units).where(inArray(units.id, unitIds))).length !== unitIds.length) throw new AppError('UNIT_NOT_FOUND', { field: 'openGrants.unitIds' });
  const staffIds = [...new Set(g.staffIds)];
  if (staffIds.length && (await tx.select({ id: staff.id }).from(staff).where(and(inArray(staff.id, staffIds), isNull(staff.deletedAt)))).length !== staffIds.length)
    throw new AppError('STAFF_NOT_FOUND', { field: 'openGrants.staffIds' });
}

/** The columns a device form sets for 远程开门 (only what it names). */
export function doorColumns(i: Partial<DeviceInput>): Partial<typeof accessDevices.$inferInsert> {
  const set: Partial<typeof accessDevices.$inferInsert> = {};
  if (i.remoteOpen !== undefined) set.remoteOpen = i.remoteOpen;
  if (i.doorNo !== undefined) set.doorNo = i.doorNo;
  if (i.openGrants) {
    set.openUnitIds = [...new Set(i.openGrants.unitIds)];
    set.openRoles = [...new Set(i.openGrants.roles)];
    set.openStaffIds = [...new Set(i.openGrants.staffIds)];
  }
  return set;
}

/** The 远程开门 part of the devices' admin view, with the names of the units and people granted. */
export async function doorViews(db: Db, rows: DeviceRow[]): Promise<Map<string, Pick<AccessDevice, 'remoteOpen' | 'doorNo' | 'openGrants'>>> {
  const unitIds = [...new Set(rows.flatMap((r) => r.openUnitIds))];
  const staffIds = [...new Set(rows.flatMap((r) => r.openStaffIds))];
  const unitNames = new Map((unitIds.length ? await db.select({ id: units.id, name: units.name }).from(units).where(inArray(units.id, unitIds)) : []).map((u) => [u.id, u.name]));
  // people deleted since are left out (they can no longer sign in)
  const staffNames = new Map(
    (staffIds.length ? await db.select({ id: staff.id, name: staff.name }).from(staff).where(and(inArray(staff.id, staffIds), isNull(staff.deletedAt))) : []).map((s) => [s.id, s.name]),
  );
  return new Map(
    rows.map((d) => {
      const u = d.openUnitIds.filter((id) => unitNames.has(id)).map((id) => ({ id, name: unitNames.get(id)! }));
      const s = d.openStaffIds.filter((id) => staffNames.has(id)).map((id) => ({ id, name: staffNames.get(id)! }));
      return [d.id, { remoteOpen: d.remoteOpen, doorNo: d.doorNo, openGrants: { unitIds: u.map((x) => x.id), roles: d.openRoles, staffIds: s.map((x) => x.id), units: u, staff: s } }];
    }),
  );
}

// ------------------------------------------------------------------ the service

export class DoorService {
  constructor(
    private readonly ctx: AppContext,
    private readonly devices: DoorDevices,
  ) {}

  /** The signed-in staff member (active, not deleted); null: they may open nothing. */
  private async me(actor: Actor): Promise<StaffRow | null> {
    const [s] = await this.ctx.db
      .select({ id: staff.id, name: staff.name, unitId: staff.unitId, roles: staff.roles })
      .from(staff)
      .where(and(eq(staff.id, actor.id), eq(staff.active, true), isNull(staff.deletedAt)));
    return s ?? null;
  }

  /** GET /api/staff/doors: the doors this person may open, grouped by the buildings they guard (named order; none last). */
  async myDoors(actor: Actor): Promise<{ groups: StaffDoorGroup[] }> {
    const me = await this.me(actor);
    if (!me) return { groups: [] };
    const rows = (await this.ctx.db.select().from(accessDevices).where(and(eq(accessDevices.enabled, true), eq(accessDevices.remoteOpen, true))).orderBy(accessDevices.name, accessDevices.createdAt)).filter((d) =>
      mayOpen(d, me),
    );
    const bIds = [...new Set(rows.flatMap((d) => d.buildingIds))];
    const names = new Map((bIds.length ? await this.ctx.db.select({ id: buildings.id, name: buildings.name }).from(buildings).where(inArray(buildings.id, bIds)) : []).map((b) => [b.id, b.name]));
    const groups = new Map<string | null, StaffDoorGroup>();
    for (const d of rows) {
      const door = { id: d.id, name: d.name, kind: d.kind as StaffDoorGroup['doors'][number]['kind'], health: d.health as StaffDoorGroup['doors'][number]['health'] };
      const where = d.buildingIds.filter((b) => names.has(b));
      for (const b of where.length ? where : [null]) {
        let g = groups.get(b);
        if (!g) groups.set(b, (g = { buildingId: b, buildingName: b ? names.get(b)! : null, doors: [] }));
        g.doors.push(door);
      }
    }
    const sorted = [...groups.values()].sort((a, b) => (a.buildingName === null ? 1 : b.buildingName === null ? -1 : a.buildingName.localeCompare(b.buildingName, 'zh-CN')));
    return { groups: sorted };
  }

  /**
   * POST /api/staff/doors/:id/open. A door this person may not open is NOT_FOUND (as if it did not
   * exist); over the rate DOOR_OPEN_RATE_LIMITED. Otherwise the device is asked and its answer is
   * the result: opened, offline (no answer in time) or refused (it answered no).
   */
  async open(actor: Actor, id: string): Promise<DoorOpenOutcome> {
    const me = await this.me(actor);
    const [d] = await this.ctx.db.select().from(accessDevices).where(eq(accessDevices.id, id));
    if (!d) throw new AppError('NOT_FOUND');
    const attempt = (result: DoorOpenResult | 'not_permitted' | 'rate_limited', extra: Record<string, unknown> = {}) =>
      this.ctx.db.transaction(async (tx) => {
        await audit(tx, actor, 'access.door.open', { type: 'access_device', id }, { name: d.name, door: d.doorNo, doorResult: result, ...extra });
        if (result === 'opened') {
          await tx.insert(accessEvents).values({
            deviceId: d.id,
            at: this.ctx.clock.now(),
            method: 'remote',
            direction: d.direction === 'out' ? 'out' : 'in',
            result: 'granted',
            detail: { note: 'REMOTE_OPEN', door: d.doorNo, openedBy: me!.name, staffId: me!.id },
          });
        }
        // the device answered (opened or said no): 最近通信 now
        if (result === 'opened' || result === 'refused') await tx.update(accessDevices).set({ lastSeenAt: this.ctx.clock.now() }).where(eq(accessDevices.id, id));
      });
    if (!me || !mayOpen(d, me)) {
      await attempt('not_permitted');
      throw new AppError('NOT_FOUND');
    }
    if ((await this.ctx.rateLimiter.hit(`door:staff:${me.id}`, 60)) > this.ctx.config.DOOR_OPEN_PER_USER_PER_MINUTE) {
      await attempt('rate_limited');
      throw new AppError('DOOR_OPEN_RATE_LIMITED');
    }
    let result: DoorOpenResult = 'opened';
    let error: string | undefined;
    try {
      await this.devices.adapterFor(d).openDoor(this.devices.target(d), { door: d.doorNo, by: me.name });
    } catch (e) {
      result = e instanceof DeviceUnreachable || !(e instanceof DeviceError) ? 'offline' : 'refused';
      error = (e as Error).message.slice(0, 300);
      if (!(e instanceof DeviceError)) this.ctx.log.warn({ err: e, deviceId: id }, 'door opening failed');
    }
    await attempt(result, error ? { error } : {});
    return { result, at: this.ctx.clock.now().toISOString() };
  }

  /** GET /api/admin/devices/:id/door: the simulator's door (open now?) and its openings; for a real device the recorded openings. */
  async doorState(_actor: Actor, id: string): Promise<DoorState> {
    const d = await this.devices.load(this.ctx.db, id);
    if (d.adapter === 'simulator') {
      const sim = simulatorOf(this.ctx);
      return { source: 'device', open: sim.isOpen(id), openings: sim.openings(id).map((o) => ({ at: o.at.toISOString(), door: o.door, by: o.by })) };
    }
    const rows = await this.ctx.db
      .select({ at: accessEvents.at, detail: accessEvents.detail })
      .from(accessEvents)
      .where(and(eq(accessEvents.deviceId, id), eq(accessEvents.method, 'remote'), eq(accessEvents.result, 'granted')))
      .orderBy(desc(accessEvents.at), desc(accessEvents.seq))
      .limit(20);
    return {
      source: 'record',
      open: null,
      openings: rows.map((r) => {
        const x = (r.detail ?? {}) as { door?: number; openedBy?: string };
        return { at: r.at.toISOString(), door: x.door ?? d.doorNo, by: x.openedBy ?? '' };
      }),
    };
  }
}
