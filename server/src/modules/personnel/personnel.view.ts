/**
 * What a 人员审核 request looks like to the people who may see it (contracts/personnel.ts
 * PersonnelRequestView): the proposed values with the ID number masked, the applicant's values to
 * compare, and what the viewer may do with it. The proposed values live encrypted in the row's
 * payload; an approved change also keeps the values it replaced there (`before`), so the history
 * shows what changed.
 */
import { maskIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { PersonnelRequestKind, PersonnelRequestStatus, PersonnelRequestView, PersonnelValues } from '../../../../contracts/personnel.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import type { Actor } from '../identity/session.js';
import { StaffRecordsService, type StaffCurrent, type StaffValues } from '../people/staff-records.service.js';
import * as repo from './personnel.repository.js';
import type { RequestRow } from './personnel.repository.js';

/** The applicant's values an approved change replaced. */
export interface BeforeValues {
  name: string;
  phone: string;
  idType: IdType | null;
  idNumber: string | null;
  employeeNo: string | null;
  unitName: string;
  departmentName: string | null;
  hasPhoto: boolean;
}

/** The decrypted payload: the proposal, whether a photo came with it, and (approved changes) the replaced values. */
export interface Payload {
  proposed: StaffValues;
  photo: boolean;
  before?: BeforeValues;
}

export const sealPayload = (ctx: AppContext, p: Payload) => ctx.crypto.encrypt(JSON.stringify(p));
export const openPayload = (ctx: AppContext, row: Pick<RequestRow, 'payload'>): Payload => JSON.parse(ctx.crypto.decrypt(row.payload)) as Payload;

/** Whose requests the viewer reviews or is copied on. */
export interface ViewerUnits {
  reviews: string[];
  copied: string[];
}

export async function viewerUnits(tx: Tx, actor: Actor): Promise<ViewerUnits> {
  return { reviews: await repo.reviewerUnits(tx, actor.id, false), copied: await repo.reviewerUnits(tx, actor.id, true) };
}

/** The applicant, a personnel reviewer or a CC recipient of the request's unit. */
export function maySee(row: RequestRow, actor: Actor, u: ViewerUnits): boolean {
  return row.applicantId === actor.id || u.reviews.includes(row.unitId) || u.copied.includes(row.unitId);
}

export function currentValues(c: StaffCurrent | BeforeValues): PersonnelValues {
  return {
    name: c.name,
    phone: c.phone,
    idType: c.idNumber ? (c.idType ?? 'prc_id') : null,
    idNumberMasked: c.idNumber ? maskIdNumber(c.idNumber) : null,
    employeeNo: c.employeeNo,
    unitName: c.unitName,
    departmentName: c.departmentName,
    hasPhoto: c.hasPhoto,
  };
}

function proposedValues(kind: PersonnelRequestKind, p: Payload, unitName: string | null, departmentName: string | null): PersonnelValues {
  const v = p.proposed;
  return {
    name: v.name ?? null,
    phone: v.phone ?? null,
    idType: v.idNumber ? (v.idType ?? 'prc_id') : null,
    idNumberMasked: v.idNumber ? maskIdNumber(v.idNumber) : null,
    // a change that clears 工号 shows it as '' (null: not part of the change)
    employeeNo: v.employeeNo === undefined ? null : (v.employeeNo ?? ''),
    unitName: kind === 'proxy_registration' ? unitName : null,
    departmentName: kind === 'proxy_registration' ? departmentName : null,
    hasPhoto: p.photo,
  };
}

export async function buildViews(tx: Tx, ctx: AppContext, rows: RequestRow[], actor: Actor, u: ViewerUnits): Promise<PersonnelRequestView[]> {
  const records = new StaffRecordsService(ctx);
  const payloads = rows.map((r) => openPayload(ctx, r));
  const people = await repo.staffNames(tx, rows.flatMap((r) => [r.applicantId, ...(r.reviewerId ? [r.reviewerId] : [])]));
  const unitNames = await repo.unitNames(tx, rows.map((r) => r.unitId));
  const deptNames = await repo.departmentNames(
    tx,
    payloads.flatMap((p) => (p.proposed.departmentId ? [p.proposed.departmentId] : [])),
  );
  const out: PersonnelRequestView[] = [];
  for (const [i, r] of rows.entries()) {
    const p = payloads[i]!;
    const kind = r.kind as PersonnelRequestKind;
    const status = r.status as PersonnelRequestStatus;
    const applicant = people.get(r.applicantId);
    const reviewer = r.reviewerId ? people.get(r.reviewerId) : undefined;
    let current: PersonnelValues | null = null;
    if (kind === 'info_change') {
      const live = status === 'approved' && p.before ? null : await records.current(tx, r.applicantId);
      current = p.before && status === 'approved' ? currentValues(p.before) : live ? currentValues(live) : null;
    }
    out.push({
      id: r.id,
      kind,
      status,
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
      comment: r.comment,
      applicant: { id: r.applicantId, name: applicant?.name ?? '', unitName: applicant?.unitName ?? '', departmentName: applicant?.departmentName ?? null },
      reviewer: r.reviewerId ? { id: r.reviewerId, name: reviewer?.name ?? '' } : null,
      unitId: r.unitId,
      unitName: unitNames.get(r.unitId) ?? '',
      proposed: proposedValues(kind, p, unitNames.get(r.unitId) ?? null, p.proposed.departmentId ? (deptNames.get(p.proposed.departmentId) ?? null) : null),
      current,
      createdStaffId: kind === 'proxy_registration' && status === 'approved' ? r.targetStaffId : null,
      canReview: status === 'pending' && u.reviews.includes(r.unitId) && r.applicantId !== actor.id,
      canWithdraw: status === 'pending' && r.applicantId === actor.id,
    });
  }
  return out;
}
