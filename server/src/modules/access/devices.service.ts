/**
 * 设备管理 (A7): the devices — gates, doors, barriers — an administrator adds, changes, checks and
 * removes. A device added or changed (areas, enabled, address) is brought in line by its own sync
 * job (issuance.ts scheduleDeviceSync), in the same transaction.
 */
import { and, count, eq, inArray } from 'drizzle-orm';
import { accessCredentials, accessDevices, accessEvents, buildings } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { AccessDevice, DeviceInput } from '../../../../contracts/access.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { parseMqttAddress } from './adapters/mqtt.js';
import type { Adapters, DeviceRow } from './adapters/registry.js';
import { deviceToken } from './device-token.js';
import { recordHealth } from './device-watch.js';
import { checkDoorGrants, doorColumns, doorViews } from './doors.service.js';
import { checkBarrier } from './barriers.js';
import { scheduleDeviceSync } from './issuance.js';

export class DevicesService {
  constructor(
    private readonly ctx: AppContext,
    private readonly adapters: Adapters,
    /** an MQTT device added or changed: listen to its broker's events (workers on) */
    private readonly listenMqtt: () => Promise<void>,
  ) {}

  private async view(rows: DeviceRow[]): Promise<AccessDevice[]> {
    const ids = rows.map((r) => r.id);
    const counts = ids.length
      ? await this.ctx.db
          .select({ deviceId: accessCredentials.deviceId, status: accessCredentials.status, n: count() })
          .from(accessCredentials)
          .where(inArray(accessCredentials.deviceId, ids))
          .groupBy(accessCredentials.deviceId, accessCredentials.status)
      : [];
    const bIds = [...new Set(rows.flatMap((r) => r.buildingIds))];
    const names = new Map((bIds.length ? await this.ctx.db.select({ id: buildings.id, name: buildings.name }).from(buildings).where(inArray(buildings.id, bIds)) : []).map((b) => [b.id, b.name]));
    const n = (id: string, status: string) => Number(counts.find((c) => c.deviceId === id && c.status === status)?.n ?? 0);
    const doors = await doorViews(this.ctx.db, rows);
    return rows.map((d) => ({
      id: d.id,
      name: d.name,
      kind: d.kind as AccessDevice['kind'],
      adapter: d.adapter as AccessDevice['adapter'],
      address: d.address,
      username: d.username,
      hasPassword: !!d.passwordEnc,
      buildingIds: d.buildingIds,
      buildingNames: d.buildingIds.map((b) => names.get(b) ?? ''),
      direction: d.direction as AccessDevice['direction'],
      enabled: d.enabled,
      health: d.health as AccessDevice['health'],
      healthDetail: d.healthDetail,
      lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
      issuedCount: n(d.id, 'issued'),
      failedCount: n(d.id, 'failed'),
      ...doors.get(d.id)!,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    }));
  }

  async load(tx: Tx | Db, id: string, lock = false): Promise<DeviceRow> {
    const q = tx.select().from(accessDevices).where(eq(accessDevices.id, id));
    const [d] = lock ? await q.for('update') : await q;
    if (!d) throw new AppError('NOT_FOUND');
    return d;
  }

  async listDevices(_actor: Actor): Promise<{ items: AccessDevice[] }> {
    const rows = await this.ctx.db.select().from(accessDevices).orderBy(accessDevices.name, accessDevices.createdAt);
    return { items: await this.view(rows) };
  }

  async getDevice(_actor: Actor, id: string): Promise<AccessDevice> {
    return (await this.view([await this.load(this.ctx.db, id)]))[0]!;
  }

  private checkInput(i: Pick<DeviceInput, 'adapter' | 'address'> & { kind?: string }) {
    checkBarrier(i);
    if (i.adapter === 'hikvision_isapi' && !/^https?:\/\/[^/\s]+\/?$/.test(i.address.trim())) throw new AppError('DEVICE_ADDRESS_INVALID', { field: 'address' });
    if (i.adapter === 'mqtt' && !parseMqttAddress(i.address.trim())) throw new AppError('DEVICE_ADDRESS_INVALID', { field: 'address' });
  }

  private async checkBuildings(tx: Tx, ids: string[]) {
    if (!ids.length) return;
    const found = await tx.select({ id: buildings.id }).from(buildings).where(inArray(buildings.id, ids));
    if (found.length !== new Set(ids).size) throw new AppError('BUILDING_NOT_FOUND');
  }

  async createDevice(actor: Actor, i: DeviceInput): Promise<AccessDevice> {
    this.checkInput(i);
    const row = await this.ctx.db.transaction(async (tx) => {
      await this.checkBuildings(tx, i.buildingIds);
      await checkDoorGrants(tx, i.openGrants);
      const [d] = await tx
        .insert(accessDevices)
        .values({
          name: i.name.trim(),
          kind: i.kind,
          adapter: i.adapter,
          address: i.address.trim(),
          username: i.username?.trim() || null,
          passwordEnc: i.password ? this.ctx.crypto.encrypt(i.password) : null,
          buildingIds: [...new Set(i.buildingIds)],
          direction: i.direction,
          enabled: i.enabled,
          ...doorColumns(i),
        })
        .returning();
      await scheduleDeviceSync(this.ctx, tx, d!.id, 'create');
      await audit(tx, actor, 'access.device.create', { type: 'access_device', id: d!.id }, { name: d!.name, adapter: d!.adapter });
      return d!;
    });
    if (row.adapter === 'mqtt' && this.ctx.config.WORKERS) await this.listenMqtt().catch(() => undefined);
    return (await this.view([row]))[0]!;
  }

  async updateDevice(actor: Actor, id: string, i: Partial<DeviceInput>): Promise<AccessDevice> {
    const row = await this.ctx.db.transaction(async (tx) => {
      const cur = await this.load(tx, id, true);
      this.checkInput({ adapter: (i.adapter ?? cur.adapter) as DeviceInput['adapter'], address: i.address ?? cur.address, kind: i.kind ?? cur.kind });
      if (i.buildingIds) await this.checkBuildings(tx, i.buildingIds);
      await checkDoorGrants(tx, i.openGrants);
      const set: Partial<typeof accessDevices.$inferInsert> = { updatedAt: this.ctx.clock.now(), ...doorColumns(i) };
      if (i.name !== undefined) set.name = i.name.trim();
      if (i.kind !== undefined) set.kind = i.kind;
      if (i.adapter !== undefined) set.adapter = i.adapter;
      if (i.address !== undefined) set.address = i.address.trim();
      if (i.username !== undefined) set.username = i.username?.trim() || null;
      if (i.password !== undefined) set.passwordEnc = i.password ? this.ctx.crypto.encrypt(i.password) : null;
      if (i.buildingIds !== undefined) set.buildingIds = [...new Set(i.buildingIds)];
      if (i.direction !== undefined) set.direction = i.direction;
      if (i.enabled !== undefined) set.enabled = i.enabled;
      const [d] = await tx.update(accessDevices).set(set).where(eq(accessDevices.id, id)).returning();
      await scheduleDeviceSync(this.ctx, tx, id, String(set.updatedAt!.getTime()));
      await audit(tx, actor, 'access.device.update', { type: 'access_device', id }, { fields: Object.keys(i).map((k) => (k === 'password' ? 'password(changed)' : k)) });
      return d!;
    });
    if (row.adapter === 'mqtt' && this.ctx.config.WORKERS) await this.listenMqtt().catch(() => undefined);
    return (await this.view([row]))[0]!;
  }

  async removeDevice(actor: Actor, id: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const d = await this.load(tx, id, true);
      const [held] = await tx
        .select({ n: count() })
        .from(accessCredentials)
        .where(and(eq(accessCredentials.deviceId, id), inArray(accessCredentials.status, ['issued', 'failed'])));
      if (Number(held?.n ?? 0) > 0) throw new AppError('DEVICE_HAS_CREDENTIALS');
      await tx.delete(accessCredentials).where(eq(accessCredentials.deviceId, id));
      // pass records stay (they carry the device's name in detail)
      await tx.update(accessEvents).set({ deviceId: null }).where(eq(accessEvents.deviceId, id));
      await tx.delete(accessDevices).where(eq(accessDevices.id, id));
      await audit(tx, actor, 'access.device.delete', { type: 'access_device', id }, { name: d.name });
    });
  }

  async checkHealth(actor: Actor, id: string): Promise<AccessDevice> {
    const d = await this.load(this.ctx.db, id);
    const r = await this.adapters.for(d).health(this.adapters.target(d));
    const row = await this.ctx.db.transaction(async (tx) => {
      await audit(tx, actor, 'access.device.health', { type: 'access_device', id }, { ok: r.ok });
      // the same record as the periodic check: a device back is re-synced at once
      return recordHealth(this.ctx, tx, id, r);
    });
    if (!row) throw new AppError('NOT_FOUND');
    return (await this.view([row]))[0]!;
  }

  async token(actor: Actor, id: string): Promise<{ token: string }> {
    await this.load(this.ctx.db, id);
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.token.read', { type: 'access_device', id }));
    return { token: deviceToken(this.ctx, id) };
  }
}
