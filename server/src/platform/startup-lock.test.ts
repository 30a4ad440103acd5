/**
 * Processes started together on one PostgreSQL database (a deploy, a restart of all): migrations
 * and the first-start work (first administrator, demo data) run one process at a time. Without the
 * lock, drizzle's migrator in two processes applies the first migration twice and one process
 * stops at start ("CREATE SCHEMA IF NOT EXISTS drizzle" failed). Always on the real PostgreSQL
 * (TEST_DATABASE_URL, else 127.0.0.1:5432): PGlite serves one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/scratch.js';
import { openDatabase, type Database } from './db.js';
import { requireService } from '../test/services.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let scratch: { url: string; drop: () => Promise<void> };
let dbs: Database[] = [];

beforeAll(async () => {
  await requireService('postgres', SERVER_URL, 'the startup-lock tests');
  scratch = await createScratchDatabase(SERVER_URL, 'sg_startup');
  dbs = await Promise.all([0, 1, 2].map(() => openDatabase({ url: scratch.url, poolMax: 3 })));
});
afterAll(async () => {
  for (const d of dbs) await d.close();
  await scratch?.drop();
});

describe('several processes starting on one fresh PostgreSQL database', () => {
  it('migrate at once: every one succeeds and each migration is applied once', async () => {
    await Promise.all(dbs.map((d) => d.migrate()));
    const res = await dbs[0]!.pool!.query('select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash having count(*) > 1');
    expect(res.rows).toEqual([]);
    expect((await dbs[1]!.pool!.query(`select to_regclass('public.visit_orders') as t`)).rows[0].t).toBe('visit_orders');
  });

  it('exclusive sections of one name never overlap across connections; other names do not wait', async () => {
    const trail: string[] = [];
    const section = (d: Database, who: string) =>
      d.exclusive('scale-test', async () => {
        trail.push(`${who} in`);
        await new Promise((r) => setTimeout(r, 150));
        trail.push(`${who} out`);
      });
    await Promise.all(dbs.map((d, i) => section(d, `p${i}`)));
    // each "in" is followed by its own "out"
    for (let i = 0; i < trail.length; i += 2) expect(trail[i + 1]).toBe(trail[i]!.replace(' in', ' out'));
    expect(trail).toHaveLength(6);

    let otherRan = false;
    await dbs[0]!.exclusive('scale-test', () => dbs[1]!.exclusive('another-name', async () => void (otherRan = true)));
    expect(otherRan).toBe(true);
  });
});
