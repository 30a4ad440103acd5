/**
 * Approval chains (X3, A6): the pure checks of a chain's configuration. An order of a unit and kind
 * is decided by its host first, then by each node of the chain in order; a node is one staff
 * member (person) or whoever in the order's unit holds a role (role). CC recipients see the order
 * under 抄送我 and decide nothing.
 */
import type { ErrorCode } from '../../../../contracts/errors.js';
import { STAFF_ROLES, type StaffRole } from '../../../../contracts/permissions.js';

/** the order kinds an approval chain can be configured for (meetings have their own reviewers) */
export const CHAIN_KINDS = ['appointment', 'invitation', 'walk_in'] as const;
export type ChainKind = (typeof CHAIN_KINDS)[number];

export const MAX_CHAIN_NODES = 10;
export const MAX_CC_RECIPIENTS = 20;

export type ChainNode = { type: 'person'; staffId: string } | { type: 'role'; role: StaffRole };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the ordered node list of a chain; null when it is valid, else the code to answer.
 * An empty list is valid (the host alone decides; CC recipients still get the order).
 * The same person twice, or the same role twice, is a duplicate: a second decision by the same
 * people adds nothing and would only delay the order.
 */
export function validateChainNodes(nodes: unknown): ErrorCode | null {
  if (!Array.isArray(nodes)) return 'VALIDATION_FAILED';
  if (nodes.length > MAX_CHAIN_NODES) return 'APPROVAL_CHAIN_TOO_LONG';
  const seen = new Set<string>();
  for (const n of nodes) {
    if (!isObject(n)) return 'VALIDATION_FAILED';
    let key: string;
    if (n.type === 'person') {
      if (typeof n.staffId !== 'string' || !UUID_RE.test(n.staffId)) return 'VALIDATION_FAILED';
      key = `person:${n.staffId.toLowerCase()}`;
    } else if (n.type === 'role') {
      if (typeof n.role !== 'string' || !(STAFF_ROLES as readonly string[]).includes(n.role)) return 'APPROVAL_ROLE_INVALID';
      key = `role:${n.role}`;
    } else return 'VALIDATION_FAILED';
    if (seen.has(key)) return 'APPROVAL_NODE_DUPLICATE';
    seen.add(key);
  }
  return null;
}

/** Checks the CC recipients (staff ids): at most MAX_CC_RECIPIENTS, no one twice. */
export function validateCcStaffIds(ids: unknown): ErrorCode | null {
  if (!Array.isArray(ids)) return 'VALIDATION_FAILED';
  if (ids.length > MAX_CC_RECIPIENTS) return 'CC_TOO_MANY';
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || !UUID_RE.test(id)) return 'VALIDATION_FAILED';
    const k = id.toLowerCase();
    if (seen.has(k)) return 'CC_DUPLICATE';
    seen.add(k);
  }
  return null;
}

/** The staff ids a chain refers to (person nodes and CC), each once — they must exist and not be deleted. */
export function referencedStaffIds(nodes: ChainNode[], ccStaffIds: string[]): string[] {
  const ids = nodes.flatMap((n) => (n.type === 'person' ? [n.staffId] : []));
  return [...new Set([...ids, ...ccStaffIds].map((s) => s.toLowerCase()))];
}
