/**
 * The live bus (A9/A11): a change published in one process reaches the screens of every other —
 * through PostgreSQL LISTEN/NOTIFY, or Redis pub/sub when REDIS_URL is set — and a change made
 * inside a transaction goes out only once it has committed (never when it rolls back).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { createScratchDatabase } from '../db/scratch.js';
import { openDatabase, type Database } from './db.js';
import { LiveBus, PgLiveTransport, RedisLiveTransport, type LiveEvent } from './live.js';
import { requireService } from '../test/services.js';
import { createTestApp, pgliteTemplate, type TestApp } from '../test/harness.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';

/** What a bus heard, and a promise for the next event of a topic. */
function ear(bus: LiveBus) {
  const heard: LiveEvent[] = [];
  bus.subscribe((e) => heard.push(e));
  return { heard, next: (topic: string) => vi.waitFor(() => expect(heard.map((e) => e.topic)).toContain(topic), { timeout: 5000, interval: 20 }) };
}

describe('in one process', () => {
  it('a change inside a transaction is heard after the commit, and not at all after a rollback', async () => {
    // the run's migrated template: a new PGlite cluster alone can take most of a test's 30 s on a loaded box
    const database = await openDatabase({ memory: true, template: await pgliteTemplate() });
    const bus = new LiveBus();
    bus.wrapTransactions(database.db);
    const { heard } = ear(bus);
    let during = -1;
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      bus.changed('visits');
      bus.changed('visits');
      during = heard.length;
    });
    expect(during).toBe(0);
    expect(heard.map((e) => e.topic)).toEqual(['visits']); // twice in one transaction: one event
    await expect(
      database.db.transaction(async () => {
        bus.changed('roll_call');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(heard.map((e) => e.topic)).toEqual(['visits']);
    bus.changed('passes'); // outside a transaction: at once
    expect(heard.map((e) => e.topic)).toEqual(['visits', 'passes']);
    expect(Object.keys(heard[0]!).sort()).toEqual(['at', 'topic']); // nothing about anybody
    await bus.close();
    await database.close();
  });
});

describe('a burst of changes', () => {
  it('goes to the other processes in a few messages, not one per change, and each is heard there', async () => {
    // two buses joined by a wire whose messages take 30 ms to go out
    const sent: string[] = [];
    const wire = (peer: () => LiveBus) => ({
      name: 'postgres' as const,
      start: async () => {},
      close: async () => {},
      send: async (raw: string) => {
        sent.push(raw);
        await new Promise((r) => setTimeout(r, 30));
        (peer() as unknown as { receive(raw: string): void }).receive(raw);
      },
    });
    let b: LiveBus;
    const a = new LiveBus(wire(() => b));
    b = new LiveBus(wire(() => a));
    const inA = ear(a);
    const inB = ear(b);
    for (let i = 0; i < 50; i++) {
      a.publish('passes');
      a.publish('visits');
    }
    await inB.next('visits');
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 2000, interval: 10 });
    await new Promise((r) => setTimeout(r, 100));
    // the first change went at once; the other 99 waited for it and went together
    expect(sent).toHaveLength(2);
    expect(sent.map((m) => (JSON.parse(m) as { topics: string[] }).topics)).toEqual([['passes'], ['visits', 'passes']]);
    expect(new Set(inB.heard.map((e) => e.topic))).toEqual(new Set(['passes', 'visits']));
    // here every change was heard at once
    expect(inA.heard).toHaveLength(100);
    await a.close();
    await b.close();
  });
});

describe('across processes through PostgreSQL LISTEN/NOTIFY', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let dbs: Database[] = [];
  let buses: LiveBus[] = [];
  beforeAll(async () => {
    await requireService('postgres', PG_URL, 'the live bus tests on PostgreSQL');
    scratch = await createScratchDatabase(PG_URL, 'sg_live');
    // two "processes": each its own pool and its own bus
    dbs = [await openDatabase({ url: scratch.url, poolMax: 2 }), await openDatabase({ url: scratch.url, poolMax: 2 })];
    buses = dbs.map((d) => new LiveBus(new PgLiveTransport(d.pool!)));
    for (const [i, b] of buses.entries()) {
      b.wrapTransactions(dbs[i]!.db);
      await b.start();
    }
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
    for (const d of dbs) await d.close();
    await scratch?.drop();
  });

  it('a change committed in one process is heard in the other, once; a rolled back one is not', async () => {
    const [a, b] = buses as [LiveBus, LiveBus];
    const inA = ear(a);
    const inB = ear(b);
    await expect(
      dbs[0]!.db.transaction(async () => {
        a.changed('passes');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();
    await dbs[0]!.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      a.changed('visits');
    });
    await inB.next('visits');
    b.publish('roll_call');
    await inA.next('roll_call');
    // the sender hears itself once (not again through PostgreSQL); the rolled back change nowhere
    expect(inA.heard.map((e) => e.topic)).toEqual(['visits', 'roll_call']);
    expect(inB.heard.map((e) => e.topic)).toEqual(['visits', 'roll_call']);
  });

  it('the listening connection comes back after PostgreSQL drops it', async () => {
    const [a, b] = buses as [LiveBus, LiveBus];
    const inB = ear(b);
    // end every other session listening on this database (b's LISTEN connection among them)
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`);
    await admin.end();
    // a keeps publishing until b hears again
    await vi.waitFor(
      () => {
        a.publish('passes');
        expect(inB.heard.map((e) => e.topic)).toContain('passes');
      },
      { timeout: 15_000, interval: 500 },
    );
  });
});

describe('across processes through Redis pub/sub (REDIS_URL)', () => {
  const prefix = `sg-test-live-${Date.now()}:`;
  let buses: LiveBus[] = [];
  beforeAll(async () => {
    await requireService('redis', REDIS_URL, 'the live bus tests on Redis');
    buses = [new LiveBus(new RedisLiveTransport(new Redis(REDIS_URL), prefix)), new LiveBus(new RedisLiveTransport(new Redis(REDIS_URL), prefix))];
    for (const b of buses) await b.start();
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  it('a change in one process is heard in the other, once', async () => {
    const [a, b] = buses as [LiveBus, LiveBus];
    const inA = ear(a);
    const inB = ear(b);
    a.changed('visits');
    await inB.next('visits');
    b.changed('roll_call');
    await inA.next('roll_call');
    expect(inA.heard.map((e) => e.topic)).toEqual(['visits', 'roll_call']);
    expect(inB.heard.map((e) => e.topic)).toEqual(['visits', 'roll_call']);
  });
});

describe('the app wires the bus from its configuration', () => {
  it('two app processes with REDIS_URL hear each other through Redis', async () => {
    await requireService('redis', REDIS_URL, 'the live bus tests on Redis');
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `sg-test-live-app-${Date.now()}:` };
    const apps: TestApp[] = [await createTestApp({ env }), await createTestApp({ env })];
    try {
      expect(apps.map((a) => a.ctx.live.mode)).toEqual(['redis', 'redis']);
      const inSecond = ear(apps[1]!.ctx.live);
      // a change committed in the first app's database
      await apps[0]!.ctx.db.transaction(async () => apps[0]!.ctx.live.changed('visits'));
      await inSecond.next('visits');
    } finally {
      for (const a of apps) await a.close();
    }
  });

  it('without Redis: LISTEN/NOTIFY on PostgreSQL, this process only on PGlite', async () => {
    const app = await createTestApp();
    try {
      expect(app.ctx.live.mode).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'memory');
    } finally {
      await app.close();
    }
  });
});
