/**
 * Prepared statements for the hot paths (issue 13): a Drizzle query built once, with
 * `sql.placeholder(...)` for what varies, then run on any connection — the database or a
 * transaction — with the values of the moment. The query builder costs 50–300 µs of CPU per
 * statement (an INSERT into visit_orders with RETURNING: ~280 µs); a hot query pays it once per
 * process. On PostgreSQL the statement is also named, so each connection parses and plans it once.
 *
 * Drizzle's own `.prepare()` binds the statement to the connection it was built on, so it cannot
 * run inside a transaction begun later; this keeps the prepared statement (its SQL, its
 * placeholders, its result mapping) and runs it with the connection of the caller's database or
 * transaction. Values go to the driver as they are (`param`): a Date, a string, a number, null — a
 * json column's value as its JSON text. A column whose default is computed in JavaScript
 * ($defaultFn: the uuidv7 ids) would be computed once when the statement is built, so a hot INSERT
 * gives such a column a parameter.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from './db.js';

/**
 * A parameter of a hot query, passed to the driver as it is (no column encoding: Drizzle's would
 * turn a null timestamp into an error and a null json into the JSON `null`).
 */
export const param = (name: string): SQL => sql`${sql.placeholder(name)}`;

interface Preparable {
  prepare(name: string): unknown;
}
interface PreparedLike {
  client: unknown;
  execute(values?: Record<string, unknown>): Promise<unknown>;
}
interface WithSession {
  session: { client: unknown; constructor: unknown };
}

export interface HotQuery<P extends Record<string, unknown>, R> {
  (on: Tx | Db, values: P): Promise<R>;
  /** the statement's name (on PostgreSQL, the name of the server-side prepared statement) */
  readonly statementName: string;
}

/**
 * `name` is the server-side statement name: unique per statement (sg_ + what it does). `build`
 * receives a database to build on and returns the query, its variable parts placeholders.
 */
export function hotQuery<P extends Record<string, unknown>, R>(name: string, build: (db: Db) => Preparable): HotQuery<P, R> {
  // one prepared statement per driver (node-postgres and PGlite prepare differently; a test
  // process may hold both)
  const byDriver = new Map<unknown, PreparedLike>();
  const run = (on: Tx | Db, values: P): Promise<R> => {
    const session = (on as unknown as WithSession).session;
    let base = byDriver.get(session.constructor);
    if (!base) {
      base = build(on as Db).prepare(name) as PreparedLike;
      byDriver.set(session.constructor, base);
    }
    // the same statement on this caller's connection (the pool, or the transaction's client)
    const q = base.client === session.client ? base : (Object.create(base, { client: { value: session.client } }) as PreparedLike);
    return q.execute(values) as Promise<R>;
  };
  return Object.assign(run, { statementName: name });
}
