/** A6 车辆审核人 / 人员审核人 and their CC recipients, per unit (beside the approval chains). */
import { http } from '@shared/api';

export const REVIEWER_KINDS = ['vehicle', 'personnel'] as const;
export type ReviewerKind = (typeof REVIEWER_KINDS)[number];
export interface UnitReviewers {
  unitId: string;
  kind: ReviewerKind;
  reviewers: Array<{ id: string; name: string }>;
  cc: Array<{ id: string; name: string }>;
}
export const MAX_REVIEWERS = 50;

export const listUnitReviewers = () => http.get<{ items: UnitReviewers[] }>('/api/admin/unit-reviewers');
/** Replace one unit's reviewers (and CC) of one kind. */
export const setUnitReviewers = (b: { unitId: string; kind: ReviewerKind; reviewerIds: string[]; ccIds: string[] }) => http.put<UnitReviewers>('/api/admin/unit-reviewers', b);
