/** Approval chains API (A6, X3): per unit and order kind, the nodes after the host and the CC recipients. */
import { http } from '@shared/api';
import type { StaffRole } from '@contracts/permissions';

export const CHAIN_KINDS = ['appointment', 'invitation', 'walk_in'] as const;
export type ChainKind = (typeof CHAIN_KINDS)[number];
export const MAX_CHAIN_NODES = 10;
export const MAX_CC_RECIPIENTS = 20;

export type ChainNodeInput = { type: 'person'; staffId: string } | { type: 'role'; role: StaffRole };
export type ChainNodeView =
  | { type: 'person'; staffId: string; staffName: string; staffDeleted: boolean }
  | { type: 'role'; role: StaffRole; holders: number };

export interface ApprovalChain {
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
export interface ChainInput {
  unitId: string;
  kind: ChainKind;
  nodes: ChainNodeInput[];
  ccStaffIds: string[];
  enabled: boolean;
}

export const listApprovalChains = () => http.get<ApprovalChain[]>('/api/admin/approval-chains');
export const saveApprovalChain = (c: ChainInput) => http.put<ApprovalChain>('/api/admin/approval-chains', c);
export const removeApprovalChain = (id: string) => http.delete<{ ok: true }>(`/api/admin/approval-chains/${id}`);
