/**
 * 记录查询 Excel export (A8): exactly the rows a list's filter shows — 访客记录 (orders), 通行记录
 * (access_events), 操作日志 (audit) — built by a durable job so that a large export neither holds a
 * request open nor holds its rows in memory. What differs per kind (filter, count, keyset reader,
 * columns, cells, its audit action) is an ExportKindSpec (export-kind.ts, export-<kind>.ts).
 *
 * - POST asks (202 {exportId}): the filter is checked like the list's, the row count taken, then the
 *   export audited (with the filter — personal text masked — and the count) in the same
 *   transaction that enqueues the job. Personal text in a filter is kept encrypted in the exports row.
 * - The count and the job's rows are read on ctx.reports (the read replica, when DATABASE_REPLICA_URL
 *   is set); the export row, its progress and the audit are written on the primary.
 * - The job (records.export) reads the rows in the list's order in keyset pages of EXPORT_PAGE_SIZE,
 *   only rows there were when the export was asked for, and writes each row
 *   as it comes into exceljs's streaming WorkbookWriter, which zips straight into a temporary file;
 *   the exports row counts rows and pages as it goes (the progress the page polls). The finished
 *   file is put, encrypted like every object, into the private storage: ObjectStorage.put takes a
 *   Buffer (the encryption is one AES-GCM message), so the temp file is read back once — the
 *   compressed .xlsx, a few MB for 100,000 rows, never the rows.
 * - Only the administrator who asked sees the progress and downloads the file (another: 404); the
 *   download is audited. The sweep (records.exports_sweep, hourly) deletes files EXPORT_KEEP_HOURS
 *   after they were built (status expired; the download answers 410 EXPORT_EXPIRED).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type { FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { EXPORT_KIND_NAMES, type ExportKind, type ExportLocale, type ExportProgress, type ExportStatus } from '../../../../contracts/records.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { requireActor, type Actor } from '../identity/session.js';
import { centerTime, type AnyExportKind } from './export-kind.js';
import * as repo from './records.repository.js';

export const EXPORT_JOB = 'records.export';
export const EXPORT_SWEEP_JOB = 'records.exports_sweep';
export const EXPORT_MAX_ATTEMPTS = 3;
export type { ExportLocale };

/** exports.filter: the kind's stored filter and the file's language */
type Stored = Record<string, unknown> & { locale?: ExportLocale };

export class ExportsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly kinds: Record<ExportKind, AnyExportKind>,
  ) {}

  /** POST /api/admin/records/<kind>/export → 202 { exportId } */
  async create(req: FastifyRequest, kind: ExportKind, asked: Record<string, unknown>, locale: ExportLocale): Promise<{ exportId: string }> {
    const actor = requireActor(req, 'admin');
    const spec = this.kinds[kind];
    const p = await spec.prepare(req, asked); // a bad filter is refused here, before anything is stored
    const filter: Stored = { ...p.stored, locale };
    // the count on the reports database (the replica, when there is one), like the job's reads
    const count = await spec.count(this.ctx.reports, p.where);
    return this.ctx.db.transaction(async (tx) => {
      const row = await repo.insertExport(tx, { id: uuidv7(), requestedBy: actor.id, kind, filter, status: 'pending', createdAt: this.ctx.clock.now() });
      await this.ctx.queue.enqueue(tx, { type: EXPORT_JOB, key: `${EXPORT_JOB}:${row.id}`, payload: { exportId: row.id }, maxAttempts: EXPORT_MAX_ATTEMPTS });
      await p.audit(tx, actor, { exportId: row.id, count });
      return { exportId: row.id };
    });
  }

  /** GET /api/admin/exports/:id — only the administrator who asked. */
  async progress(req: FastifyRequest, id: string): Promise<ExportProgress> {
    const actor = requireActor(req, 'admin');
    return this.view(await this.own(actor, id));
  }

  /** GET /api/admin/exports/:id/file — the .xlsx; audited. */
  async file(req: FastifyRequest, id: string): Promise<{ data: Buffer; fileName: string; asciiName: string }> {
    const actor = requireActor(req, 'admin');
    const e = await this.own(actor, id);
    if (e.status === 'expired') throw new AppError('EXPORT_EXPIRED');
    if (e.status !== 'done' || !e.storageKey) throw new AppError('EXPORT_NOT_READY');
    const data = await this.ctx.storage.get(e.storageKey);
    if (!data) throw new AppError('EXPORT_EXPIRED');
    await this.ctx.db.transaction((tx) => this.spec(e).downloaded(tx, actor, { exportId: e.id, rows: e.rows }));
    return { data, fileName: this.fileName(e, localeOf(e)), asciiName: this.fileName(e, 'en') };
  }

  private spec(e: repo.ExportRow): AnyExportKind {
    const spec = this.kinds[e.kind as ExportKind];
    if (!spec) throw new Error(`unknown export kind ${e.kind}`);
    return spec;
  }

  private async own(actor: Actor, id: string): Promise<repo.ExportRow> {
    const e = await repo.findExport(this.ctx.db, id);
    if (!e || e.requestedBy !== actor.id) throw new AppError('NOT_FOUND');
    return e;
  }

  private view(e: repo.ExportRow): ExportProgress {
    return {
      id: e.id,
      kind: e.kind as ExportKind,
      status: e.status as ExportStatus,
      rows: e.rows,
      total: e.total,
      fileName: this.fileName(e, localeOf(e)),
      createdAt: e.createdAt.toISOString(),
      finishedAt: e.finishedAt?.toISOString() ?? null,
      expiresAt: e.status === 'done' && e.finishedAt ? new Date(e.finishedAt.getTime() + this.ctx.config.EXPORT_KEEP_HOURS * 3600_000).toISOString() : null,
    };
  }

  /** 访客记录_20261124-0930.xlsx (when it was asked for, the center's time) */
  private fileName(e: repo.ExportRow, locale: ExportLocale): string {
    const stamp = centerTime(this.ctx.config.TZ_CENTER, e.createdAt).replace(/[-:]/g, '').replace(' ', '-');
    return `${EXPORT_KIND_NAMES[e.kind as ExportKind].file[locale]}_${stamp}.xlsx`;
  }

  // ——— the job ———

  /** records.export: build the file page by page. A failure is retried (from the start) up to EXPORT_MAX_ATTEMPTS. */
  async run(exportId: string, attempt: number): Promise<void> {
    const { ctx } = this;
    const e = await repo.findExport(ctx.db, exportId);
    if (!e || e.status === 'done' || e.status === 'expired') return;
    const spec = this.spec(e);
    const { locale: _, ...stored } = e.filter as Stored;
    const locale = localeOf(e);
    const w: unknown = spec.load(stored, e);
    const tmp = path.join(os.tmpdir(), `sg-export-${e.id}-${attempt}.xlsx`);
    let out: fs.WriteStream | null = null;
    try {
      const total = await spec.count(ctx.reports, w);
      await repo.updateExport(ctx.db, e.id, { status: 'running', rows: 0, pages: 0, total, error: null });
      out = fs.createWriteStream(tmp, { mode: 0o600 });
      const done = finished(out);
      done.catch(() => undefined); // awaited below; a write error before then must not go unhandled
      const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const sheet = book.addWorksheet(EXPORT_KIND_NAMES[e.kind as ExportKind].sheet[locale], { views: [{ state: 'frozen', ySplit: 1 }] });
      sheet.columns = spec.columns.map((c) => ({ header: c.label[locale], key: c.key, width: c.width }));
      sheet.getRow(1).font = { bold: true };
      sheet.getRow(1).commit();
      const pageSize = ctx.config.EXPORT_PAGE_SIZE;
      let after: unknown = null;
      let rows = 0;
      let pages = 0;
      for (;;) {
        const page: unknown[] = await spec.page(ctx.reports, w, after, pageSize);
        pages++;
        for (const r of page) {
          const row = sheet.addRow(spec.cells(r, locale));
          spec.style?.(row, r);
          row.commit();
        }
        rows += page.length;
        await repo.updateExport(ctx.db, e.id, { rows, pages });
        if (page.length < pageSize) break;
        after = page[page.length - 1];
      }
      sheet.commit();
      await book.commit();
      await done;
      const key = `exports/${e.id}`;
      await ctx.storage.put(key, await fs.promises.readFile(tmp));
      await repo.updateExport(ctx.db, e.id, { status: 'done', storageKey: key, rows, pages, finishedAt: ctx.clock.now() });
      ctx.log.info({ exportId: e.id, kind: e.kind, rows, pages }, 'export built');
    } catch (err) {
      const last = attempt >= EXPORT_MAX_ATTEMPTS;
      await repo.updateExport(ctx.db, e.id, { status: last ? 'failed' : 'pending', error: (err instanceof Error ? err.message : String(err)).slice(0, 500), finishedAt: last ? ctx.clock.now() : null });
      throw err;
    } finally {
      out?.destroy();
      await fs.promises.rm(tmp, { force: true });
    }
  }

  /** records.exports_sweep: delete built files past EXPORT_KEEP_HOURS. Returns how many. */
  async sweep(): Promise<number> {
    const { ctx } = this;
    const before = new Date(ctx.clock.now().getTime() - ctx.config.EXPORT_KEEP_HOURS * 3600_000);
    let n = 0;
    for (const e of await repo.doneBefore(ctx.db, before, 500)) {
      if (e.storageKey) await ctx.storage.delete(e.storageKey);
      await repo.updateExport(ctx.db, e.id, { status: 'expired', storageKey: null });
      n++;
    }
    return n;
  }
}

const localeOf = (e: repo.ExportRow): ExportLocale => ((e.filter as Stored).locale === 'en' ? 'en' : 'zh-CN');
