/**
 * The 访客记录 export: the orders filter (a 单位管理员's scoped to their unit), the visitor text kept
 * only encrypted in the exports row and masked in the audit entry; orders newest start first by
 * keyset (start_at, id) on visit_orders_start, only those created by the time it was asked for.
 */
import { ORDER_EXPORT_COLUMNS, type OrderRecordFilter } from '../../../../contracts/records.js';
import { CANCEL_REASON_LABELS, KIND_LABELS, ORIGIN_LABELS, STATUS_LABELS } from '../../../../contracts/visits.js';
import { VEHICLE_STATUS_LABELS } from '../../../../contracts/vehicles.js';
import type { AppContext } from '../../platform/context.js';
import { audit } from '../audit/audit.js';
import { centerTime, exportKind } from './export-kind.js';
import * as repo from './records.repository.js';
import type { RecordsService } from './records.service.js';

/** What the exports row keeps of the filter: the visitor text only encrypted. */
type StoredFilter = Omit<OrderRecordFilter, 'visitor'> & { visitorEnc?: string };

export function ordersExport(ctx: AppContext, records: RecordsService) {
  return exportKind<repo.OrderWhere, repo.RecordRow>({
    columns: ORDER_EXPORT_COLUMNS,

    async prepare(req, asked) {
      // a 单位管理员's export is their unit's, whatever the job later reads
      const filter = records.scoped(req, asked as OrderRecordFilter);
      const where = records.where(filter); // a bad filter is refused here, before anything is stored
      const { visitor, ...rest } = filter;
      const stored: StoredFilter = { ...rest, ...(visitor?.trim() ? { visitorEnc: ctx.crypto.encrypt(visitor.trim()) } : {}) };
      return {
        where,
        stored,
        audit: (tx, actor, done) => audit(tx, actor, 'records.export', { type: 'visit_order' }, { exportId: done.exportId, ...records.auditFilter(filter), count: done.count }),
      };
    },

    load(stored, e) {
      const { visitorEnc, ...rest } = stored as StoredFilter;
      const filter: OrderRecordFilter = { ...rest, ...(visitorEnc ? { visitor: ctx.crypto.decrypt(visitorEnc) } : {}) };
      return { ...records.where(filter), createdUntil: e.createdAt };
    },

    count: (db, w) => repo.countOrders(db, w),
    page: (db, w, after, limit) => repo.ordersAfter(db, w, after ? { startAt: after.o.startAt, id: after.o.id } : null, limit),

    /** codes in words, times in the center's zone, the ID number masked (as the row has it) */
    cells(row, locale) {
      const r = records.row(row);
      const t = (iso: string | null) => (iso ? centerTime(ctx.config.TZ_CENTER, new Date(iso)) : '');
      return {
        visitorName: r.visitorName ?? '',
        phone: r.phone,
        idNumberMasked: r.idNumberMasked ?? '',
        company: r.company ?? '',
        unitName: r.unitName,
        hostName: r.hostName,
        kind: KIND_LABELS[r.kind][locale] + (r.origin ? `·${ORIGIN_LABELS[r.origin][locale]}` : ''),
        status: STATUS_LABELS[r.status][locale] + (r.cancelReason ? `（${CANCEL_REASON_LABELS[r.cancelReason][locale]}）` : ''),
        reason: r.reason,
        startAt: t(r.startAt),
        endAt: t(r.endAt),
        arrivedAt: t(r.presence.arrivedAt),
        leftAt: t(r.presence.leftAt),
        plate: r.plate ?? '',
        vehicleStatus: r.plate ? VEHICLE_STATUS_LABELS[r.vehicleStatus][locale] : '',
      };
    },

    downloaded: (tx, actor, done) => audit(tx, actor, 'records.export.download', { type: 'visit_order' }, { exportId: done.exportId, rows: done.rows }),
  });
}
