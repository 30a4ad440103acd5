/** Staff photos (A1, X5): admin upload / read (audited) / remove, and the staff member's own photo. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { readPhotoForm, registerPhotoJobs, sendPhoto } from '../../platform/photos.js';
import { requireActor } from '../identity/session.js';
import { StaffPhotoService } from './staff-photo.service.js';

const ok = z.object({ ok: z.literal(true) });
const idParams = z.object({ id: z.uuid() });
const jpeg = z.any().describe('JPEG image');

/** the multipart form, for the OpenAPI document; the parts are read and checked by readPhotoForm */
const staffPhotoForm = z.object({
  photo: z.string().meta({ format: 'binary' }).describe('the image file: JPEG, PNG or WebP, at most 5 MB'),
  consentConfirmed: z
    .literal('true')
    .describe('the administrator confirms that the staff member agreed to face processing for gate access (已取得本人同意采集人脸信息用于门禁通行); recorded as their consent'),
});

export async function staffPhotoRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new StaffPhotoService(ctx);
  const tags = ['people'];
  registerPhotoJobs(ctx);

  r.post('/api/admin/staff/:id/photo', {
    schema: {
      operationId: 'uploadStaffPhoto',
      tags,
      summary:
        'Upload or replace a staff member’s face photo: multipart/form-data with the file `photo` and `consentConfirmed=true` (else CONSENT_REQUIRED); stored as an encrypted JPEG, the consent recorded',
      consumes: ['multipart/form-data'],
      params: idParams,
      body: staffPhotoForm,
      response: { 200: ok, ...errors(400, 401, 404, 413) },
    },
    // the body is a stream read by readPhotoForm, not a parsed object; the id is checked as usual
    validatorCompiler: (route) => (route.httpPart === 'body' ? (data) => ({ value: data }) : validatorCompiler(route as never)),
    handler: async (req) => {
      const actor = requireActor(req, 'admin');
      return svc.upload(actor, req.params.id, await readPhotoForm(req));
    },
  });

  r.get('/api/admin/staff/:id/photo', {
    schema: {
      operationId: 'getStaffPhoto',
      tags,
      summary: 'A staff member’s face photo (image/jpeg, never cached); the read is audited (staff.photo.read)',
      produces: ['image/jpeg'],
      params: idParams,
      response: { 200: jpeg, ...errors(400, 401, 404) },
    },
    handler: async (req, reply) => sendPhoto(reply, await svc.read(requireActor(req, 'admin'), req.params.id)),
  });

  r.delete('/api/admin/staff/:id/photo', {
    schema: {
      operationId: 'removeStaffPhoto',
      tags,
      summary: 'Remove a staff member’s face photo: the face consent is withdrawn and the stored object deleted',
      params: idParams,
      response: { 200: ok, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.remove(requireActor(req, 'admin'), req.params.id),
  });

  r.get('/api/staff/me/photo', {
    schema: {
      operationId: 'getMyStaffPhoto',
      tags,
      summary: 'The signed-in staff member’s own face photo (image/jpeg, never cached)',
      produces: ['image/jpeg'],
      response: { 200: jpeg, ...errors(401, 404) },
    },
    handler: async (req, reply) => sendPhoto(reply, await svc.mine(requireActor(req, 'staff'))),
  });
}
