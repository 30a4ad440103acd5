/**
 * Reports that show personal data read it where AppContext.reports points (a read replica when
 * DATABASE_REPLICA_URL is set) and write their audit record to the primary.
 *
 * Without a replica both happen in one transaction, as every other audited read does. With one,
 * no transaction spans two servers: the rows are read on the replica first, then the audit record
 * is committed on the primary, and only then is the answer sent — so nothing is ever shown without
 * its audit record. (The reverse can happen: an audit record of a read whose answer was then lost
 * to a broken connection — an over-report, never an under-report.) docs/decisions/0016.
 */
import type { AppContext } from './context.js';
import type { Tx } from './db.js';

export async function auditedReport<T>(ctx: Pick<AppContext, 'db' | 'reports'>, read: (tx: Tx) => Promise<T>, record: (tx: Tx, result: T) => Promise<unknown>): Promise<T> {
  if (ctx.reports === ctx.db) {
    return ctx.db.transaction(async (tx) => {
      const result = await read(tx);
      await record(tx, result);
      return result;
    });
  }
  const result = await ctx.reports.transaction((tx) => read(tx));
  await ctx.db.transaction((tx) => record(tx, result));
  return result;
}
