/**
 * One database seen by two "processes": on PostgreSQL (TEST_DATABASE_URL set) a fresh database
 * opened through two separate connection pools; on PGlite (one connection by nature) the same
 * in-memory database handed to both. Plus a way to build an app on a given database, so tests can
 * run two app instances side by side the way a scaled-out deployment does.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../app.js';
import { loadConfig } from '../platform/config.js';
import { openDatabase, type Database } from '../platform/db.js';
import { createScratchDatabase } from '../db/scratch.js';
import { Clock } from '../platform/clock.js';
import { pgliteTemplate, type TestApp } from './harness.js';

export interface SharedDatabase {
  kind: 'pglite' | 'postgres';
  a: Database;
  b: Database;
  close(): Promise<void>;
}

export async function openSharedDatabase(): Promise<SharedDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ memory: true, template: await pgliteTemplate() });
    await db.migrate();
    return { kind: 'pglite', a: db, b: db, close: () => db.close() };
  }
  const scratch = await createScratchDatabase(url, 'sg_test', process.env.SG_PG_TEMPLATE);
  const a = await openDatabase({ url: scratch.url, poolMax: 5 });
  await a.migrate();
  const b = await openDatabase({ url: scratch.url, poolMax: 5 });
  // pool.end() resolves before idle sockets are gone; the forced drop below then terminates those
  // backends, and an idle client's error would surface as an unhandled 'error' on the pool.
  for (const d of [a, b]) d.pool?.on('error', () => {});
  return {
    kind: 'postgres',
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await scratch.drop();
    },
  };
}

/** An app instance on an existing database (which it does not close), configured like createTestApp. */
export async function createTestAppOn(database: Database, env: Record<string, string> = {}, masterKey = randomBytes(32).toString('base64')): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-test-'));
  const config = loadConfig({}, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, MASTER_KEY: masterKey, DEMO_DATA: 'false', WORKERS: 'false', ...env } as never);
  const { app, ctx } = await buildApp({ config, database, clock: new Clock(config.TZ_CENTER), serveWeb: false, startWorkers: false });
  await app.ready();
  return {
    app,
    ctx,
    close: async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
