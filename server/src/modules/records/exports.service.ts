/**
 * 记录查询 Excel export (A8): exactly the rows the orders filter shows, built by a durable job so
 * that a large export neither holds a request open nor holds its rows in memory.
 *
 * - POST asks (202 {exportId}): the filter is checked like the list's, the row count taken, then the
 *   export audited (records.export, with the filter — visitor text masked — and the count) in the
 *   same transaction that enqueues the job. A visitor text is kept encrypted in the exports row.
 * - The count and the job's rows are read on ctx.reports (the read replica, when DATABASE_REPLICA_URL
 *   is set); the export row, its progress and the audit are written on the primary.
 * - The job (records.export) reads the rows newest first in keyset pages of EXPORT_PAGE_SIZE on
 *   visit_orders_start, only orders that existed when the export was asked for, and writes each row
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
import { ORDER_EXPORT_COLUMNS, type ExportKind, type ExportProgress, type ExportStatus, type OrderRecordFilter, type OrderRecordRow } from '../../../../contracts/records.js';
import { CANCEL_REASON_LABELS, KIND_LABELS, ORIGIN_LABELS, STATUS_LABELS } from '../../../../contracts/visits.js';
import { VEHICLE_STATUS_LABELS } from '../../../../contracts/vehicles.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { requireActor, type Actor } from '../identity/session.js';
import * as repo from './records.repository.js';
import type { RecordsService } from './records.service.js';

export const EXPORT_JOB = 'records.export';
export const EXPORT_SWEEP_JOB = 'records.exports_sweep';
export const EXPORT_MAX_ATTEMPTS = 3;
export type ExportLocale = 'zh-CN' | 'en';

/** What the exports row keeps of the filter: the visitor text only encrypted. */
type StoredFilter = Omit<OrderRecordFilter, 'visitor'> & { visitorEnc?: string; locale: ExportLocale };

const SHEET_NAME: Record<ExportLocale, string> = { 'zh-CN': '访客记录', en: 'Visit records' };
const FILE_NAME: Record<ExportLocale, string> = { 'zh-CN': '访客记录', en: 'visit-records' };

export class ExportsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly records: RecordsService,
  ) {}

  /** POST /api/admin/records/orders/export → 202 { exportId } */
  async create(req: FastifyRequest, asked: OrderRecordFilter, locale: ExportLocale): Promise<{ exportId: string }> {
    const actor = requireActor(req, 'admin');
    // a 单位管理员's export is their unit's, whatever the job later reads
    const filter = this.records.scoped(req, asked);
    const w = this.records.where(filter); // a bad filter is refused here, before anything is stored
    const { visitor, ...rest } = filter;
    const stored: StoredFilter = { ...rest, locale, ...(visitor?.trim() ? { visitorEnc: this.ctx.crypto.encrypt(visitor.trim()) } : {}) };
    // the count on the reports database (the replica, when there is one), like the job's reads
    const count = await repo.countOrders(this.ctx.reports, w);
    return this.ctx.db.transaction(async (tx) => {
      const row = await repo.insertExport(tx, { id: uuidv7(), requestedBy: actor.id, kind: 'orders', filter: stored, status: 'pending', createdAt: this.ctx.clock.now() });
      await this.ctx.queue.enqueue(tx, { type: EXPORT_JOB, key: `${EXPORT_JOB}:${row.id}`, payload: { exportId: row.id }, maxAttempts: EXPORT_MAX_ATTEMPTS });
      await audit(tx, actor, 'records.export', { type: 'visit_order' }, { exportId: row.id, ...this.records.auditFilter(filter), count });
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
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'records.export.download', { type: 'visit_order' }, { exportId: e.id, rows: e.rows }));
    return { data, fileName: this.fileName(e, 'zh-CN' === (e.filter as StoredFilter).locale ? 'zh-CN' : 'en'), asciiName: this.fileName(e, 'en') };
  }

  private async own(actor: Actor, id: string): Promise<repo.ExportRow> {
    const e = await repo.findExport(this.ctx.db, id);
    if (!e || e.requestedBy !== actor.id) throw new AppError('NOT_FOUND');
    return e;
  }

  private view(e: repo.ExportRow): ExportProgress {
    const locale = (e.filter as StoredFilter).locale ?? 'zh-CN';
    return {
      id: e.id,
      kind: e.kind as ExportKind,
      status: e.status as ExportStatus,
      rows: e.rows,
      total: e.total,
      fileName: this.fileName(e, locale),
      createdAt: e.createdAt.toISOString(),
      finishedAt: e.finishedAt?.toISOString() ?? null,
      expiresAt: e.status === 'done' && e.finishedAt ? new Date(e.finishedAt.getTime() + this.ctx.config.EXPORT_KEEP_HOURS * 3600_000).toISOString() : null,
    };
  }

  /** 访客记录_20261124-0930.xlsx (when it was asked for, the center's time) */
  private fileName(e: repo.ExportRow, locale: ExportLocale): string {
    const stamp = centerTime(this.ctx.config.TZ_CENTER, e.createdAt).replace(/[-:]/g, '').replace(' ', '-');
    return `${FILE_NAME[locale]}_${stamp}.xlsx`;
  }

  // ——— the job ———

  /** records.export: build the file page by page. A failure is retried (from the start) up to EXPORT_MAX_ATTEMPTS. */
  async run(exportId: string, attempt: number): Promise<void> {
    const { ctx } = this;
    const e = await repo.findExport(ctx.db, exportId);
    if (!e || e.status === 'done' || e.status === 'expired') return;
    const stored = e.filter as StoredFilter;
    const { visitorEnc, locale = 'zh-CN', ...rest } = stored;
    const filter: OrderRecordFilter = { ...rest, ...(visitorEnc ? { visitor: ctx.crypto.decrypt(visitorEnc) } : {}) };
    const w = { ...this.records.where(filter), createdUntil: e.createdAt };
    const tmp = path.join(os.tmpdir(), `sg-export-${e.id}-${attempt}.xlsx`);
    let out: fs.WriteStream | null = null;
    try {
      const total = await repo.countOrders(ctx.reports, w);
      await repo.updateExport(ctx.db, e.id, { status: 'running', rows: 0, pages: 0, total, error: null });
      out = fs.createWriteStream(tmp, { mode: 0o600 });
      const done = finished(out);
      done.catch(() => undefined); // awaited below; a write error before then must not go unhandled
      const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const sheet = book.addWorksheet(SHEET_NAME[locale], { views: [{ state: 'frozen', ySplit: 1 }] });
      sheet.columns = ORDER_EXPORT_COLUMNS.map((c) => ({ header: c.label[locale], key: c.key, width: c.width }));
      sheet.getRow(1).font = { bold: true };
      sheet.getRow(1).commit();
      const pageSize = ctx.config.EXPORT_PAGE_SIZE;
      let after: { startAt: Date; id: string } | null = null;
      let rows = 0;
      let pages = 0;
      for (;;) {
        const page = await repo.ordersAfter(ctx.reports, w, after, pageSize);
        pages++;
        for (const r of page) sheet.addRow(this.cells(this.records.row(r), locale)).commit();
        rows += page.length;
        await repo.updateExport(ctx.db, e.id, { rows, pages });
        if (page.length < pageSize) break;
        const last = page[page.length - 1]!.o;
        after = { startAt: last.startAt, id: last.id };
      }
      sheet.commit();
      await book.commit();
      await done;
      const key = `exports/${e.id}`;
      await ctx.storage.put(key, await fs.promises.readFile(tmp));
      await repo.updateExport(ctx.db, e.id, { status: 'done', storageKey: key, rows, pages, finishedAt: ctx.clock.now() });
      ctx.log.info({ exportId: e.id, rows, pages }, 'export built');
    } catch (err) {
      const last = attempt >= EXPORT_MAX_ATTEMPTS;
      await repo.updateExport(ctx.db, e.id, { status: last ? 'failed' : 'pending', error: (err instanceof Error ? err.message : String(err)).slice(0, 500), finishedAt: last ? ctx.clock.now() : null });
      throw err;
    } finally {
      out?.destroy();
      await fs.promises.rm(tmp, { force: true });
    }
  }

  /** One row of the sheet: codes in words, times in the center's zone, the ID number masked (as the row has it). */
  private cells(r: OrderRecordRow, locale: ExportLocale): Record<string, string> {
    const tz = this.ctx.config.TZ_CENTER;
    const t = (iso: string | null) => (iso ? centerTime(tz, new Date(iso)) : '');
    const status = STATUS_LABELS[r.status][locale] + (r.cancelReason ? `（${CANCEL_REASON_LABELS[r.cancelReason][locale]}）` : '');
    return {
      visitorName: r.visitorName ?? '',
      phone: r.phone,
      idNumberMasked: r.idNumberMasked ?? '',
      company: r.company ?? '',
      unitName: r.unitName,
      hostName: r.hostName,
      kind: KIND_LABELS[r.kind][locale] + (r.origin ? `·${ORIGIN_LABELS[r.origin][locale]}` : ''),
      status,
      reason: r.reason,
      startAt: t(r.startAt),
      endAt: t(r.endAt),
      arrivedAt: t(r.presence.arrivedAt),
      leftAt: t(r.presence.leftAt),
      plate: r.plate ?? '',
      vehicleStatus: r.plate ? VEHICLE_STATUS_LABELS[r.vehicleStatus][locale] : '',
    };
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

const formats = new Map<string, Intl.DateTimeFormat>();
/** "2026-11-24 09:30" in the center's zone */
export function centerTime(timeZone: string, d: Date): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
