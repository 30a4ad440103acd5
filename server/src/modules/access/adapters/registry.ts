/**
 * Which adapter speaks to a device (X4): the built-in simulator, Hikvision ISAPI or the MQTT
 * terminal protocol — one of each per application context — and the device as an adapter needs it
 * (its password decrypted just for the call).
 */
import type { accessDevices } from '../../../db/schema/index.js';
import type { AppContext } from '../../../platform/context.js';
import type { AccessAdapter, DeviceTarget } from './types.js';
import { simulatorOf } from './simulator.js';
import { IsapiAdapter } from './isapi.js';
import { MqttHub } from './mqtt.js';

export type DeviceRow = typeof accessDevices.$inferSelect;

const hubs = new WeakMap<AppContext, MqttHub>();
/** The MQTT hub of this application: one broker connection per broker and login, shared by its devices. */
export function mqttHubOf(ctx: AppContext): MqttHub {
  let h = hubs.get(ctx);
  if (!h) {
    // the events' shared-subscription group: the same for every process of this deployment (one MASTER_KEY), another's for another
    const shareGroup = `safeguard-${ctx.crypto.derivedSecret('mqtt-share-group').slice(0, 12)}`;
    hubs.set(ctx, (h = new MqttHub({ ackTimeoutMs: ctx.config.NODE_ENV === 'test' ? 3000 : 10_000, shareGroup })));
  }
  return h;
}

export class Adapters {
  private readonly isapi: IsapiAdapter;

  constructor(private readonly ctx: AppContext) {
    this.isapi = new IsapiAdapter((...a) => ctx.fetch(...a), ctx.config.TZ_CENTER);
  }

  for(d: { adapter: string }): AccessAdapter {
    if (d.adapter === 'hikvision_isapi') return this.isapi;
    if (d.adapter === 'mqtt') return mqttHubOf(this.ctx);
    return simulatorOf(this.ctx);
  }

  target(d: DeviceRow): DeviceTarget {
    return { id: d.id, name: d.name, adapter: d.adapter as DeviceTarget['adapter'], address: d.address, username: d.username, password: d.passwordEnc ? this.ctx.crypto.decrypt(d.passwordEnc) : null };
  }
}
