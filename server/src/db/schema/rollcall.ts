import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, tstz } from './_columns.js';
import { visitOrders } from './visits.js';

/**
 * 点名 (A11): a roll call during an evacuation. Reception (or an administrator) starts one; at most
 * one is open at a time (roll_calls_one_open); the people it covers are those on site, each marked
 * safe once (roll_call_marks). Ending it keeps the record.
 */
export const rollCalls = pgTable(
  'roll_calls',
  {
    id: id(),
    startedAt: tstz('started_at').notNull(),
    /** staff | admin */
    startedByType: text('started_by_type').notNull(),
    startedById: text('started_by_id').notNull(),
    endedAt: tstz('ended_at'),
    endedByType: text('ended_by_type'),
    endedById: text('ended_by_id'),
  },
  (t) => [uniqueIndex('roll_calls_one_open').on(sql`(true)`).where(sql`${t.endedAt} is null`), index('roll_calls_started').on(t.startedAt)],
);

/** 已确认安全: one person (their visit order) marked safe in a roll call, by whom and when. */
export const rollCallMarks = pgTable(
  'roll_call_marks',
  {
    rollCallId: uuid('roll_call_id')
      .notNull()
      .references(() => rollCalls.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    markedAt: tstz('marked_at').notNull(),
    /** staff | admin */
    markedByType: text('marked_by_type').notNull(),
    markedById: text('marked_by_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.rollCallId, t.orderId] })],
);
