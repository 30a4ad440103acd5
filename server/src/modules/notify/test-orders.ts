/** Test helper: a visit order inserted directly (the notify tests don't depend on the visits service). */
import { visitOrders } from '../../db/schema/index.js';
import { newStaff } from '../../test/factories.js';
import type { TestApp } from '../../test/harness.js';

export async function insertOrder(t: TestApp, o: Partial<typeof visitOrders.$inferInsert> & { visitorPhone: string }): Promise<string> {
  const host = o.hostId ? { id: o.hostId, unitId: o.unitId! } : await newStaff(t);
  const start = new Date(Date.now() + 24 * 3600_000);
  const [row] = await t.ctx.db
    .insert(visitOrders)
    .values({
      kind: 'appointment',
      status: 'pending',
      reason: '商务洽谈',
      startAt: start,
      endAt: new Date(start.getTime() + 2 * 3600_000),
      ...o,
      hostId: host.id,
      unitId: host.unitId,
    })
    .returning({ id: visitOrders.id });
  return row!.id;
}
