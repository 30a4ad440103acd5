/**
 * The database: embedded PGlite (data in DATA_DIR/pglite) when DATABASE_URL is unset, PostgreSQL
 * through `pg` otherwise. One Drizzle schema and one set of committed migrations serve both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '../db/schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: repositories take either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * Called when a pooled PostgreSQL connection breaks outside a query (the server restarted, the
   * network dropped). The default absorbs it, so the process survives; app.ts points it at DbHealth.
   */
  onConnectionError: (err: Error) => void;
  /** Applies the committed migrations; on PostgreSQL one process at a time (processes started together wait for the first). */
  migrate(): Promise<void>;
  /**
   * Runs `fn` while holding a deployment-wide lock named `name`: on PostgreSQL a session advisory
   * lock on a connection of its own (not the pool's, so `fn` may use every pooled connection; the
   * lock goes with the connection if the process dies); PGlite serves one process, so it just runs.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Raw pg-compatible pool when on PostgreSQL (benchmarks); undefined on PGlite. */
  pool?: import('pg').Pool;
  /** PGlite only: the whole data directory as a tarball (a template other in-memory databases start from). */
  dumpDataDir?(): Promise<Blob>;
}

/** first key of every advisory lock `exclusive` takes ('SG') */
const ADVISORY_LOCK_SPACE = 0x5347;

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../db/migrations');

export async function openDatabase(opts: {
  url?: string;
  dataDir?: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  memory?: boolean;
  /** PGlite in memory: start from this data directory (a dumpDataDir tarball) instead of an empty cluster */
  template?: Blob;
}): Promise<Database> {
  if (opts.url) {
    const pg = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    // timestamptz as Date, bigint (count(*)) as number
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    // fail fast when the server is unreachable: a request answers 503 instead of hanging
    const pool = new pg.default.Pool({ connectionString: opts.url, max: opts.poolMax ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
    const db = drizzle(pool, { schema }) as unknown as Db;
    const exclusive = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const client = new pg.default.Client({ connectionString: opts.url, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
      client.on('error', () => {});
      await client.connect();
      try {
        // the two-key form: its own key space, apart from the one-key transaction locks elsewhere
        await client.query('select pg_advisory_lock($1, hashtext($2))', [ADVISORY_LOCK_SPACE, name]);
        return await fn();
      } finally {
        await client.end().catch(() => {});
      }
    };
    const database: Database = {
      db,
      kind: 'postgres',
      pool,
      onConnectionError: () => {},
      // drizzle's migrator creates its schema and applies pending migrations without a lock: two
      // processes started together would both apply the first migration, and one would fail
      migrate: () => exclusive('migrate', () => migrate(db as never, { migrationsFolder })),
      exclusive,
      close: () => pool.end(),
    };
    // Without these listeners a dropped connection is an unhandled 'error' event that ends the
    // process. Every client reports on itself, idle or checked out (inside a transaction, whose
    // query has already been rejected, so the request still gets its answer); the pool re-emits an
    // idle client's error, already reported, so its listener only keeps that from being fatal.
    pool.on('connect', (client) => client.on('error', (err) => database.onConnectionError(err)));
    pool.on('error', () => {});
    return database;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = opts.memory ? undefined : path.join(opts.dataDir ?? './data', 'pglite');
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const client = dir
    ? new PGlite(dir, { extensions: { btree_gist } })
    : new PGlite({ extensions: { btree_gist }, ...(opts.template ? { loadDataDir: opts.template } : {}) });
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    onConnectionError: () => {},
    migrate: () => migrate(db as never, { migrationsFolder }),
    exclusive: (_name, fn) => fn(),
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('none'),
  };
}
