/**
 * Access (X4, A7): the access module's parts, put together once per application —
 * - adapters/registry.ts: which adapter speaks to a device (simulator, Hikvision ISAPI, MQTT);
 * - issuance.ts: scheduling what the gates should hold (called by other modules in their transactions);
 * - reconciler.ts: the jobs that bring the devices in line (per order, per device, in batches);
 * - devices.service.ts: 设备管理; credentials.service.ts: 下发队列; passes.service.ts: pass events;
 * - doors (远程开门) and the device watch (health, comeback) use the adapters through this service.
 */
import { and, eq } from 'drizzle-orm';
import { accessDevices } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db.js';
import type { AccessAdapter, DeviceTarget } from './adapters/types.js';
import { Adapters, mqttHubOf, type DeviceRow } from './adapters/registry.js';
import { PassService, type OrderArrivals } from './passes.service.js';
import { CredentialReconciler } from './reconciler.js';
import { DevicesService } from './devices.service.js';
import { CredentialsService } from './credentials.service.js';

export { deviceToken } from './device-token.js';
export { SYNC_JOB, DEVICE_SYNC_JOB, LIVE, scheduleOrderSync, holderChanged } from './issuance.js';
export { mqttHubOf, type DeviceRow };

export class AccessService {
  readonly adapters: Adapters;
  /** the issuance jobs */
  readonly reconciler: CredentialReconciler;
  /** 设备管理 */
  readonly devices: DevicesService;
  /** 下发队列 */
  readonly credentials: CredentialsService;
  /** pass events (通行记录, the device intake, 模拟通行) */
  readonly passes: PassService;

  constructor(
    private readonly ctx: AppContext,
    visits: OrderArrivals,
  ) {
    this.adapters = new Adapters(ctx);
    this.reconciler = new CredentialReconciler(ctx, this.adapters);
    this.devices = new DevicesService(ctx, this.adapters, () => this.listenMqtt());
    this.credentials = new CredentialsService(ctx, this.devices);
    this.passes = new PassService(ctx, visits, this);
  }

  adapterFor(d: { adapter: string }): AccessAdapter {
    return this.adapters.for(d);
  }

  target(d: DeviceRow): DeviceTarget {
    return this.adapters.target(d);
  }

  load(tx: Tx | Db, id: string): Promise<DeviceRow> {
    return this.devices.load(tx, id);
  }

  /**
   * The built-in simulator keeps what it holds in this process's memory, lost on restart: at start
   * (workers on) each enabled simulator device is synced here, in this process, with everything it
   * should hold.
   */
  async refillSimulators(): Promise<number> {
    const sims = await this.ctx.db.select({ id: accessDevices.id }).from(accessDevices).where(and(eq(accessDevices.adapter, 'simulator'), eq(accessDevices.enabled, true)));
    const forceSince = this.ctx.clock.now().toISOString();
    for (const d of sims) await this.reconciler.syncDevice({ deviceId: d.id, forceSince });
    return sims.length;
  }

  /** Subscribe to the events topic of every enabled MQTT device's broker (workers on). */
  async listenMqtt(): Promise<void> {
    const devices = await this.ctx.db.select().from(accessDevices).where(and(eq(accessDevices.adapter, 'mqtt'), eq(accessDevices.enabled, true)));
    if (!devices.length) return;
    await mqttHubOf(this.ctx).listen(devices.map((d) => this.target(d)), (terminalId, payload, brokerUrl) => {
      void this.passes.onMqttEvent(terminalId, payload, brokerUrl).catch((err) => this.ctx.log.warn({ err, terminalId }, 'mqtt pass event not recorded'));
    });
  }
}
