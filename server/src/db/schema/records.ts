import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz } from './_columns.js';
import { admins } from './identity.js';

/**
 * Excel exports (A8 记录查询): one row per export an administrator asked for. The file is built by
 * a job (records.export) that reads the filter's rows page by page into exceljs's streaming writer
 * and keeps the .xlsx in the private object storage under `storage_key`; `rows`/`total` are its
 * progress. Only the administrator who asked may download it; the sweep deletes the file
 * EXPORT_KEEP_HOURS after it was built (status expired).
 */
export const dataExports = pgTable(
  'exports',
  {
    id: id(),
    requestedBy: uuid('requested_by')
      .notNull()
      .references(() => admins.id),
    /** what is exported: orders (访客记录) */
    kind: text('kind').notNull(),
    /** the list's filter, as the list route takes it */
    filter: jsonb('filter').notNull(),
    /** pending | running | done | failed | expired (the file was deleted) */
    status: text('status').notNull().default('pending'),
    rows: integer('rows').notNull().default(0),
    total: integer('total'),
    /** how many keyset pages the job read (never the whole result at once) */
    pages: integer('pages').notNull().default(0),
    storageKey: text('storage_key'),
    error: text('error'),
    createdAt: createdAt(),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    index('exports_requested_by').on(t.requestedBy, t.createdAt),
    // the sweep: files built and not yet deleted
    index('exports_done_finished').on(t.finishedAt).where(sql`${t.status} = 'done'`),
    check('exports_status', sql`${t.status} in ('pending', 'running', 'done', 'failed', 'expired')`),
  ],
);
