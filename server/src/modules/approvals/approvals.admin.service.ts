/**
 * Approval chains, the administrator's side (A6, X3): per unit and order kind an ordered list of
 * nodes (a person, or a role held in the order's unit) and CC recipients. The visits module reads
 * `approval_chains` when an order is submitted and copies the chain into order_chain_steps, so an
 * edit here never moves an order already in flight.
 */
import { and, arrayOverlaps, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { approvalChains, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { StaffRole } from '../../../../contracts/permissions.js';
import { audit } from '../audit/audit.js';
import { adminUnitScope, assertInUnitScope, requireActor } from '../identity/session.js';
import { referencedStaffIds, validateCcStaffIds, validateChainNodes, type ChainKind, type ChainNode } from './approvals.rules.js';

export interface ChainInput {
  unitId: string;
  kind: ChainKind;
  nodes: ChainNode[];
  ccStaffIds: string[];
  enabled: boolean;
}

export type ChainNodeView =
  | { type: 'person'; staffId: string; staffName: string; staffDeleted: boolean }
  | { type: 'role'; role: StaffRole; holders: number };

export interface ChainView {
  id: string;
  unitId: string;
  unitName: string;
  kind: ChainKind;
  nodes: ChainNodeView[];
  ccStaffIds: string[];
  ccStaff: Array<{ id: string; name: string; deleted: boolean }>;
  enabled: boolean;
  updatedAt: string;
}

const chainColumns = {
  id: approvalChains.id,
  unitId: approvalChains.unitId,
  kind: approvalChains.kind,
  nodes: approvalChains.nodes,
  ccStaffIds: approvalChains.ccStaffIds,
  enabled: approvalChains.enabled,
  createdAt: approvalChains.createdAt,
  updatedAt: approvalChains.updatedAt,
};

type ChainRow = typeof approvalChains.$inferSelect & { unitName: string };

/** Stored form of the nodes: only the fields the visits module reads, ids lower-case. */
const storedNodes = (nodes: ChainNode[]): ChainNode[] =>
  nodes.map((n) => (n.type === 'person' ? { type: 'person', staffId: n.staffId.toLowerCase() } : { type: 'role', role: n.role }));

export class ApprovalsAdminService {
  constructor(private readonly ctx: AppContext) {}

  /** GET /api/admin/approval-chains: every configured chain, by unit order then kind. */
  async list(req: FastifyRequest): Promise<ChainView[]> {
    const scope = adminUnitScope(req);
    return this.ctx.db.transaction(async (tx) => {
      const rows = await tx
        .select({ ...chainColumns, unitName: units.name })
        .from(approvalChains)
        .innerJoin(units, eq(units.id, approvalChains.unitId))
        .where(scope ? eq(approvalChains.unitId, scope) : undefined)
        .orderBy(asc(units.sortOrder), asc(units.name), asc(approvalChains.kind));
      return this.views(tx, rows);
    });
  }

  /** PUT /api/admin/approval-chains: create or replace the chain of (unit, kind). */
  async upsert(req: FastifyRequest, input: ChainInput): Promise<ChainView> {
    const actor = requireActor(req, 'admin');
    const scope = adminUnitScope(req);
    assertInUnitScope(scope, input.unitId);
    const problem = validateChainNodes(input.nodes) ?? validateCcStaffIds(input.ccStaffIds);
    if (problem) throw new AppError(problem);
    const nodes = storedNodes(input.nodes);
    const cc = input.ccStaffIds.map((s) => s.toLowerCase());
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      const [unit] = await tx.select({ id: units.id, name: units.name }).from(units).where(eq(units.id, input.unitId));
      if (!unit) throw new AppError('UNIT_NOT_FOUND');
      const wanted = referencedStaffIds(nodes, cc);
      if (wanted.length) {
        const found = await tx
          .select({ id: staff.id })
          .from(staff)
          // a 单位管理员 picks their own unit's staff
          .where(and(inArray(staff.id, wanted), isNull(staff.deletedAt), eq(staff.active, true), scope ? eq(staff.unitId, scope) : undefined));
        const have = new Set(found.map((f) => f.id));
        const missing = wanted.find((id) => !have.has(id));
        if (missing) throw new AppError('STAFF_NOT_FOUND', { staffId: missing });
      }
      const now = ctx.clock.now();
      const [row] = await tx
        .insert(approvalChains)
        .values({ unitId: unit.id, kind: input.kind, nodes, ccStaffIds: cc, enabled: input.enabled, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [approvalChains.unitId, approvalChains.kind],
          set: { nodes, ccStaffIds: cc, enabled: input.enabled, updatedAt: now },
        })
        .returning(chainColumns);
      await audit(tx, actor, 'approval_chain.save', { type: 'approval_chain', id: row!.id }, {
        unitId: unit.id,
        kind: input.kind,
        nodes,
        ccStaffIds: cc,
        enabled: input.enabled,
      });
      const [view] = await this.views(tx, [{ ...row!, unitName: unit.name }]);
      return view!;
    });
  }

  /** DELETE /api/admin/approval-chains/:id: the unit's orders of that kind go back to the host alone. */
  async remove(req: FastifyRequest, id: string): Promise<{ ok: true }> {
    const actor = requireActor(req, 'admin');
    const scope = adminUnitScope(req);
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .delete(approvalChains)
        .where(and(eq(approvalChains.id, id), scope ? eq(approvalChains.unitId, scope) : undefined))
        .returning(chainColumns);
      if (!row) throw new AppError('NOT_FOUND');
      await audit(tx, actor, 'approval_chain.delete', { type: 'approval_chain', id }, { unitId: row.unitId, kind: row.kind, nodes: row.nodes, ccStaffIds: row.ccStaffIds });
      return { ok: true as const };
    });
  }

  /** Names of the people in the chains (deleted ones flagged) and how many hold each role in the unit. */
  private async views(tx: Tx, rows: ChainRow[]): Promise<ChainView[]> {
    const staffIds = [...new Set(rows.flatMap((r) => referencedStaffIds(r.nodes as ChainNode[], r.ccStaffIds)))];
    const people = staffIds.length
      ? await tx.select({ id: staff.id, name: staff.name, deletedAt: staff.deletedAt, active: staff.active }).from(staff).where(inArray(staff.id, staffIds))
      : [];
    const byId = new Map(people.map((p) => [p.id, p]));
    const unitIds = [...new Set(rows.map((r) => r.unitId))];
    const holders = new Map<string, number>();
    const roles = [...new Set(rows.flatMap((r) => (r.nodes as ChainNode[]).flatMap((n) => (n.type === 'role' ? [n.role] : []))))];
    if (unitIds.length && roles.length) {
      const holding = await tx
        .select({ unitId: staff.unitId, roles: staff.roles })
        .from(staff)
        .where(and(inArray(staff.unitId, unitIds), isNull(staff.deletedAt), eq(staff.active, true), arrayOverlaps(staff.roles, roles)));
      for (const h of holding) for (const role of h.roles) holders.set(`${h.unitId}:${role}`, (holders.get(`${h.unitId}:${role}`) ?? 0) + 1);
    }
    const person = (id: string) => {
      const p = byId.get(id);
      return { name: p?.name ?? '—', deleted: !p || p.deletedAt !== null || !p.active };
    };
    return rows.map((r) => ({
      id: r.id,
      unitId: r.unitId,
      unitName: r.unitName,
      kind: r.kind as ChainKind,
      nodes: (r.nodes as ChainNode[]).map((n): ChainNodeView => {
        if (n.type === 'role') return { type: 'role', role: n.role, holders: holders.get(`${r.unitId}:${n.role}`) ?? 0 };
        const p = person(n.staffId);
        return { type: 'person', staffId: n.staffId, staffName: p.name, staffDeleted: p.deleted };
      }),
      ccStaffIds: r.ccStaffIds,
      ccStaff: r.ccStaffIds.map((id) => ({ id, ...person(id) })),
      enabled: r.enabled,
      updatedAt: r.updatedAt.toISOString(),
    }));
  }
}
