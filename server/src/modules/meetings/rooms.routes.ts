/** Meeting rooms (A5): admin CRUD and photo under /api/admin/rooms; the staff app's room list under /api/rooms (S4). */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { ROOM_MAX_CAPACITY } from '../../../../contracts/meetings.js';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { readPhotoForm, registerPhotoJobs, sendPhoto } from '../../platform/photos.js';
import { requireActor } from '../identity/session.js';
import { RoomsService } from './rooms.service.js';
import { ROOM_LIMITS } from './rooms.rules.js';

const ok = z.object({ ok: z.literal(true) });
const idParams = z.object({ id: z.uuid() });
const jpeg = z.any().describe('JPEG image');

const minutes = (what: string) => z.number().int().describe(`${what}: minutes after local midnight in the center's zone (480 = 08:00, 1440 = 24:00), on the 15-minute grid`);
const roomSchema = z.object({
  id: z.string(),
  name: z.string(),
  buildingId: z.string().nullable(),
  buildingName: z.string().nullable(),
  unitId: z.string().nullable().describe('the unit whose room this is (listed and bookable for its staff only); null: a shared room of the center'),
  unitName: z.string().nullable(),
  floor: z.string().nullable(),
  location: z.string().nullable(),
  capacity: z.number(),
  photoUrl: z.string().nullable().describe('where to read the photo with the same session; null when none'),
  seatingStyles: z.array(z.string()).describe('排位形式 offered'),
  services: z.array(z.string()).describe('会务需求 offered'),
  openFrom: minutes('opens'),
  openTo: minutes('closes'),
  slotMinutes: z.number().describe('booking grid, always 15'),
  reviewRequired: z.boolean().describe('会议室审核: bookings wait for an approver'),
  approverIds: z.array(z.string()),
  undertakerIds: z.array(z.string()).describe('会议承接'),
  enabled: z.boolean(),
});
const person = z.object({ id: z.string(), name: z.string(), unitName: z.string().nullable() });
const adminRoomSchema = roomSchema.extend({ approvers: z.array(person), undertakers: z.array(person), sort: z.number() });

const vocab = z.array(z.string().max(ROOM_LIMITS.vocabText)).max(ROOM_LIMITS.vocabItems);
const people = z.array(z.uuid()).max(ROOM_LIMITS.people);
const roomBody = z.object({
  name: z.string().max(ROOM_LIMITS.name),
  buildingId: z.uuid().nullable(),
  unitId: z.uuid().nullable().optional().describe('the owning unit (null: a shared room of the center); a 单位管理员\'s rooms are always their unit\'s'),
  floor: z.string().max(ROOM_LIMITS.floor).nullable(),
  location: z.string().max(ROOM_LIMITS.location).nullable(),
  // the range is the service's rule (ROOM_CAPACITY_INVALID); here only "a number"
  capacity: z.number().describe(`容纳人数, 1–${ROOM_MAX_CAPACITY}`),
  seatingStyles: vocab.describe('排位形式: the defaults (contracts/meetings.ts SEATING_STYLES) or custom values'),
  services: vocab.describe('会务需求: the defaults (ROOM_SERVICES) or custom values'),
  openFrom: z.number().describe('minutes after local midnight, e.g. 480 = 08:00'),
  openTo: z.number().describe('minutes after local midnight, up to 1440 = 24:00'),
  reviewRequired: z.boolean(),
  approverIds: people.describe('staff who review bookings; at least one when reviewRequired'),
  undertakerIds: people.describe('staff who undertake (prepare) the meetings'),
  enabled: z.boolean(),
  sort: z.number().int().min(0).max(100_000).optional(),
});
const roomForm = z.object({ photo: z.string().meta({ format: 'binary' }).describe('the image file: JPEG or PNG, at most 5 MB') });

export async function roomsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new RoomsService(ctx);
  const tags = ['meetings'];
  registerPhotoJobs(ctx);
  const admin = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'admin');

  // -------------------------------------------------------------- admin
  r.get('/api/admin/rooms', {
    schema: {
      operationId: 'listRoomsAdmin',
      tags,
      summary: 'Meeting rooms (会议室), paged; search by name, filter by building and state',
      querystring: z.object({
        q: z.string().max(50).optional().describe('name contains'),
        buildingId: z.uuid().optional(),
        unitId: z.union([z.uuid(), z.literal('shared')]).optional().describe('one unit\'s rooms, or `shared` for the center\'s'),
        enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(20),
      }),
      response: { 200: z.object({ items: z.array(adminRoomSchema), total: z.number(), page: z.number(), pageSize: z.number() }), ...errors(400, 401) },
    },
    handler: (req) => svc.list(admin(req), req.query),
  });
  r.get('/api/admin/rooms/:id', {
    schema: { operationId: 'getRoomAdmin', tags, summary: 'One meeting room', params: idParams, response: { 200: adminRoomSchema, ...errors(400, 401, 404) } },
    handler: (req) => svc.get(admin(req), req.params.id),
  });
  r.post('/api/admin/rooms', {
    schema: {
      operationId: 'createRoom',
      tags,
      summary: 'Add a meeting room (name unique; ROOM_CAPACITY_INVALID, ROOM_HOURS_INVALID, ROOM_APPROVER_REQUIRED, STAFF_NOT_FOUND, BUILDING_NOT_FOUND)',
      body: roomBody,
      response: { 200: adminRoomSchema, ...errors(400, 401, 409) },
    },
    handler: (req) => svc.create(admin(req), req.body),
  });
  r.patch('/api/admin/rooms/:id', {
    schema: {
      operationId: 'updateRoom',
      tags,
      summary: 'Change a meeting room; `{ enabled }` alone enables or disables it (a disabled room is hidden from the staff app)',
      params: idParams,
      body: roomBody.partial(),
      response: { 200: adminRoomSchema, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => svc.update(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/rooms/:id', {
    schema: {
      operationId: 'removeRoom',
      tags,
      summary: 'Delete a meeting room that was never booked (else 409 IN_USE: disable it instead)',
      params: idParams,
      response: { 200: ok, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => svc.remove(admin(req), req.params.id),
  });
  r.post('/api/admin/rooms/:id/photo', {
    schema: {
      operationId: 'uploadRoomPhoto',
      tags,
      summary: 'Upload or replace the room photo: multipart/form-data with the file `photo` (JPEG or PNG, ≤ 5 MB); stored as an encrypted JPEG',
      consumes: ['multipart/form-data'],
      params: idParams,
      body: roomForm,
      response: { 200: adminRoomSchema, ...errors(400, 401, 404, 413) },
    },
    // the body is a stream read by readPhotoForm, not a parsed object; the id is checked as usual
    validatorCompiler: (route) => (route.httpPart === 'body' ? (data) => ({ value: data }) : validatorCompiler(route as never)),
    handler: async (req) => {
      const actor = admin(req);
      return svc.uploadPhoto(actor, req.params.id, await readPhotoForm(req));
    },
  });
  r.get('/api/admin/rooms/:id/photo', {
    schema: { operationId: 'getRoomPhotoAdmin', tags, summary: 'The room photo (image/jpeg)', produces: ['image/jpeg'], params: idParams, response: { 200: jpeg, ...errors(400, 401, 404) } },
    handler: async (req, reply) => sendPhoto(reply, await svc.photo(admin(req), req.params.id)),
  });
  r.delete('/api/admin/rooms/:id/photo', {
    schema: { operationId: 'removeRoomPhoto', tags, summary: 'Remove the room photo', params: idParams, response: { 200: adminRoomSchema, ...errors(400, 401, 404) } },
    handler: (req) => svc.removePhoto(admin(req), req.params.id),
  });

  // -------------------------------------------------------------- staff (S4 查看会议室)
  const staffOnly = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'staff');
  r.get('/api/rooms', {
    schema: {
      operationId: 'listRooms',
      tags,
      summary: 'Enabled meeting rooms with building, capacity, photo, seating styles, services and open hours',
      querystring: z.object({
        buildingId: z.uuid().optional(),
        minCapacity: z.coerce.number().int().min(1).max(ROOM_MAX_CAPACITY).optional().describe('rooms for at least this many people'),
      }),
      response: { 200: z.object({ items: z.array(roomSchema) }), ...errors(400, 401) },
    },
    handler: (req) => svc.listForStaff(staffOnly(req), req.query),
  });
  r.get('/api/rooms/:id', {
    schema: { operationId: 'getRoom', tags, summary: 'One enabled meeting room (a disabled one: ROOM_NOT_FOUND)', params: idParams, response: { 200: roomSchema, ...errors(400, 401, 404) } },
    handler: (req) => svc.getForStaff(staffOnly(req), req.params.id),
  });
  r.get('/api/rooms/:id/photo', {
    schema: { operationId: 'getRoomPhoto', tags, summary: 'The photo of an enabled room (image/jpeg)', produces: ['image/jpeg'], params: idParams, response: { 200: jpeg, ...errors(400, 401, 404) } },
    handler: async (req, reply) => sendPhoto(reply, await svc.photo(staffOnly(req), req.params.id)),
  });
}
