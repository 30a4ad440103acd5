/**
 * What one kind of 记录查询 export is (orders, access_events, audit): the list's filter checked and
 * kept, its count, a keyset page reader in the list's order, the sheet's columns and one row's
 * cells — codes in words, times in the center's zone, personal data masked as the list shows it.
 * exports.service.ts runs any kind the same way (ask → job → file → download → sweep).
 */
import type ExcelJS from 'exceljs';
import type { FastifyRequest } from 'fastify';
import type { ExportColumn, ExportLocale } from '../../../../contracts/records.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../identity/session.js';
import type { ExportRow } from './records.repository.js';

export type CellValue = string | number | null;

/** What asking for an export settled: the filter as the queries take it and as the exports row keeps it. */
export interface PreparedExport<W> {
  where: W;
  /** JSON for exports.filter: no personal text in the clear (encrypted), no secrets */
  stored: Record<string, unknown>;
  /** the export audited (with its filter, personal text masked, and the row count) in the asking transaction */
  audit(tx: Tx, actor: Actor, done: { exportId: string; count: number }): Promise<void>;
}

export interface ExportKindSpec<W, R> {
  columns: readonly ExportColumn[];
  /** The asked filter checked like the list's (4xx on a bad one) and scoped to whoever asks. */
  prepare(req: FastifyRequest, asked: Record<string, unknown>): Promise<PreparedExport<W>>;
  /** The job: the stored filter back as the queries take it, only rows there were when it was asked for. */
  load(stored: Record<string, unknown>, e: ExportRow): W;
  count(db: Tx, w: W): Promise<number>;
  /** The page after `after` (the previous page's last row; null: the first), in the list's order, by keyset. */
  page(db: Tx, w: W, after: R | null, limit: number): Promise<R[]>;
  /** One row's cells by column key. */
  cells(r: R, locale: ExportLocale): Record<string, CellValue>;
  /** Style a written row (before it is committed), e.g. 异常放行 in red. */
  style?(row: ExcelJS.Row, r: R): void;
  /** A download of the file audited. */
  downloaded(tx: Tx, actor: Actor, done: { exportId: string; rows: number }): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own filter and row types
export type AnyExportKind = ExportKindSpec<any, any>;

/** A kind with its filter and row types checked where it is written. */
export const exportKind = <W, R>(spec: ExportKindSpec<W, R>): ExportKindSpec<W, R> => spec;

const formats = new Map<string, Intl.DateTimeFormat>();
/** "2026-11-24 09:30" (or "2026-11-24 09:30:05") in the center's zone */
export function centerTime(timeZone: string, d: Date, precision: 'minute' | 'second' = 'minute'): string {
  const k = `${timeZone}|${precision}`;
  let f = formats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', ...(precision === 'second' ? { second: '2-digit' } : {}), hourCycle: 'h23' });
    formats.set(k, f);
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${precision === 'second' ? `:${p.second}` : ''}`;
}

/** A time range that ends before it starts is 400 VALIDATION_FAILED (the list would show nothing). */
export function assertOrdered(from: string | Date | undefined, to: string | Date | undefined): void {
  if (from !== undefined && to !== undefined && new Date(from).getTime() > new Date(to).getTime()) throw new AppError('VALIDATION_FAILED', { field: 'from/to' });
}
