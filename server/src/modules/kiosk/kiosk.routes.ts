import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { KioskService } from './kiosk.service.js';

const tags = ['kiosk'];
const ok = z.object({ ok: z.literal(true) });

const device = z.object({
  id: z.string(),
  name: z.string(),
  location: z.string().nullable(),
  buildingId: z.string().nullable(),
  buildingName: z.string().nullable(),
  status: z.enum(['unpaired', 'paired', 'revoked']),
  createdAt: z.date(),
  pairedAt: z.date().nullable(),
  lastSeenAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

const kioskView = z.object({
  id: z.string(),
  name: z.string(),
  location: z.string().nullable(),
  buildingId: z.string().nullable(),
  buildingName: z.string().nullable(),
  timeZone: z.string().describe("the center's time zone, for the kiosk clock"),
  feverThresholdC: z.number().describe('KIOSK_FEVER_THRESHOLD_C: a 体温 at or above this is 异常 and stops confirmation'),
  healthCode: z.boolean().describe('KIOSK_HEALTH_CODE: show the 健康码 field'),
});

export async function kioskRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new KioskService(ctx);

  r.post('/api/admin/kiosk-devices', {
    schema: {
      operationId: 'createKioskDevice',
      tags,
      summary: 'Create a kiosk device (访客机); the device token is returned once, with a QR code of it',
      body: z.object({
        name: z.string().trim().min(1).max(100),
        location: z.string().trim().max(200).nullish(),
        buildingId: z.uuid().nullish(),
      }),
      response: {
        201: z.object({ device, token: z.string().describe('shown once; only its hash is stored'), qrDataUrl: z.string().describe('PNG data URL of the token') }),
        ...errors(400, 401),
      },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.createDevice(req, req.body)),
  });

  r.get('/api/admin/kiosk-devices', {
    schema: {
      operationId: 'listKioskDevices',
      tags,
      summary: 'List kiosk devices with their pairing state',
      response: { 200: z.object({ items: z.array(device) }), ...errors(401) },
    },
    handler: (req) => svc.listDevices(req),
  });

  r.delete('/api/admin/kiosk-devices/:id', {
    schema: {
      operationId: 'revokeKioskDevice',
      tags,
      summary: 'Revoke a kiosk device; its sessions stop working at once',
      params: z.object({ id: z.uuid() }),
      response: { 200: ok, ...errors(400, 401, 404) },
    },
    handler: async (req) => {
      await svc.revokeDevice(req, req.params.id);
      return { ok: true as const };
    },
  });

  r.post('/api/kiosk/pair', {
    schema: {
      operationId: 'pairKiosk',
      tags,
      summary: 'Pair this kiosk with a device token issued in admin (starts a long-lived kiosk session)',
      security: [],
      body: z.object({ token: z.string().trim().min(10).max(200) }),
      response: { 200: kioskView, ...errors(400, 401, 429) },
    },
    handler: (req, reply) => svc.pair(req.body.token, req.ip, reply, req.headers['user-agent']),
  });

  r.get('/api/kiosk/me', {
    schema: {
      operationId: 'getKioskMe',
      tags,
      summary: 'The paired kiosk device (name, location) — kiosk session only',
      response: { 200: kioskView, ...errors(401) },
    },
    handler: (req) => svc.me(req),
  });
}
