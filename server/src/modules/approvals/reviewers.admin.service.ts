/**
 * 车辆审核人 and 人员审核人 per unit (A6), beside the approval chains: who reviews the plates on the
 * unit's orders and its staff changes and proxy registrations, and who is copied (抄送). Setting a
 * kind replaces its list in one transaction, audited with before and after.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { staff, unitReviewers, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { assertInUnitScope, unitScopeOf, type Actor } from '../identity/session.js';

export const REVIEWER_KINDS = ['vehicle', 'personnel'] as const;
export type ReviewerKind = (typeof REVIEWER_KINDS)[number];
export interface ReviewersView {
  unitId: string;
  kind: ReviewerKind;
  reviewers: Array<{ id: string; name: string }>;
  cc: Array<{ id: string; name: string }>;
}

export class ReviewersAdminService {
  constructor(private readonly ctx: AppContext) {}

  /** Every unit's reviewers of both kinds (units without any are left out). */
  async list(actor: Actor): Promise<{ items: ReviewersView[] }> {
    const scope = unitScopeOf(actor);
    const rows = await this.ctx.db
      .select({ unitId: unitReviewers.unitId, kind: unitReviewers.kind, cc: unitReviewers.cc, staffId: staff.id, name: staff.name })
      .from(unitReviewers)
      .innerJoin(staff, eq(staff.id, unitReviewers.staffId))
      .where(and(isNull(staff.deletedAt), scope ? eq(unitReviewers.unitId, scope) : undefined))
      .orderBy(asc(unitReviewers.createdAt));
    const byKey = new Map<string, ReviewersView>();
    for (const r of rows) {
      const key = `${r.unitId}:${r.kind}`;
      const v = byKey.get(key) ?? { unitId: r.unitId, kind: r.kind as ReviewerKind, reviewers: [], cc: [] };
      (r.cc ? v.cc : v.reviewers).push({ id: r.staffId, name: r.name });
      byKey.set(key, v);
    }
    return { items: [...byKey.values()] };
  }

  /** Replace one unit's reviewers (and cc) of one kind; reviewers must be active staff. */
  async set(actor: Actor, input: { unitId: string; kind: ReviewerKind; reviewerIds: string[]; ccIds: string[] }): Promise<ReviewersView> {
    const reviewerIds = [...new Set(input.reviewerIds)];
    const ccIds = [...new Set(input.ccIds)].filter((id) => !reviewerIds.includes(id));
    const scope = unitScopeOf(actor);
    assertInUnitScope(scope, input.unitId);
    return this.ctx.db.transaction(async (tx) => {
      const [u] = await tx.select({ id: units.id }).from(units).where(eq(units.id, input.unitId));
      if (!u) throw new AppError('UNIT_NOT_FOUND');
      const all = [...reviewerIds, ...ccIds];
      const people = all.length ? await tx.select({ id: staff.id, name: staff.name }).from(staff).where(and(inArray(staff.id, all), isNull(staff.deletedAt), eq(staff.active, true), scope ? eq(staff.unitId, scope) : undefined)) : [];
      if (people.length !== all.length) throw new AppError('STAFF_NOT_FOUND');
      const before = await tx.select({ staffId: unitReviewers.staffId, cc: unitReviewers.cc }).from(unitReviewers).where(and(eq(unitReviewers.unitId, input.unitId), eq(unitReviewers.kind, input.kind)));
      await tx.delete(unitReviewers).where(and(eq(unitReviewers.unitId, input.unitId), eq(unitReviewers.kind, input.kind)));
      if (all.length) {
        await tx.insert(unitReviewers).values([
          ...reviewerIds.map((staffId) => ({ unitId: input.unitId, kind: input.kind, staffId, cc: false })),
          ...ccIds.map((staffId) => ({ unitId: input.unitId, kind: input.kind, staffId, cc: true })),
        ]);
      }
      await audit(tx, actor, 'unit_reviewers.update', { type: 'unit', id: input.unitId }, {
        kind: input.kind,
        before: before.filter((b) => !b.cc).length,
        after: reviewerIds.length,
        cc: ccIds.length,
      });
      const name = new Map(people.map((p) => [p.id, p.name]));
      return { unitId: input.unitId, kind: input.kind, reviewers: reviewerIds.map((id) => ({ id, name: name.get(id)! })), cc: ccIds.map((id) => ({ id, name: name.get(id)! })) };
    });
  }
}
