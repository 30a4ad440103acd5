import { auditLog } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';
import type { Actor } from '../identity/session.js';

/**
 * Record an audit event in the caller's transaction (architecture rule 8). Reads of personal data
 * by staff or admin are recorded too (action `*.read`), so the log shows who saw what.
 */
export async function audit(
  tx: Tx,
  actor: Actor,
  action: string,
  target: { type: string; id?: string | null },
  detail?: Record<string, unknown>,
): Promise<void> {
  await tx.insert(auditLog).values({
    actorType: actor.type,
    actorId: actor.id,
    action,
    targetType: target.type,
    targetId: target.id ?? null,
    detail: detail ?? null,
    ip: actor.ip ?? null,
  });
}
