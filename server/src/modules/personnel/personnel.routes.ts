/**
 * 人员审核 (S8), 修改个人信息 (S9), 代登记人员 (S10): the routes of contracts/personnel.ts. The
 * submissions are multipart forms (`data` JSON, an optional `photo` with `consentConfirmed=true`);
 * a submission without a photo may also be sent as plain JSON (the body is then the `data` object).
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { AppError, errors } from '../../platform/errors.js';
import { readPhotoForm, registerPhotoJobs, sendPhoto, type PhotoForm } from '../../platform/photos.js';
import { requireActor } from '../identity/session.js';
import { RequestsService } from './requests.service.js';
import { PersonnelReviewService } from './review.service.js';
import * as s from './personnel.schemas.js';

/** A multipart form as readPhotoForm reads it, or a JSON body standing for its `data` field. */
async function submission(req: FastifyRequest): Promise<PhotoForm> {
  if (req.isMultipart()) return readPhotoForm(req);
  let data: string;
  try {
    data = JSON.stringify(req.body ?? {});
  } catch {
    // nesting deeper than the stack (JSON.parse took it; stringify can't): not a submission
    throw new AppError('VALIDATION_FAILED', { reason: 'the body nests too deeply' });
  }
  return { photo: null, tooLarge: false, fields: { data } };
}

export async function personnelRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const requests = new RequestsService(ctx);
  const reviews = new PersonnelReviewService(ctx);
  const tags = ['personnel'];
  registerPhotoJobs(ctx);

  r.get('/api/staff/me/info-change', {
    schema: { operationId: 'getMyInfoChange', tags, summary: 'S9 修改个人信息: my current values and my latest change request (any state)', response: { 200: s.infoChangeState, ...errors(401, 404) } },
    handler: (req) => requests.infoChangeState(requireActor(req, 'staff')),
  });
  r.post('/api/staff/me/phone-code', {
    schema: {
      operationId: 'requestPhoneChangeCode',
      tags,
      summary: 'S9: an SMS code to the NEW phone (60 s gap, hourly limits as sign-in codes); PHONE_TAKEN when another staff member has it, NOTHING_TO_CHANGE when it is already mine',
      body: z.object({ phone: z.string().max(20) }),
      response: { 200: z.object({ ok: z.literal(true) }), ...errors(400, 401, 404, 409, 429) },
    },
    handler: (req) => requests.phoneCode(requireActor(req, 'staff'), req.body.phone, req.ip),
  });
  r.post('/api/staff/me/info-change', {
    schema: {
      operationId: 'submitInfoChange',
      tags,
      summary:
        'S9 修改个人信息: only the fields that differ are kept (NOTHING_TO_CHANGE otherwise); a new phone needs `phoneCode`; one pending change at a time (PERSONNEL_REQUEST_PENDING); the record changes only when a personnel reviewer of my unit approves',
      consumes: ['multipart/form-data', 'application/json'],
      body: s.submissionForm(s.infoChangeInput),
      response: { 201: s.requestView, ...errors(400, 401, 404, 409, 413, 429) },
    },
    // the body is a stream read by readPhotoForm (or JSON checked by the service), not validated here
    validatorCompiler: (route) => (route.httpPart === 'body' ? (data) => ({ value: data }) : validatorCompiler(route as never)),
    handler: async (req, reply) => reply.status(201).send(await requests.submitInfoChange(requireActor(req, 'staff'), await submission(req))),
  });
  r.post('/api/personnel/requests/:id/withdraw', {
    schema: { operationId: 'withdrawPersonnelRequest', tags, summary: 'The applicant withdraws a pending request (its proposed photo is deleted)', params: s.idParam, response: { 200: s.requestView, ...errors(400, 401, 404, 409) } },
    handler: (req) => requests.withdraw(requireActor(req, 'staff'), req.params.id),
  });
  r.get('/api/personnel/proxy', {
    schema: {
      operationId: 'listMyProxyRegistrations',
      tags,
      summary: 'S10 代登记人员: the registrations I submitted — 全部 / 待审核 / 已通过 / 未通过',
      querystring: z.object({ status: z.enum(['all', 'pending', 'approved', 'rejected']).default('all'), ...s.pageQuery }),
      response: { 200: s.requestPage, ...errors(400, 401) },
    },
    handler: (req) => requests.listProxies(requireActor(req, 'staff'), req.query.status, req.query.page, req.query.pageSize),
  });
  r.post('/api/personnel/proxy', {
    schema: {
      operationId: 'submitProxyRegistration',
      tags,
      summary:
        'S10 新增代办: register a colleague not yet in the system (PHONE_TAKEN when an active staff member has the phone); the personnel reviewers of the chosen unit decide; approval creates the record (访问权限 off) and tells the colleague by SMS',
      consumes: ['multipart/form-data', 'application/json'],
      body: s.submissionForm(s.proxyRegistrationInput),
      response: { 201: s.requestView, ...errors(400, 401, 404, 409, 413) },
    },
    // the body is a stream read by readPhotoForm (or JSON checked by the service), not validated here
    validatorCompiler: (route) => (route.httpPart === 'body' ? (data) => ({ value: data }) : validatorCompiler(route as never)),
    handler: async (req, reply) => reply.status(201).send(await requests.submitProxy(requireActor(req, 'staff'), await submission(req))),
  });
  r.get('/api/personnel/org', {
    schema: { operationId: 'getPersonnelOrg', tags, summary: 'S10: units and their departments to register a colleague into', response: { 200: s.orgTree, ...errors(401) } },
    handler: (req) => requests.org(requireActor(req, 'staff')),
  });
  r.get('/api/personnel/requests/:id', {
    schema: { operationId: 'getPersonnelRequest', tags, summary: 'A request, for its applicant and the personnel reviewers and CC recipients of its unit (others: 404); a read by them is audited', params: s.idParam, response: { 200: s.requestView, ...errors(400, 401, 404) } },
    handler: (req) => requests.get(requireActor(req, 'staff'), req.params.id),
  });
  r.get('/api/personnel/requests/:id/photo', {
    schema: {
      operationId: 'getPersonnelRequestPhoto',
      tags,
      summary: 'The proposed photo (image/jpeg, never cached), for the same people; a read by a reviewer or CC recipient is audited',
      produces: ['image/jpeg'],
      params: s.idParam,
      response: { 200: z.any().describe('JPEG image'), ...errors(400, 401, 404) },
    },
    handler: async (req, reply) => sendPhoto(reply, await requests.photo(requireActor(req, 'staff'), req.params.id)),
  });
  r.get('/api/approvals/personnel', {
    schema: {
      operationId: 'listPersonnelApprovals',
      tags: ['approvals'],
      summary: '审批中心 人员审核: 待处理 / 已处理 / 抄送我 of the units the user reviews staff for (A6); 404 for someone who is neither a personnel reviewer nor a CC recipient',
      querystring: z.object({ tab: z.enum(['pending', 'done', 'cc']).default('pending'), ...s.pageQuery }),
      response: { 200: s.requestPage, ...errors(400, 401, 404) },
    },
    handler: (req) => reviews.list(requireActor(req, 'staff'), req.query.tab, req.query.page, req.query.pageSize),
  });
  r.post('/api/personnel/requests/:id/review', {
    schema: {
      operationId: 'reviewPersonnelRequest',
      tags: ['approvals'],
      summary:
        '人员审核 审核通过 (the change applied / the staff record created, in one transaction) or 审核不通过 (COMMENT_REQUIRED) by a personnel reviewer of the request’s unit; others 404; one’s own request PERSONNEL_SELF_REVIEW; decided or withdrawn PERSONNEL_NOT_REVIEWABLE',
      params: s.idParam,
      body: s.reviewBody,
      response: { 200: s.requestView, ...errors(400, 401, 403, 404, 409) },
    },
    handler: (req) => reviews.review(requireActor(req, 'staff'), req.params.id, req.body.decision, req.body.comment),
  });
}
