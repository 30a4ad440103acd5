/**
 * The 操作日志 export (系统管理员 only, like the list): the filter of GET /api/admin/audit, read through
 * the audit module's audit-log service newest first by seq, only the entries there were when it was
 * asked for (not this export's own entry). Each entry in words as 审计日志 shows it: who (their name),
 * the action, the subject, the details as "key: value" pairs. An actor that is a phone number
 * (未注册手机) is masked, in the file, in the exports row (kept encrypted) and in the audit entry.
 */
import { AUDIT_EXPORT_COLUMNS, type AuditLogFilter } from '../../../../contracts/records.js';
import { auditActionLabel, auditActorTypeLabel, auditDetailPairs, auditSubjectLabel } from '../../../../contracts/audit.js';
import { maskPhone } from '../../../../contracts/identity.js';
import type { AppContext } from '../../platform/context.js';
import { audit } from '../audit/audit.js';
import { auditLogAfter, countAuditLog, lastAuditSeq, type AuditLogEntry, type AuditLogWhere } from '../audit/audit-log.service.js';
import { requireSystemAdmin } from '../identity/session.js';
import { assertOrdered, centerTime, exportKind } from './export-kind.js';

const SEP = { 'zh-CN': { kv: '：', pair: ' · ' }, en: { kv: ': ', pair: ' · ' } };
const isPhone = (s: string | undefined): s is string => !!s && /^1\d{10}$/.test(s);

/** What the exports row keeps of the filter: a phone-number actor only encrypted. */
type StoredFilter = Omit<AuditLogFilter, 'actorId'> & { actorId?: string; actorIdEnc?: string; untilSeq: number };

export function auditExport(ctx: AppContext) {
  const t = (d: Date | string) => centerTime(ctx.config.TZ_CENTER, new Date(d), 'second');
  return exportKind<AuditLogWhere, AuditLogEntry>({
    columns: AUDIT_EXPORT_COLUMNS,

    async prepare(req, asked) {
      requireSystemAdmin(req);
      const f = asked as AuditLogFilter;
      assertOrdered(f.from, f.to);
      const untilSeq = await lastAuditSeq(ctx.reports);
      const { actorId, ...rest } = f;
      const stored: StoredFilter = { ...rest, untilSeq, ...(isPhone(actorId) ? { actorIdEnc: ctx.crypto.encrypt(actorId) } : actorId ? { actorId } : {}) };
      return {
        where: whereOf(f, untilSeq),
        stored: { ...stored },
        audit: (tx, actor, done) =>
          audit(tx, actor, 'audit.export', { type: 'audit_log' }, {
            exportId: done.exportId,
            action: f.action ?? null,
            targetType: f.targetType ?? null,
            targetId: f.targetId ?? null,
            actorType: f.actorType ?? null,
            actorId: isPhone(actorId) ? maskPhone(actorId) : (actorId ?? null),
            dateFrom: f.from ?? null,
            dateTo: f.to ?? null,
            count: done.count,
          }),
      };
    },

    load(stored) {
      const { actorIdEnc, untilSeq, ...rest } = stored as StoredFilter;
      return whereOf({ ...rest, ...(actorIdEnc ? { actorId: ctx.crypto.decrypt(actorIdEnc) } : {}) }, untilSeq);
    },

    count: (db, w) => countAuditLog(db, w),
    page: (db, w, after, limit) => auditLogAfter(db, w, after ? after.seq : null, limit),

    cells(e, locale) {
      const s = SEP[locale];
      const detail = auditDetailPairs(e.detail, locale, { date: (iso) => centerTime(ctx.config.TZ_CENTER, new Date(iso)) })
        .map((p) => (p.label ? `${p.label}${s.kv}${p.value}` : p.value))
        .join(s.pair);
      return {
        at: t(e.at),
        actorType: auditActorTypeLabel(e.actorType, locale),
        actor: e.actorName ?? (e.actorType === 'phone' || isPhone(e.actorId) ? maskPhone(e.actorId) : e.actorId),
        action: auditActionLabel(e.action, locale),
        subject: auditSubjectLabel(e.targetType, locale),
        subjectId: e.targetId ?? '',
        detail,
        ip: e.ip ?? '',
      };
    },

    downloaded: (tx, actor, done) => audit(tx, actor, 'records.export.download', { type: 'audit_log' }, { exportId: done.exportId, rows: done.rows }),
  });
}

function whereOf(f: AuditLogFilter, untilSeq: number): AuditLogWhere {
  return {
    action: f.action,
    targetType: f.targetType,
    targetId: f.targetId,
    actorType: f.actorType,
    actorId: f.actorId,
    from: f.from ? new Date(f.from) : undefined,
    to: f.to ? new Date(f.to) : undefined,
    untilSeq,
  };
}
