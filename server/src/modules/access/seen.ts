/**
 * 最近通信 (a device's last_seen_at): moved when a device answers or reports. A busy gate reports
 * many passes a second; the column is written at most once a second per device and process, so
 * that a pass or a batch of credentials does not also cost a write of the device's row.
 */
import { inArray } from 'drizzle-orm';
import { accessDevices } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';

/** the resolution of 最近通信 */
export const SEEN_RESOLUTION_MS = 1000;
const written = new WeakMap<AppContext, Map<string, number>>();

/** These devices answered now. Writes only those not written within SEEN_RESOLUTION_MS (by this process). */
export async function markSeen(ctx: AppContext, deviceIds: string[]): Promise<void> {
  if (!deviceIds.length) return;
  const now = ctx.clock.now();
  let m = written.get(ctx);
  if (!m) written.set(ctx, (m = new Map()));
  const due = [...new Set(deviceIds)].filter((id) => {
    const at = m.get(id);
    return at === undefined || Math.abs(now.getTime() - at) >= SEEN_RESOLUTION_MS;
  });
  if (!due.length) return;
  for (const id of due) m.set(id, now.getTime());
  await ctx.db.update(accessDevices).set({ lastSeenAt: now }).where(inArray(accessDevices.id, due));
}
