import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { readPhotoForm, sendPhoto } from '../../platform/photos.js';
import { VisitorsService } from './visitors.service.js';
import { registerVisitorJobs } from './visitors.jobs.js';
import { instructionsList, myVisitorInfo, photoForm, registerBody, unitInstructions, unitList, uploadResult, visitorInfoBody } from './visitors.schemas.js';

const ok = z.object({ ok: z.literal(true) });

export async function visitorsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new VisitorsService(ctx);
  const tags = ['visitors'];
  registerVisitorJobs(ctx);

  r.post('/api/visitor/photos', {
    schema: {
      operationId: 'uploadVisitorPhoto',
      tags,
      summary: '上传照片: multipart/form-data with the file `photo` (JPEG/PNG/WebP, ≤ 5 MB) and `consentVersion` (must equal the current face consent, contracts/consent.ts)',
      consumes: ['multipart/form-data'],
      // documents the form; the parts are read and checked by readPhotoForm (a stream, not a parsed body)
      body: photoForm,
      response: { 200: uploadResult, ...errors(400, 401, 413, 429) },
    },
    validatorCompiler: () => (data) => ({ value: data }),
    handler: async (req) => {
      const actor = requireActor(req, 'phone', 'visitor');
      return svc.uploadPhoto(actor, await readPhotoForm(req));
    },
  });

  r.post('/api/visitor/register', {
    schema: {
      operationId: 'registerVisitor',
      tags,
      summary: '注册 (V2): a verified phone (login of a new phone) registers, agreeing to the current 用户协议/隐私政策 (termsVersion); the session becomes a visitor session',
      body: registerBody,
      response: { 200: myVisitorInfo, ...errors(400, 401, 409) },
    },
    handler: (req, reply) => svc.register(requireActor(req, 'phone'), req.body, reply, req.headers['user-agent']),
  });

  r.get('/api/visitor/me', {
    schema: {
      operationId: 'getMyVisitorInfo',
      tags,
      summary: '我的注册信息 (V5): the signed-in visitor’s own record, with the full ID number',
      response: { 200: myVisitorInfo, ...errors(401, 404) },
    },
    handler: (req) => svc.getMine(requireActor(req, 'visitor')),
  });

  r.put('/api/visitor/me', {
    schema: {
      operationId: 'updateMyVisitorInfo',
      tags,
      summary: '修改注册信息 (V5); a new photoUploadId replaces the photo',
      body: visitorInfoBody,
      response: { 200: myVisitorInfo, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.updateMine(requireActor(req, 'visitor'), req.body),
  });

  r.get('/api/visitor/me/photo', {
    schema: {
      operationId: 'getMyVisitorPhoto',
      tags,
      summary: 'The signed-in visitor’s own face photo (image/jpeg, never cached)',
      produces: ['image/jpeg'],
      response: { 200: z.any().describe('JPEG image'), ...errors(401, 404) },
    },
    handler: async (req, reply) => {
      const jpeg = await svc.getMyPhoto(requireActor(req, 'visitor'));
      return sendPhoto(reply, jpeg);
    },
  });

  r.delete('/api/visitor/me/face-consent', {
    schema: {
      operationId: 'withdrawFaceConsent',
      tags,
      summary: '撤回人脸授权 (X5): the consent is withdrawn and the photo deleted',
      response: { 200: ok, ...errors(401, 404) },
    },
    handler: (req) => svc.withdrawFaceConsent(requireActor(req, 'visitor')),
  });

  r.get('/api/units', {
    schema: { operationId: 'listPublicUnits', tags, summary: 'Units (单位) of the center: id and name (public)', security: [], response: { 200: unitList } },
    handler: () => svc.listUnits(),
  });

  r.get('/api/instructions', {
    schema: { operationId: 'listAllInstructions', tags, summary: '办理须知 of every unit (V6, public)', security: [], response: { 200: instructionsList } },
    handler: () => svc.listInstructions(),
  });

  r.get('/api/units/:id/instructions', {
    schema: {
      operationId: 'getUnitInstructions',
      tags,
      summary: 'One unit’s 办理须知 (V6, public)',
      security: [],
      params: z.object({ id: z.uuid() }),
      response: { 200: unitInstructions, ...errors(400, 404) },
    },
    handler: (req) => svc.getUnitInstructions(req.params.id),
  });
}
