import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, bigserial } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz } from './_columns.js';

/** Durable job queue (see docs/decisions/0017-job-queue-kept-and-grown.md). */
export const jobs = pgTable(
  'jobs',
  {
    id: id(),
    type: text('type').notNull(),
    /** idempotency key: the same key is enqueued once */
    key: text('key').notNull().unique(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    /** queued | running | done | failed (will retry) | dead (gave up) */
    status: text('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    runAt: tstz('run_at').notNull().defaultNow(),
    lockedAt: tstz('locked_at'),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    // the claim: ready jobs in run_at order (status in the predicate, so a finished job is not in it)
    index('jobs_ready').on(t.runAt).where(sql`${t.status} in ('queued','failed')`),
    // the stale-lock reclaim (its own query, so the claim keeps to jobs_ready): running jobs by lock time
    index('jobs_running').on(t.lockedAt).where(sql`${t.status} = 'running'`),
    index('jobs_created').on(t.createdAt),
    // 首页 counts the failed and dead jobs: without this the count of dead ones reads the whole table
    index('jobs_failed_dead').on(t.status).where(sql`${t.status} in ('failed','dead')`),
  ],
);

/** Audit log (X5): every write and every read of personal data by staff or admin. */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: tstz('at').notNull().defaultNow(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    detail: jsonb('detail'),
    ip: text('ip'),
  },
  (t) => [index('audit_target').on(t.targetType, t.targetId), index('audit_at').on(t.at)],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});
