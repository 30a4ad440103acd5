/**
 * vitest globalSetup: one migrated database for the whole test run, which every test database
 * the harness makes (createTestApp) starts from instead of an empty one plus every migration —
 * that was most of each test file's setup.
 * - PGlite (default): the migrated data directory as a tarball in a temporary file named by
 *   SG_PGLITE_TEMPLATE; the harness loads it (PGlite loadDataDir).
 * - PostgreSQL (TEST_DATABASE_URL): a migrated database named by SG_PG_TEMPLATE; the harness's
 *   databases are CREATE DATABASE … TEMPLATE it (a file copy). Dropped at the end of the run.
 * Both are made from the migrations in the tree on every run, so they are never stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../platform/db.js';
import { createScratchDatabase } from '../db/scratch.js';
import { requireService } from './services.js';

export async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    await requireService('postgres', url, 'the tests on PostgreSQL (TEST_DATABASE_URL)');
    const tpl = await createScratchDatabase(url, 'sg_tpl');
    const database = await openDatabase({ url: tpl.url, poolMax: 1 });
    await database.migrate();
    await database.close(); // a template must have no connections when it is copied
    process.env.SG_PG_TEMPLATE = tpl.name;
    return () => tpl.drop();
  }
  const database = await openDatabase({ memory: true });
  await database.migrate();
  const dump = await database.dumpDataDir!();
  await database.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-pglite-template-'));
  const file = path.join(dir, 'migrated.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env.SG_PGLITE_TEMPLATE = file;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
