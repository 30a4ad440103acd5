/**
 * Access routes (X4, A7): 设备管理 for administrators (devices, the issuance queue 下发队列, pass
 * records 通行记录, health checks, 模拟通行 on simulator devices) and the pass-event intake for
 * devices (POST /api/access/events, authenticated with the device's token).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { VisitsService } from '../visits/visits.service.js';
import { CREDENTIAL_KINDS, CREDENTIAL_STATUSES, DEVICE_ADAPTERS, DEVICE_DIRECTIONS, DEVICE_HEALTH, DEVICE_KINDS, DEVICE_VERDICTS, DOOR_NO_MAX, PASS_DIRECTIONS, PASS_METHODS, PASS_RESULTS } from '../../../../contracts/access.js';
import { AccessService, mqttHubOf } from './access.service.js';
import { DEVICE_SYNC_JOB, SYNC_JOB, type DeviceSyncJob, type OrderSyncJob } from './issuance.js';
import { registerAccessHooks } from './access.hooks.js';
import { isapiEventToPass } from './adapters/isapi.js';
import { registerDeviceWatch } from './device-watch.js';
import { doorRoutes } from './doors.routes.js';

const tags = ['access'];
const ok = z.object({ ok: z.literal(true) });
const idParams = z.object({ id: z.uuid() });
const paging = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const paged = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

const device = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(DEVICE_KINDS).describe('闸机 gate / 门禁 door / 道闸 barrier'),
  adapter: z.enum(DEVICE_ADAPTERS),
  address: z.string().describe('ISAPI: http(s)://host[:port]; MQTT: mqtt://broker:1883/<terminalId>; simulator: free text'),
  username: z.string().nullable(),
  hasPassword: z.boolean().describe('the password is stored encrypted and never returned'),
  buildingIds: z.array(z.string()),
  buildingNames: z.array(z.string()),
  direction: z.enum(DEVICE_DIRECTIONS),
  enabled: z.boolean(),
  health: z.enum(DEVICE_HEALTH),
  healthDetail: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  issuedCount: z.number().int(),
  failedCount: z.number().int(),
  remoteOpen: z.boolean().describe('S3 远程开门: staff granted below may open it from the staff app'),
  doorNo: z.number().int().describe('the door (relay) a remote opening opens'),
  openGrants: z.object({
    unitIds: z.array(z.string()),
    roles: z.array(z.string()),
    staffIds: z.array(z.string()),
    units: z.array(z.object({ id: z.string(), name: z.string() })),
    staff: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const deviceBody = z.object({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(DEVICE_KINDS),
  adapter: z.enum(DEVICE_ADAPTERS),
  address: z.string().max(300),
  username: z.string().max(100).nullable().optional(),
  password: z.string().max(200).nullable().optional().describe('omit to keep; null or empty to remove'),
  buildingIds: z.array(z.uuid()).max(100),
  direction: z.enum(DEVICE_DIRECTIONS),
  enabled: z.boolean(),
  remoteOpen: z.boolean().optional().describe('S3 远程开门 (default off)'),
  doorNo: z.number().int().min(1).max(DOOR_NO_MAX).optional().describe('the door a remote opening opens (default 1)'),
  openGrants: z
    .object({ unitIds: z.array(z.uuid()).max(500), roles: z.array(z.string().max(40)).max(20), staffIds: z.array(z.uuid()).max(1000) })
    .optional()
    .describe('who may open it: staff of these units, with one of these roles, or these people (any one); replaces the grants'),
});
// defaults only when creating: a PATCH must not put back what it did not name
const createBody = deviceBody.extend({ direction: z.enum(DEVICE_DIRECTIONS).default('in'), enabled: z.boolean().default(true) });
const credential = z.object({
  id: z.string(),
  orderId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  holderName: z.string(),
  orderStatus: z.string(),
  startAt: z.string(),
  endAt: z.string(),
  kinds: z.array(z.enum(CREDENTIAL_KINDS)),
  plate: z.string().nullable().describe("a barrier's credential: the order's plate"),
  status: z.enum(CREDENTIAL_STATUSES),
  lastError: z.string().nullable(),
  issuedAt: z.string().nullable(),
  removedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export const passEvent = z.object({
  seq: z.number(),
  at: z.string(),
  deviceId: z.string().nullable(),
  deviceName: z.string().nullable(),
  method: z.enum(PASS_METHODS),
  direction: z.enum(PASS_DIRECTIONS),
  result: z.enum(PASS_RESULTS),
  orderId: z.string().nullable(),
  holderName: z.string().nullable(),
  note: z.string().nullable(),
  deviceAt: z.string().nullable(),
  clockSkew: z.boolean(),
  plate: z.string().nullable().describe("a barrier's pass: the plate read"),
});
const held = z.object({
  personId: z.string(),
  orderId: z.string().nullable(),
  name: z.string(),
  kinds: z.array(z.enum(CREDENTIAL_KINDS)),
  validFrom: z.string(),
  validTo: z.string(),
  idNumberMasked: z.string().nullable(),
  hasFace: z.boolean(),
  plate: z.string().nullable().describe('a barrier holds the plate'),
});
const passBody = z.object({
  at: z.iso.datetime({ offset: true }).optional().describe("the device's time of the pass: kept as deviceAt (a skew is flagged; a repeat of the same person and time is recorded once); the server's clock decides"),
  method: z.enum(PASS_METHODS),
  direction: z.enum(PASS_DIRECTIONS).optional().describe("default: the device's direction (in unless the device is 'out')"),
  result: z.enum(DEVICE_VERDICTS).describe("the device's own verdict; for a qrToken the server's verification decides, and a pass the server refuses is recorded as anomaly"),
  personId: z.string().max(64).optional().describe('the person id the device holds (the order id without dashes)'),
  qrToken: z.string().max(2000).optional().describe('a scanned 访客预约码, verified by the server'),
  plate: z.string().max(20).optional().describe("method 'plate' (a parking barrier's camera): the plate read; matched to a live order of a building the barrier serves whose plate 车辆审核 approved — its vehicle's entry or exit is recorded on the order"),
});
const passOutcome = z.object({
  seq: z.number(),
  orderId: z.string().nullable(),
  result: z.enum(PASS_RESULTS),
  arrived: z.boolean(),
  note: z.string().nullable(),
  replay: z.boolean().optional().describe('this report repeated one already recorded (same device, person and device time)'),
});

export async function accessRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new AccessService(ctx, new VisitsService(ctx));
  const admin = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'admin');

  registerAccessHooks(ctx);
  // every claimed order sync at once: the orders read together, each device sent its share in one batch
  ctx.queue.registerBatch(SYNC_JOB, async (jobs) => {
    const failed = await svc.reconciler.syncOrders(jobs.map((j) => j.payload as OrderSyncJob));
    return new Map(jobs.filter((j) => failed.has((j.payload as OrderSyncJob).orderId)).map((j) => [j.id, failed.get((j.payload as OrderSyncJob).orderId)]));
  });
  ctx.queue.register(DEVICE_SYNC_JOB, async (payload: DeviceSyncJob) => {
    await svc.reconciler.syncDevice(payload);
  });
  // periodic health checks, MQTT status, device pushes → a device back is re-synced at once
  const watch = registerDeviceWatch(app, ctx, svc, mqttHubOf(ctx));
  app.addHook('onReady', async () => {
    // not awaited: an unreachable broker must not hold up the start
    if (ctx.config.WORKERS) void svc.listenMqtt().catch((err) => ctx.log.warn({ err }, 'mqtt event feed not started'));
    // the simulator's memory (this process's) starts empty: its devices take what they should hold
    if (ctx.config.WORKERS) void svc.refillSimulators().catch((err) => ctx.log.warn({ err }, 'simulator devices not refilled'));
  });
  app.addHook('onClose', async () => {
    await mqttHubOf(ctx).close();
  });

  // -------------------------------------------------------------- devices
  r.get('/api/admin/devices', {
    schema: { operationId: 'listAccessDevices', tags, summary: '设备管理 (A7): gates, doors, barriers', response: { 200: z.object({ items: z.array(device) }), ...errors(401) } },
    handler: (req) => svc.devices.listDevices(admin(req)),
  });
  r.get('/api/admin/devices/:id', {
    schema: { operationId: 'getAccessDevice', tags, summary: 'One device', params: idParams, response: { 200: device, ...errors(400, 401, 404) } },
    handler: (req) => svc.devices.getDevice(admin(req), req.params.id),
  });
  r.post('/api/admin/devices', {
    schema: { operationId: 'createAccessDevice', tags, summary: 'Add a device (password encrypted, never returned)', body: createBody, response: { 200: device, ...errors(400, 401) } },
    handler: (req) => svc.devices.createDevice(admin(req), req.body),
  });
  r.patch('/api/admin/devices/:id', {
    schema: {
      operationId: 'updateAccessDevice',
      tags,
      summary: 'Change a device; the orders it concerns are re-synced (areas, enabled)',
      params: idParams,
      body: deviceBody.partial(),
      response: { 200: device, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.devices.updateDevice(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/devices/:id', {
    schema: { operationId: 'removeAccessDevice', tags, summary: 'Delete a device holding nothing (else DEVICE_HAS_CREDENTIALS: disable it first)', params: idParams, response: { 200: ok, ...errors(400, 401, 404, 409) } },
    handler: async (req) => {
      await svc.devices.removeDevice(admin(req), req.params.id);
      return { ok: true as const };
    },
  });
  r.post('/api/admin/devices/:id/health', {
    schema: { operationId: 'checkAccessDeviceHealth', tags, summary: '检测: ask the device (ISAPI deviceInfo, MQTT status) and store the answer', params: idParams, response: { 200: device, ...errors(400, 401, 404) } },
    handler: (req) => svc.devices.checkHealth(admin(req), req.params.id),
  });
  r.get('/api/admin/devices/:id/token', {
    schema: { operationId: 'getAccessDeviceToken', tags, summary: "The device's bearer token for POST /api/access/events (the read is audited)", params: idParams, response: { 200: z.object({ token: z.string() }), ...errors(400, 401, 404) } },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return svc.devices.token(admin(req), req.params.id);
    },
  });
  r.get('/api/admin/devices/:id/held', {
    schema: {
      operationId: 'getAccessDeviceHoldings',
      tags,
      summary: 'What the device holds: the simulator its own memory (source device), other devices the issuance record (source record)',
      params: idParams,
      response: { 200: z.object({ items: z.array(held), source: z.enum(['device', 'record']) }), ...errors(400, 401, 404) },
    },
    handler: (req) => svc.credentials.held(admin(req), req.params.id),
  });
  r.post('/api/admin/devices/:id/simulate', {
    schema: {
      operationId: 'simulateAccessPass',
      tags,
      summary: '模拟通行 on a simulator device: granted only if it holds the person (a barrier: the plate, method plate) inside the validity, then recorded like a real pass',
      params: idParams,
      body: z.object({
        personId: z.string().min(1).max(64).optional().describe('the person the device holds (every method but plate)'),
        plate: z.string().min(1).max(20).optional().describe("method 'plate' on a barrier: the plate its camera reads"),
        method: z.enum(PASS_METHODS),
        direction: z.enum(PASS_DIRECTIONS).optional(),
      }),
      response: { 200: passOutcome, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => svc.passes.simulate(admin(req), req.params.id, req.body),
  });

  // -------------------------------------------------------------- 远程开门 (S3)
  await doorRoutes(app, ctx, svc);

  // -------------------------------------------------------------- issuance queue and pass records
  r.get('/api/admin/access/credentials', {
    schema: {
      operationId: 'listAccessCredentials',
      tags,
      summary: '下发队列: what each device holds or failed to take, per order',
      querystring: z.object({ ...paging, status: z.enum(CREDENTIAL_STATUSES).optional(), deviceId: z.uuid().optional(), orderId: z.uuid().optional() }),
      response: { 200: paged(credential), ...errors(400, 401) },
    },
    handler: (req) => svc.credentials.listCredentials(admin(req), req.query),
  });
  r.post('/api/admin/access/credentials/:id/retry', {
    schema: { operationId: 'retryAccessCredential', tags, summary: '重试 a failed issuance or removal now', params: idParams, response: { 200: ok, ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.credentials.retryCredential(admin(req), req.params.id),
  });
  r.get('/api/admin/access/events', {
    schema: {
      operationId: 'listAccessEvents',
      tags,
      summary: '通行记录: pass events, newest first; filters device, building, order, method, result, time range; the read is audited',
      querystring: z.object({
        ...paging,
        deviceId: z.uuid().optional(),
        buildingId: z.uuid().optional().describe('passes at the devices guarding this building'),
        orderId: z.uuid().optional(),
        method: z.enum(PASS_METHODS).optional(),
        result: z.enum(PASS_RESULTS).optional(),
        from: z.iso.datetime({ offset: true }).optional().describe('at or after this instant'),
        to: z.iso.datetime({ offset: true }).optional().describe('before this instant'),
      }),
      response: { 200: paged(passEvent), ...errors(400, 401) },
    },
    handler: (req) => svc.passes.listEvents(admin(req), req.query),
  });

  // -------------------------------------------------------------- devices report passes
  r.post('/api/access/events', {
    schema: {
      operationId: 'reportAccessPass',
      tags,
      summary: 'A device reports a pass (Authorization: Bearer <device token>); a granted pass in on a confirmed order inside its window → 已到达',
      security: [],
      body: passBody,
      response: { 200: passOutcome, ...errors(400, 401) },
    },
    // the device is checked before the body, like a session area
    preValidation: async (req) => {
      (req as unknown as { device: unknown }).device = await svc.passes.deviceByToken(req.headers.authorization);
    },
    handler: async (req) => {
      const d = (req as unknown as { device: Awaited<ReturnType<AccessService['passes']['deviceByToken']>> }).device;
      await watch.seen(d);
      return svc.passes.recordPass(d, req.body, 'http');
    },
  });

  // Hikvision terminals in HTTP-listening mode cannot add a header: the token goes in the URL
  r.post('/api/access/isapi/events', {
    schema: {
      operationId: 'reportIsapiEvent',
      tags,
      summary: 'Hikvision event push (HTTP listening: JSON or multipart with the event_log / AccessControllerEvent part) → the same pass intake; ?token=<device token>',
      security: [],
      querystring: z.object({ token: z.string().max(200) }),
      response: { 200: z.object({ ok: z.literal(true), recorded: z.boolean() }), ...errors(400, 401) },
    },
    handler: async (req) => {
      const d = await svc.passes.deviceByToken(req.query.token);
      // any push counts as a sign of life, heartbeats included
      await watch.seen(d);
      let event: unknown = req.body;
      if (req.isMultipart()) {
        event = undefined;
        for await (const part of req.parts()) {
          if (part.type === 'file') {
            const buf = await part.toBuffer(); // the snapshot picture is not kept
            if (!event && /json/.test(part.mimetype)) event = parseJson(buf.toString('utf8'));
          } else if (!event && typeof part.value === 'string') event = parseJson(part.value);
        }
      }
      const pass = isapiEventToPass(event);
      if (!pass) return { ok: true as const, recorded: false };
      await svc.passes.recordPass(d, pass, 'isapi');
      return { ok: true as const, recorded: true };
    },
  });
}
