/**
 * Ended sessions removed (X5: nothing kept longer than it serves): every session row — a visitor's,
 * a staff member's, an administrator's, a kiosk's, a phone's, and the second-factor challenges kept
 * in the same table — is deleted once it has expired. Before this nothing removed them, so the table
 * grew by every sign-in (at 100,000 visitors a day, tens of millions of rows a year).
 *
 * An hourly durable job (identity.sessions.sweep), keyed by its hour so that any number of processes
 * schedule it once; each run enqueues the next. Deletes in batches of BATCH (one statement each,
 * on the sessions_expires index) so a large backlog never holds a long lock.
 */
import { sql } from 'drizzle-orm';
import { sessions } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';

export const SESSION_SWEEP_JOB = 'identity.sessions.sweep';
const HOUR_MS = 3600_000;
export const BATCH = 5_000;

/** Delete every session expired before now; returns how many went. */
export async function sweepSessions(ctx: Pick<AppContext, 'db' | 'clock'>): Promise<number> {
  const now = ctx.clock.now().toISOString();
  let removed = 0;
  for (;;) {
    const res = (await ctx.db.execute(
      sql`delete from ${sessions} where ${sessions.id} in (select ${sessions.id} from ${sessions} where ${sessions.expiresAt} < ${now}::timestamptz limit ${BATCH})`,
    )) as unknown as { rowCount?: number | null; affectedRows?: number };
    const n = Number(res.rowCount ?? res.affectedRows ?? 0);
    removed += n;
    if (n < BATCH) return removed;
  }
}

const keyOf = (at: Date) => `${SESSION_SWEEP_JOB}:${at.toISOString().slice(0, 13)}`;
const nextHour = (now: Date) => new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS);

/** The job: sweep, then put the next hour's in line. */
export function registerSessionSweep(ctx: AppContext) {
  ctx.queue.register(SESSION_SWEEP_JOB, async () => {
    const removed = await sweepSessions(ctx);
    if (removed) ctx.log.info({ removed }, 'expired sessions removed');
    const next = nextHour(ctx.clock.now());
    await ctx.queue.enqueue(ctx.db, { type: SESSION_SWEEP_JOB, key: keyOf(next), runAt: next, maxAttempts: 5 });
  });
}

/** At start: the next run (idempotent by its hour's key). */
export async function scheduleSessionSweep(ctx: AppContext) {
  const next = nextHour(ctx.clock.now());
  await ctx.queue.enqueue(ctx.db, { type: SESSION_SWEEP_JOB, key: keyOf(next), runAt: next, maxAttempts: 5 });
}
