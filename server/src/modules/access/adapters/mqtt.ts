/**
 * The generic MQTT terminal protocol (X4) — for gates whose controller speaks MQTT rather than
 * ISAPI. A device's address is `mqtt://broker:1883/<terminalId>` (mqtts:// for TLS); its user name
 * and password are the broker login. Topics (JSON payloads, QoS 1; see docs/integrations/access.md):
 *   safeguard/<terminalId>/credentials/upsert  server → terminal  {requestId, personId, …} (a barrier: kinds ['plate'], plate)
 *   safeguard/<terminalId>/credentials/remove  server → terminal  {requestId, personId}
 *   safeguard/<terminalId>/credentials/ack     terminal → server  {requestId, ok, error?}
 *   safeguard/<terminalId>/status              terminal, retained {online, model?, firmware?} (+ last will {online:false})
 *   safeguard/<terminalId>/events              terminal → server  PassEventInput
 *   safeguard/<terminalId>/cmd                 server → terminal  {requestId, type:'door.open', door, by, expiresAt} (远程开门)
 *   safeguard/<terminalId>/cmd/ack             terminal → server  {requestId, ok, error?}
 * An upsert or remove counts only when the terminal acknowledges it; otherwise it fails and the
 * issuance job retries. A door command is never queued for later: without a broker connection, or
 * with the terminal's retained status offline, it is not sent; without an ack in time it is
 * 'offline', and the terminal must drop a command it receives after its expiresAt.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { CredentialPush, DeviceTarget, AccessAdapter, DoorCommand, HealthResult } from './types.js';
import { DeviceError, DeviceUnreachable } from './types.js';

export interface MqttAddress {
  brokerUrl: string;
  terminalId: string;
}

/** mqtt://host:1883/gate-01 → broker mqtt://host:1883, terminal gate-01. */
export function parseMqttAddress(address: string): MqttAddress | null {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return null;
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol)) return null;
  const terminalId = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(terminalId)) return null;
  return { brokerUrl: `${u.protocol}//${u.host}`, terminalId };
}

export const topics = (tid: string) => ({
  upsert: `safeguard/${tid}/credentials/upsert`,
  remove: `safeguard/${tid}/credentials/remove`,
  ack: `safeguard/${tid}/credentials/ack`,
  status: `safeguard/${tid}/status`,
  events: `safeguard/${tid}/events`,
  cmd: `safeguard/${tid}/cmd`,
  cmdAck: `safeguard/${tid}/cmd/ack`,
});
/** how long a door command waits for its ack (someone is waiting at the door) */
const DOOR_ACK_TIMEOUT_MS = 5000;

type EventHandler = (terminalId: string, payload: unknown, brokerUrl: string) => void;

/** One connection per broker and login, shared by every device on it; acks matched by requestId. */
export class MqttHub implements AccessAdapter {
  /** upserts and removes waiting for their acks at once, per batch (acks are matched by requestId) */
  readonly inFlight = 16;
  private readonly clients = new Map<string, Promise<MqttClient>>();
  private readonly waiting = new Map<string, { resolve: (v: { ok: boolean; error?: string }) => void }>();
  private readonly statusSeen = new Map<string, unknown>();
  private eventHandler: EventHandler | null = null;
  private closed = false;
  /** every message a terminal sends (status, ack, event) — the device watch follows them */
  onTerminal: ((brokerUrl: string, terminalId: string, kind: 'status' | 'ack' | 'event') => void) | null = null;

  constructor(
    private readonly opts: {
      ackTimeoutMs?: number;
      doorAckTimeoutMs?: number;
      statusTimeoutMs?: number;
      clientIdPrefix?: string;
      /** the shared-subscription group of pass events: one per deployment (default 'safeguard') */
      shareGroup?: string;
    } = {},
  ) {}

  private addr(d: DeviceTarget): MqttAddress {
    const a = parseMqttAddress(d.address);
    if (!a) throw new DeviceError(`address is not mqtt://broker/terminalId: ${d.address}`);
    return a;
  }

  private client(brokerUrl: string, username: string | null, password: string | null): Promise<MqttClient> {
    if (this.closed) return Promise.reject(new DeviceError('MQTT hub closed'));
    const key = `${brokerUrl}|${username ?? ''}|${password ?? ''}`;
    let p = this.clients.get(key);
    if (!p) {
      p = mqtt
        .connectAsync(
          brokerUrl,
          {
            clientId: `${this.opts.clientIdPrefix ?? 'safeguard'}-${randomUUID().slice(0, 8)}`,
            username: username ?? undefined,
            password: password ?? undefined,
            connectTimeout: 5000,
            reconnectPeriod: 2000,
            protocolVersion: 4,
          },
          false,
        )
        .then(async (c) => {
          if (this.closed) {
            await c.endAsync(true);
            throw new Error('MQTT hub closed');
          }
          c.on('message', (topic, buf) => this.onMessage(topic, buf, brokerUrl));
          // acks and status go to every process (the one waiting picks its requestId); pass events
          // to one of them: a shared subscription, so N server processes record each pass once —
          // one group per deployment, so that another deployment (or test run) on the same broker
          // does not take this one's events
          await c.subscribeAsync(['safeguard/+/credentials/ack', 'safeguard/+/cmd/ack', 'safeguard/+/status', `$share/${this.opts.shareGroup ?? 'safeguard'}/safeguard/+/events`], { qos: 1 });
          return c;
        })
        .catch((e: Error) => {
          this.clients.delete(key);
          throw new DeviceUnreachable(`broker unreachable: ${e.message}`);
        });
      this.clients.set(key, p);
    }
    return p;
  }

  private onMessage(topic: string, buf: Buffer, brokerUrl: string) {
    const m = topic.match(/^safeguard\/([^/]+)\/(credentials\/ack|cmd\/ack|status|events)$/);
    if (!m) return;
    const [, tid, kind] = m;
    // a cleared retained status: nothing is known of the terminal any more
    if (kind === 'status' && buf.length === 0) this.statusSeen.delete(`${brokerUrl}|${tid}`);
    let payload: unknown;
    try {
      payload = JSON.parse(buf.toString('utf8'));
    } catch {
      if (kind === 'status') this.onTerminal?.(brokerUrl, tid!, 'status');
      return;
    }
    if (kind === 'credentials/ack' || kind === 'cmd/ack') {
      const a = payload as { requestId?: string; ok?: boolean; error?: string };
      const w = a.requestId ? this.waiting.get(a.requestId) : undefined;
      if (w) w.resolve({ ok: a.ok === true, error: a.error });
    } else if (kind === 'status') this.statusSeen.set(`${brokerUrl}|${tid}`, payload);
    else this.eventHandler?.(tid!, payload, brokerUrl);
    this.onTerminal?.(brokerUrl, tid!, kind === 'status' ? 'status' : kind === 'events' ? 'event' : 'ack');
  }

  /** Publish (QoS 1) and wait for the terminal's ack of this requestId: no ack in time → DeviceUnreachable, ok:false → DeviceError. */
  private async command(d: DeviceTarget, topic: 'upsert' | 'remove' | 'cmd', body: Record<string, unknown>, o: { timeoutMs?: number; now?: boolean } = {}): Promise<void> {
    const a = this.addr(d);
    const c = await this.client(a.brokerUrl, d.username, d.password);
    // mqtt.js keeps a QoS 1 message for after a reconnect: a door must not open minutes later
    if (o.now && !c.connected) throw new DeviceUnreachable(`broker connection lost (${a.brokerUrl})`);
    const requestId = randomUUID();
    const timeoutMs = o.timeoutMs ?? this.opts.ackTimeoutMs ?? 10_000;
    const acked = new Promise<{ ok: boolean; error?: string; timeout?: true }>((resolve) => {
      this.waiting.set(requestId, { resolve });
      setTimeout(() => resolve({ ok: false, timeout: true, error: `no ack from terminal ${a.terminalId} within ${timeoutMs / 1000}s` }), timeoutMs).unref();
    });
    try {
      await c.publishAsync(topics(a.terminalId)[topic], JSON.stringify({ requestId, ...body }), { qos: 1 });
      const r = await acked;
      if (r.timeout) throw new DeviceUnreachable(r.error!);
      if (!r.ok) throw new DeviceError(r.error ?? 'terminal refused');
    } finally {
      this.waiting.delete(requestId);
    }
  }

  async upsert(d: DeviceTarget, p: CredentialPush): Promise<void> {
    await this.command(d, 'upsert', {
      personId: p.personId,
      orderId: p.orderId,
      name: p.name,
      validFrom: p.validFrom.toISOString(),
      validTo: p.validTo.toISOString(),
      kinds: p.kinds,
      idNumber: p.idNumber,
      face: p.face ? p.face.toString('base64') : null,
      // the terminal accepts a 访客预约码 whose claim `o` is this order, verified offline with GET /api/codes/public-key
      ...(p.kinds.includes('qr') ? { qr: { orderId: p.orderId } } : {}),
      // a barrier: the plate its camera lets in (kinds ['plate'])
      ...(p.plate ? { plate: p.plate } : {}),
    });
  }

  async remove(d: DeviceTarget, personId: string): Promise<void> {
    await this.command(d, 'remove', { personId });
  }

  /** 远程开门: `cmd` {type:'door.open'} acknowledged on `cmd/ack`; never sent to a terminal whose retained status is offline. */
  async openDoor(d: DeviceTarget, cmd: DoorCommand): Promise<void> {
    const a = this.addr(d);
    const status = this.statusSeen.get(`${a.brokerUrl}|${a.terminalId}`) as { online?: boolean } | undefined;
    if (status && status.online !== true) throw new DeviceUnreachable(`terminal ${a.terminalId} is offline`);
    const timeoutMs = Math.min(this.opts.doorAckTimeoutMs ?? DOOR_ACK_TIMEOUT_MS, this.opts.ackTimeoutMs ?? DOOR_ACK_TIMEOUT_MS);
    const expiresAt = new Date(Date.now() + timeoutMs).toISOString();
    await this.command(d, 'cmd', { type: 'door.open', door: cmd.door, by: cmd.by, expiresAt }, { timeoutMs, now: true });
  }

  async health(d: DeviceTarget): Promise<HealthResult> {
    try {
      const a = this.addr(d);
      const k = `${a.brokerUrl}|${a.terminalId}`;
      const c = await this.client(a.brokerUrl, d.username, d.password);
      // a status kept from before a lost broker connection says nothing about now
      if (!c.connected) return { ok: false, detail: `broker connection lost (${a.brokerUrl})` };
      const until = Date.now() + (this.opts.statusTimeoutMs ?? 3000);
      while (!this.statusSeen.has(k) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const s = this.statusSeen.get(k) as { online?: boolean; model?: string; firmware?: string } | undefined;
      if (!s) return { ok: false, detail: `no status from terminal ${a.terminalId} on the broker` };
      if (s.online !== true) return { ok: false, detail: `terminal ${a.terminalId} is offline` };
      return { ok: true, detail: [a.terminalId, s.model, s.firmware].filter(Boolean).join(' / ') };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  /** Listen for pass events of every terminal on the brokers of `devices`. */
  async listen(devices: DeviceTarget[], handler: EventHandler): Promise<void> {
    this.eventHandler = handler;
    for (const d of devices) {
      const a = parseMqttAddress(d.address);
      if (a) await this.client(a.brokerUrl, d.username, d.password).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const p of all) {
      const c = await p.catch(() => null);
      if (c) await c.endAsync(true).catch(() => undefined);
    }
  }
}
