/**
 * The job queue's statements (platform/queue.ts), each on its index: the claim on jobs_ready, the
 * stale-lock reclaim on jobs_running, the problem counts on jobs_failed_dead, the purge on
 * jobs_created. queue.test.ts EXPLAINs them.
 */
import { sql, type SQL } from 'drizzle-orm';

export const LOCK_TIMEOUT_MS = 5 * 60_000;

export type ClaimedRow = { id: string; type: string; key: string; payload: unknown; attempts: number; max_attempts: number; run_at: Date | string; next_due: Date | string | null };

/**
 * Lets the statement's own transaction commit without waiting for its WAL flush (SET LOCAL
 * synchronous_commit = off, as a one-time filter): the queue's bookkeeping — claims and done marks.
 * A database crash may lose the last fraction of a second of them; the job then runs again (queued
 * again, or reclaimed after the lock timeout): at least once, as handlers must allow anyway. Enqueues
 * commit with the caller's transaction, durably. On a slow disk this is 0.4 ms instead of 4–6 ms a statement.
 */
export const ASYNC_COMMIT = sql`(select set_config('synchronous_commit', 'off', true)) = 'off'`;

/** Marks jobs done: only those this worker still holds (one reclaimed meanwhile, maybe running elsewhere, is not touched). */
const markDone = (ids: string[], at: string, workerId: string) => sql`
      update jobs set status = 'done', finished_at = ${at}::timestamptz, last_error = null, locked_at = null, locked_by = null
      where id = any(${`{${ids.join(',')}}`}::uuid[]) and locked_by = ${workerId}`;

/**
 * One round of a worker in one statement: mark the jobs that finished since the last round done
 * (`doneIds`, on the primary key), claim up to `limit` ready jobs, oldest run_at first, that no other
 * worker holds (on the jobs_ready index), and say when the next not-yet-due job is due (for the idle sleep).
 */
export function claimQuery(now: Date, limit: number, workerId: string, doneIds: string[] = []): SQL {
  const at = now.toISOString();
  return sql`
    with ${doneIds.length ? sql`done as (${markDone(doneIds, at, workerId)}), ` : sql``}claimed as (
      update jobs j set status = 'running', locked_at = ${at}::timestamptz, locked_by = ${workerId}, attempts = j.attempts + 1
      from (
        select id from jobs
        where status in ('queued','failed') and run_at <= ${at}::timestamptz
        order by run_at
        limit ${limit}
        for update skip locked
      ) ready
      where j.id = ready.id
      returning j.id, j.type, j.key, j.payload, j.attempts, j.max_attempts, j.run_at
    ), next as (
      select min(run_at) as next_due from jobs where status in ('queued','failed') and run_at > ${at}::timestamptz
    )
    select claimed.*, next.next_due from next left join claimed on true where ${ASYNC_COMMIT}`;
}

/** Jobs left running by a worker that stopped (lock older than the timeout): failed and due now, or dead if out of attempts. */
export function reclaimQuery(now: Date): SQL {
  const at = now.toISOString();
  const staleBefore = new Date(now.getTime() - LOCK_TIMEOUT_MS).toISOString();
  return sql`
    update jobs set
      status = case when attempts >= max_attempts then 'dead' else 'failed' end,
      finished_at = case when attempts >= max_attempts then ${at}::timestamptz end,
      last_error = 'the worker running it stopped (lock timeout)',
      locked_at = null, locked_by = null, run_at = ${at}::timestamptz
    where status = 'running' and locked_at < ${staleBefore}::timestamptz`;
}

/** Failed and dead jobs by status, on the jobs_failed_dead partial index (never the whole table). */
export function problemCountQuery(): SQL {
  return sql`select status, count(*)::int as n from jobs where status in ('failed','dead') group by status`;
}

/** Mark finished jobs done, many in one statement (drain, and a stopping worker's last ones). */
export function doneQuery(ids: string[], now: Date, workerId: string): SQL {
  return sql`with done as (${markDone(ids, now.toISOString(), workerId)} returning 1) select count(*)::int as n from done where ${ASYNC_COMMIT}`;
}

/**
 * Up to `limit` finished jobs past retention, oldest first, on the jobs_created index (a job finishes
 * after it was created, so only rows created before the later cutoff can qualify).
 */
export function purgeQuery(doneBefore: Date, deadBefore: Date, limit: number): SQL {
  const later = (doneBefore > deadBefore ? doneBefore : deadBefore).toISOString();
  return sql`
    delete from jobs where id in (
      select id from jobs
      where created_at < ${later}::timestamptz
        and ((status = 'done' and finished_at < ${doneBefore.toISOString()}::timestamptz) or (status = 'dead' and finished_at < ${deadBefore.toISOString()}::timestamptz))
      order by created_at
      limit ${limit}
    )`;
}
