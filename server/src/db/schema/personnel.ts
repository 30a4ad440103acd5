import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';
import { staff, units } from './org.js';

/**
 * 人员审核 (S8) requests: a staff member's change of their own data (修改个人信息, S9) or the
 * registration of a colleague not yet in the system (代登记人员, S10). The proposed values
 * (name, phone, ID number, 工号, department) are kept encrypted in `payload` until a personnel
 * reviewer of the unit approves them; the staff record is untouched until then. A proposed face
 * photo is stored encrypted like a staff photo (ctx.storage, faces/…) under `photo_key`; on
 * approval the staff record takes that object, otherwise it is deleted.
 */
export const personnelRequests = pgTable(
  'personnel_requests',
  {
    id: id(),
    /** info_change | proxy_registration */
    kind: text('kind').notNull(),
    applicantId: uuid('applicant_id')
      .notNull()
      .references(() => staff.id),
    /** info_change: the applicant; proxy_registration: the staff record created on approval */
    targetStaffId: uuid('target_staff_id').references(() => staff.id),
    /** whose personnel reviewers decide */
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    /** AES-GCM encrypted JSON of the proposed values */
    payload: text('payload').notNull(),
    /** the proposed face photo (encrypted object in private storage), with the applicant's consent confirmation */
    photoKey: text('photo_key'),
    /** pending | approved | rejected | withdrawn */
    status: text('status').notNull().default('pending'),
    reviewerId: uuid('reviewer_id').references(() => staff.id),
    comment: text('comment'),
    decidedAt: tstz('decided_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('personnel_requests_applicant').on(t.applicantId, t.createdAt),
    index('personnel_requests_unit_status').on(t.unitId, t.status, t.createdAt),
    // one pending change of one's own data at a time (a second submission races into this)
    uniqueIndex('personnel_requests_one_pending_change').on(t.applicantId).where(sql`${t.kind} = 'info_change' and ${t.status} = 'pending'`),
    check('personnel_requests_kind', sql`${t.kind} in ('info_change', 'proxy_registration')`),
    check('personnel_requests_status', sql`${t.status} in ('pending', 'approved', 'rejected', 'withdrawn')`),
  ],
);
