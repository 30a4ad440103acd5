/**
 * A throw-away PostgreSQL database for test files, e2e runs and benchmarks: created from a
 * server URL (trust auth in CI), dropped (with force) when done. `template`: a copy of that
 * database (CREATE DATABASE … TEMPLATE, a file copy: the test run's migrated template).
 */
import { randomBytes } from 'node:crypto';

export async function createScratchDatabase(serverUrl: string, prefix = 'sg_test', template?: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
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
  if (template && !/^[a-z0-9_]+$/.test(template)) throw new Error(`createScratchDatabase: bad template name ${template}`);
  await run(template ? `create database ${name} template ${template}` : `create database ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => run(`drop database if exists ${name} with (force)`) };
}
