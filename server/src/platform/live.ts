/**
 * The live bus: "something changed" hints for open screens (the admin 首页 and 在场人员, the reception
 * 点名 page), delivered over server-sent events. An event names a topic and carries no personal data:
 * a screen that hears one fetches its data again through the ordinary, access-checked API.
 *
 * Delivery: an in-process EventEmitter fans out to this process's streams; other processes hear it
 * through Redis pub/sub when REDIS_URL is set, else through PostgreSQL LISTEN/NOTIFY on PostgreSQL
 * (embedded PGlite serves one process, so in-process is all it needs). One message at a time per
 * process: the topics changed while one is on its way go together in the next.
 *
 * After commit: `changed()` called inside `db.transaction(...)` waits until that transaction has
 * committed (and is dropped if it rolls back) — `wrapTransactions` puts a per-transaction set in an
 * AsyncLocalStorage around every transaction of the database. Outside a transaction it goes at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';

/** visits: an order's status, arrival or leave; passes: a gate saw someone; roll_call: a roll call started, ended or marked */
export const LIVE_TOPICS = ['visits', 'passes', 'roll_call'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export interface LiveEvent {
  topic: LiveTopic;
  /** ISO time the change was published */
  at: string;
}

/** Carries events between processes. */
export interface LiveTransport {
  readonly name: 'postgres' | 'redis';
  start(onMessage: (raw: string) => void): Promise<void>;
  send(raw: string): Promise<void>;
  close(): Promise<void>;
}

interface Warn {
  warn(obj: unknown, msg?: string): void;
  info?(msg: string): void;
}

/** What goes between processes: the topics changed since the last message (one message for many changes under load). */
interface Wire {
  topics: LiveTopic[];
  at: string;
  origin: string;
}

export class LiveBus {
  private readonly emitter = new EventEmitter();
  private readonly pending = new AsyncLocalStorage<Set<LiveTopic>>();
  private readonly streams = new Set<() => void>();
  /** topics changed while a message to the other processes is on its way: they go in the next */
  private readonly outgoing = new Set<LiveTopic>();
  private sending: Promise<void> | null = null;
  /** this bus's id: its own events coming back from the transport are not delivered twice */
  readonly origin = randomUUID();

  constructor(
    private readonly transport: LiveTransport | null = null,
    private readonly log?: Warn,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** 'memory' (this process only), 'postgres' or 'redis' */
  get mode(): 'memory' | 'postgres' | 'redis' {
    return this.transport?.name ?? 'memory';
  }

  /** Start hearing other processes; a transport that is down now is not fatal (this process still hears itself). */
  async start(): Promise<void> {
    try {
      await this.transport?.start((raw) => this.receive(raw));
    } catch (err) {
      this.log?.warn({ err }, 'live bus: cannot listen to other processes yet');
    }
  }

  /** Listen to events; returns the function that stops listening. */
  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  /** Keep an open stream's end function, so that `endStreams` can end it when the server closes. */
  track(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** End every open stream (before the server closes: an open stream would hold app.close() up). */
  endStreams(): void {
    for (const end of [...this.streams]) end();
  }

  /** How many streams listen in this process (tests check that a closed stream let go). */
  listeners(): number {
    return this.emitter.listenerCount('event');
  }

  /** Tell the open screens that a topic changed: after the surrounding transaction commits, or now. */
  changed(topic: LiveTopic): void {
    const set = this.pending.getStore();
    if (set) set.add(topic);
    else this.publish(topic);
  }

  /** Deliver now, here and (through the transport) in every other process. */
  publish(topic: LiveTopic): void {
    this.publishAll([topic]);
  }

  /**
   * Deliver these topics here now, and to the other processes in one message. While a message is
   * on its way, what changes meanwhile waits and goes in the next one: at the morning rush a
   * process sends a few messages a second, not one (or two) per pass or approval.
   */
  private publishAll(topics: Iterable<LiveTopic>): void {
    const at = new Date().toISOString();
    for (const topic of topics) {
      this.emitter.emit('event', { topic, at } satisfies LiveEvent);
      if (this.transport) this.outgoing.add(topic);
    }
    if (!this.transport || this.sending || !this.outgoing.size) return;
    const transport = this.transport;
    this.sending = (async () => {
      while (this.outgoing.size) {
        const wire: Wire = { topics: [...this.outgoing], at: new Date().toISOString(), origin: this.origin };
        this.outgoing.clear();
        await transport.send(JSON.stringify(wire)).catch((err: unknown) => this.log?.warn({ err }, 'live bus: could not publish'));
      }
    })().finally(() => (this.sending = null));
  }

  private receive(raw: string) {
    let w: Partial<Wire> & { topic?: string };
    try {
      w = JSON.parse(raw) as Partial<Wire> & { topic?: string };
    } catch {
      return;
    }
    if (w.origin === this.origin) return;
    const at = typeof w.at === 'string' ? w.at : new Date().toISOString();
    const topics = Array.isArray(w.topics) ? w.topics : [w.topic];
    for (const topic of topics) if ((LIVE_TOPICS as readonly unknown[]).includes(topic)) this.emitter.emit('event', { topic: topic as LiveTopic, at } satisfies LiveEvent);
  }

  /**
   * Make `changed()` inside `db.transaction(fn)` wait for the commit. Every call of db.transaction gets
   * its own set (a transaction begun inside another is a separate one on PostgreSQL); savepoints
   * (`tx.transaction`) share their transaction's set.
   */
  wrapTransactions(db: Db): void {
    const original = db.transaction.bind(db);
    const bus = this;
    db.transaction = async function (...args: Parameters<Db['transaction']>) {
      const set = new Set<LiveTopic>();
      const result = await bus.pending.run(set, () => original(...args));
      if (set.size) bus.publishAll(set);
      return result;
    } as Db['transaction'];
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.sending;
    await this.transport?.close();
  }
}

const CHANNEL = 'sg_live';

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated connection listens (reconnecting after a drop); NOTIFY goes
 * through the pool. The job queue uses one too, on its own channel, to wake other processes' workers.
 */
export class PgLiveTransport implements LiveTransport {
  readonly name = 'postgres' as const;
  private client: import('pg').Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** lost and not listening again yet: the loss is logged once, not at every retry of an outage */
  private down = false;
  private onMessage: (raw: string) => void = () => {};

  constructor(
    private readonly pool: import('pg').Pool,
    private readonly log?: Warn,
    private readonly channel = CHANNEL,
    /** who is listening, for the log lines */
    private readonly label = 'live bus',
  ) {}

  /** Listen (again after a close: the job queue's workers can be stopped and started). */
  async start(onMessage: (raw: string) => void): Promise<void> {
    this.onMessage = onMessage;
    this.closed = false;
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const pg = await import('pg');
    const client = new pg.default.Client(this.pool.options);
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload) this.onMessage(n.payload);
    });
    const again = (err?: unknown) => {
      if (this.closed || this.client !== client) return;
      this.client = null;
      if (err && !this.down) this.log?.warn({ err }, `${this.label}: LISTEN connection lost, reconnecting`);
      this.down = true;
      client.end().catch(() => {});
      this.retry = setTimeout(() => void this.connect().catch(() => again()), 2000);
    };
    client.on('error', again);
    client.on('end', () => again());
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
      if (this.down) this.log?.info?.(`${this.label}: listening to other processes again`);
      this.down = false;
    } catch (err) {
      again(err);
    }
  }

  async send(raw: string): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [this.channel, raw]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}

/** Redis pub/sub: a second connection subscribes (ioredis puts a subscribing connection in its own mode). */
export class RedisLiveTransport implements LiveTransport {
  readonly name = 'redis' as const;
  private sub: import('ioredis').Redis | null = null;
  private readonly channel: string;

  constructor(
    private readonly redis: import('ioredis').Redis,
    /** REDIS_KEY_PREFIX */
    prefix = 'sg:',
  ) {
    this.channel = `${prefix}live`;
  }

  async start(onMessage: (raw: string) => void): Promise<void> {
    const sub = this.redis.duplicate();
    this.sub = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) onMessage(message);
    });
    await sub.subscribe(this.channel);
  }

  async send(raw: string): Promise<void> {
    await this.redis.publish(this.channel, raw);
  }

  async close(): Promise<void> {
    await this.sub?.quit().catch(() => {});
    this.sub = null;
  }
}
