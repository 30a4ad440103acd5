/** Approval chains, admin side (A6, X3): list, save per (unit, kind), delete. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { STAFF_ROLES } from '../../../../contracts/permissions.js';
import { ApprovalsAdminService } from './approvals.admin.service.js';
import { REVIEWER_KINDS, ReviewersAdminService } from './reviewers.admin.service.js';
import { requireActor } from '../identity/session.js';
import { CHAIN_KINDS, MAX_CC_RECIPIENTS, MAX_CHAIN_NODES } from './approvals.rules.js';

const nodeBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('person'), staffId: z.uuid() }),
  z.object({ type: z.literal('role'), role: z.enum(STAFF_ROLES) }),
]);
const chainBody = z.object({
  unitId: z.uuid(),
  kind: z.enum(CHAIN_KINDS),
  // bounded here; the exact limits answer their own codes (APPROVAL_CHAIN_TOO_LONG, CC_TOO_MANY)
  nodes: z.array(nodeBody).max(100).describe(`approvers after the host, in order; at most ${MAX_CHAIN_NODES}; a role node is anyone of the order's unit with that role`),
  ccStaffIds: z.array(z.uuid()).max(100).describe(`CC recipients (抄送人), at most ${MAX_CC_RECIPIENTS}`),
  enabled: z.boolean(),
});
const nodeView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('person'), staffId: z.string(), staffName: z.string(), staffDeleted: z.boolean().describe('the person was deleted since: the node must be replaced') }),
  z.object({ type: z.literal('role'), role: z.enum(STAFF_ROLES), holders: z.number().describe("staff of the chain's unit who hold the role now") }),
]);
const chainView = z.object({
  id: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  kind: z.enum(CHAIN_KINDS),
  nodes: z.array(nodeView),
  ccStaffIds: z.array(z.string()),
  ccStaff: z.array(z.object({ id: z.string(), name: z.string(), deleted: z.boolean() })),
  enabled: z.boolean(),
  updatedAt: z.string(),
});

export async function approvalsAdminRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new ApprovalsAdminService(ctx);
  const reviewers = new ReviewersAdminService(ctx);
  const tags = ['approvals'];
  const person = z.object({ id: z.string(), name: z.string() });
  const reviewersView = z.object({ unitId: z.string(), kind: z.enum(REVIEWER_KINDS), reviewers: z.array(person), cc: z.array(person) });

  r.get('/api/admin/unit-reviewers', {
    schema: {
      operationId: 'listUnitReviewers',
      tags,
      summary: 'A6 车辆审核人 / 人员审核人 and their CC, per unit',
      response: { 200: z.object({ items: z.array(reviewersView) }), ...errors(401) },
    },
    handler: (req) => reviewers.list(requireActor(req, 'admin')),
  });
  r.put('/api/admin/unit-reviewers', {
    schema: {
      operationId: 'setUnitReviewers',
      tags,
      summary: "Replace one unit's reviewers (and CC) of one kind",
      body: z.object({ unitId: z.uuid(), kind: z.enum(REVIEWER_KINDS), reviewerIds: z.array(z.uuid()).max(50), ccIds: z.array(z.uuid()).max(50).default([]) }),
      response: { 200: reviewersView, ...errors(400, 401) },
    },
    handler: (req) => reviewers.set(requireActor(req, 'admin'), req.body),
  });

  r.get('/api/admin/approval-chains', {
    schema: {
      operationId: 'listApprovalChains',
      tags,
      summary: 'Approval chains (审批流程) per unit and order kind, with names of the people in them',
      response: { 200: z.array(chainView), ...errors(401) },
    },
    handler: (req) => svc.list(req),
  });
  r.put('/api/admin/approval-chains', {
    schema: {
      operationId: 'saveApprovalChain',
      tags,
      summary:
        'Create or replace the chain of one unit and order kind. UNIT_NOT_FOUND; STAFF_NOT_FOUND for a person node or CC recipient that does not exist or was deleted; APPROVAL_NODE_DUPLICATE; APPROVAL_CHAIN_TOO_LONG; CC_DUPLICATE; CC_TOO_MANY',
      body: chainBody,
      response: { 200: chainView, ...errors(400, 401) },
    },
    handler: (req) => svc.upsert(req, req.body),
  });
  r.delete('/api/admin/approval-chains/:id', {
    schema: {
      operationId: 'removeApprovalChain',
      tags,
      summary: "Delete a chain: that unit's orders of that kind are decided by the host alone (orders in flight keep their copy)",
      params: z.object({ id: z.uuid() }),
      response: { 200: z.object({ ok: z.literal(true) }), ...errors(400, 401, 404) },
    },
    handler: (req) => svc.remove(req, req.params.id),
  });
}
