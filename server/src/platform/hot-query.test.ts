/**
 * Hot queries (prepared once, run on the caller's connection): inside a transaction they are part
 * of it — rolled back with it, seeing its uncommitted rows — and outside one they run on the pool;
 * the values of each call are its own (no value of an earlier call or of the build sticks), null
 * is written as SQL NULL, and two databases (two pools, as two processes) each get the statement.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { auditLog } from '../db/schema/index.js';
import { openSharedDatabase, type SharedDatabase } from '../test/shared-db.js';
import { hotQuery, param } from './hot-query.js';

let shared: SharedDatabase;
beforeAll(async () => {
  shared = await openSharedDatabase();
});
afterAll(async () => {
  await shared?.close();
});
beforeEach(async () => {
  await shared.a.db.delete(auditLog).where(eq(auditLog.action, 'test.hot'));
});

const insertEntry = hotQuery<{ actorId: string; targetId: string | null; detail: string | null }, unknown>('sg_test_hot_insert', (db) =>
  db.insert(auditLog).values({ actorType: 'system', actorId: param('actorId'), action: 'test.hot', targetType: 'test', targetId: param('targetId'), detail: param('detail') }),
);
const byActor = hotQuery<{ actorId: string }, Array<{ actorId: string; targetId: string | null; detail: unknown; isNull: boolean }>>('sg_test_hot_select', (db) =>
  db
    .select({ actorId: auditLog.actorId, targetId: auditLog.targetId, detail: auditLog.detail, isNull: sql<boolean>`${auditLog.detail} is null` })
    .from(auditLog)
    .where(sql`${auditLog.action} = 'test.hot' and ${auditLog.actorId} = ${param('actorId')}::text`),
);

describe('hotQuery', () => {
  it('runs on the pool with each call its own values; JSON text is stored as JSON, null as NULL', async () => {
    const { db } = shared.a;
    await insertEntry(db, { actorId: 'a', targetId: 't1', detail: JSON.stringify({ n: 1 }) });
    await insertEntry(db, { actorId: 'b', targetId: null, detail: null });
    expect(await byActor(db, { actorId: 'a' })).toEqual([{ actorId: 'a', targetId: 't1', detail: { n: 1 }, isNull: false }]);
    expect(await byActor(db, { actorId: 'b' })).toEqual([{ actorId: 'b', targetId: null, detail: null, isNull: true }]);
  });

  it('inside a transaction: part of it — sees its own rows, and a rollback takes them back', async () => {
    const { db } = shared.a;
    await expect(
      db.transaction(async (tx) => {
        await insertEntry(tx, { actorId: 'tx', targetId: null, detail: null });
        // the transaction's own connection sees the uncommitted row
        expect(await byActor(tx, { actorId: 'tx' })).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await byActor(db, { actorId: 'tx' })).toEqual([]);
    await db.transaction((tx) => insertEntry(tx, { actorId: 'tx', targetId: null, detail: null }));
    expect(await byActor(db, { actorId: 'tx' })).toHaveLength(1);
  });

  it('the same statement from a second database (another pool, as another process)', async () => {
    await insertEntry(shared.b.db, { actorId: 'other', targetId: 'x', detail: null });
    expect(await byActor(shared.a.db, { actorId: 'other' })).toHaveLength(1);
    expect(await byActor(shared.b.db, { actorId: 'other' })).toHaveLength(1);
  });
});
