/**
 * The 通行记录 export (系统管理员 only, like the list): the pass-events filter of GET
 * /api/admin/access/events, read through the access module's pass-events service newest first by
 * keyset (at, seq), only the events there were when it was asked for. The result in words — 异常放行
 * (a pass the device let through that the server refuses) also in red — and the refusal explained.
 */
import { PASS_DIRECTION_LABELS, PASS_METHOD_LABELS, PASS_RESULT_LABELS, type PassEventRow } from '../../../../contracts/access.js';
import { refusalLabel } from '../../../../contracts/alerts.js';
import { ACCESS_EVENT_EXPORT_COLUMNS, type AccessEventFilter } from '../../../../contracts/records.js';
import type { AppContext } from '../../platform/context.js';
import { audit } from '../audit/audit.js';
import { requireSystemAdmin } from '../identity/session.js';
import { countPassEvents, lastPassEventSeq, passEventsAfter, type PassEventFilter } from '../access/pass-events.service.js';
import { assertOrdered, centerTime, exportKind } from './export-kind.js';

const SKEW = { 'zh-CN': '（设备时钟偏差）', en: ' (device clock off)' };

export function accessEventsExport(ctx: AppContext) {
  return exportKind<PassEventFilter, PassEventRow>({
    columns: ACCESS_EVENT_EXPORT_COLUMNS,

    async prepare(req, asked) {
      requireSystemAdmin(req);
      const f = asked as AccessEventFilter;
      assertOrdered(f.from, f.to);
      // the events up to the newest now: one recorded while the file is built is not in it
      const where: PassEventFilter = { deviceId: f.deviceId, buildingId: f.buildingId, orderId: f.orderId, method: f.method, result: f.result, from: f.from, to: f.to, untilSeq: await lastPassEventSeq(ctx.reports) };
      return {
        where,
        stored: { ...where },
        audit: (tx, actor, done) =>
          audit(tx, actor, 'access.events.export', { type: 'access_event' }, {
            exportId: done.exportId,
            deviceId: f.deviceId ?? null,
            buildingId: f.buildingId ?? null,
            orderId: f.orderId ?? null,
            method: f.method ?? null,
            result: f.result ?? null,
            dateFrom: f.from ?? null,
            dateTo: f.to ?? null,
            count: done.count,
          }),
      };
    },

    load: (stored) => stored as PassEventFilter,
    count: (db, w) => countPassEvents(db, w),
    page: (db, w, after, limit) => passEventsAfter(db, w, after ? { at: after.at, seq: after.seq } : null, limit),

    cells(r, locale) {
      const t = (iso: string) => centerTime(ctx.config.TZ_CENTER, new Date(iso), 'second');
      return {
        at: t(r.at),
        deviceName: r.deviceName ?? '',
        holderName: r.holderName ?? '',
        method: PASS_METHOD_LABELS[r.method][locale],
        plate: r.plate ?? '',
        direction: PASS_DIRECTION_LABELS[r.direction][locale],
        result: PASS_RESULT_LABELS[r.result][locale],
        note: refusalLabel(r.note, locale),
        deviceAt: r.deviceAt ? t(r.deviceAt) + (r.clockSkew ? SKEW[locale] : '') : '',
      };
    },

    style(row, r) {
      if (r.result === 'anomaly') row.getCell('result').font = { bold: true, color: { argb: 'FFD03050' } };
    },

    downloaded: (tx, actor, done) => audit(tx, actor, 'records.export.download', { type: 'access_event' }, { exportId: done.exportId, rows: done.rows }),
  });
}
