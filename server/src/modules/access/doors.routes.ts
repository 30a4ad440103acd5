/**
 * 远程开门 routes (S3): the staff app lists the doors its user may open and opens one; 设备管理
 * shows a door's state (the simulator's door, or the recorded openings of a real device).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { DEVICE_HEALTH, DEVICE_KINDS, DOOR_OPEN_RESULTS } from '../../../../contracts/access.js';
import { DoorService, type DoorDevices } from './doors.service.js';

const tags = ['access'];
const idParams = z.object({ id: z.uuid() });
const door = z.object({ id: z.string(), name: z.string(), kind: z.enum(DEVICE_KINDS), health: z.enum(DEVICE_HEALTH) });
const group = z.object({ buildingId: z.string().nullable(), buildingName: z.string().nullable(), doors: z.array(door) });

export async function doorRoutes(app: FastifyInstance, ctx: AppContext, devices: DoorDevices) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new DoorService(ctx, devices);

  r.get('/api/staff/doors', {
    schema: {
      operationId: 'listMyDoors',
      tags,
      summary: '远程开门 (S3): the doors the signed-in staff member may open, grouped by building (a door of no building: buildingId null, last)',
      response: { 200: z.object({ groups: z.array(group) }), ...errors(401) },
    },
    handler: (req) => svc.myDoors(requireActor(req, 'staff')),
  });
  r.post('/api/staff/doors/:id/open', {
    schema: {
      operationId: 'openDoor',
      tags,
      summary:
        "Open a door now through its device: result opened, offline (no answer in time) or refused (the device said no). A door the user may not open is 404; more than DOOR_OPEN_PER_USER_PER_MINUTE a minute is 429 DOOR_OPEN_RATE_LIMITED. Every attempt is audited",
      params: idParams,
      response: { 200: z.object({ result: z.enum(DOOR_OPEN_RESULTS), at: z.string() }), ...errors(400, 401, 404, 429) },
    },
    handler: (req) => svc.open(requireActor(req, 'staff'), req.params.id),
  });
  r.get('/api/admin/devices/:id/door', {
    schema: {
      operationId: 'getAccessDeviceDoor',
      tags,
      summary: "A door's remote openings: the simulator's own (source device, open: the door is open now) or, for a real device, those recorded (source record)",
      params: idParams,
      response: {
        200: z.object({ source: z.enum(['device', 'record']), open: z.boolean().nullable(), openings: z.array(z.object({ at: z.string(), door: z.number().int(), by: z.string() })) }),
        ...errors(400, 401, 404),
      },
    },
    handler: (req) => svc.doorState(requireActor(req, 'admin'), req.params.id),
  });
}
