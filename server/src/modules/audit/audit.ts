import { auditLog } from '../../db/schema/index.js';
import { hotQuery, param } from '../../platform/hot-query.js';
import type { Tx } from '../../platform/db.js';
import type { Actor } from '../identity/session.js';
import type { AuditAction, AuditSubjectType } from '../../../../contracts/audit.js';

/**
 * Record an audit event in the caller's transaction (architecture rule 8). Reads of personal data
 * by staff or admin are recorded too (action `*.read`), so the log shows who saw what. Actions and
 * subject types are those of contracts/audit.ts, which gives each its words in 审计日志: a new one
 * is added there with its zh-CN and en label.
 */
export async function audit(
  tx: Tx,
  actor: Actor,
  action: AuditAction,
  target: { type: AuditSubjectType; id?: string | null },
  detail?: Record<string, unknown>,
): Promise<void> {
  await insertEntry(tx, { actorType: actor.type, actorId: actor.id, action, targetType: target.type, targetId: target.id ?? null, detail: detail ? JSON.stringify(detail) : null, ip: actor.ip ?? null });
}

/** One audit entry (nearly every write makes one: prepared); detail as JSON text or null. */
const insertEntry = hotQuery<{ actorType: string; actorId: string; action: string; targetType: string; targetId: string | null; detail: string | null; ip: string | null }, unknown>('sg_audit_insert', (db) =>
  db.insert(auditLog).values({
    actorType: param('actorType'),
    actorId: param('actorId'),
    action: param('action'),
    targetType: param('targetType'),
    targetId: param('targetId'),
    detail: param('detail'),
    ip: param('ip'),
  }),
);
