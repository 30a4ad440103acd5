/**
 * A throw-away PostgreSQL database for test files, e2e runs and benchmarks: created from a
 * server URL (trust auth in CI), dropped (with force) when done.
 */
import { randomBytes } from 'node:crypto';

export async function createScratchDatabase(serverUrl: string, prefix = 'sg_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = await import('pg');
  const name = `${prefix}_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.default.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
