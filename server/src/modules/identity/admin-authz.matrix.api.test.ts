/**
 * The authorization matrix (A10, issue 12): every /api/admin route of the running app × each kind of
 * caller — nobody, a visitor, a staff member, a kiosk, a 单位管理员 of unit B, a 系统管理员 — against a
 * record of unit A. The routes come from the app's own route table (app.routeTable, filled by an
 * onRoute hook), so a route added later is in the matrix at once; one this file cannot classify fails
 * with a message saying how to classify it.
 *
 *  - nobody / visitor / staff / kiosk: 401 AUTH_REQUIRED on every admin route.
 *  - system-only routes (session.ts SYSTEM_ONLY_ROUTES): the unit admin 403 SYSTEM_ADMIN_ONLY; the
 *    system admin is let in (no 401/403, no 5xx; a made-up id answers 404, a missing body 400).
 *  - `record` routes: the request names unit A's record; the unit admin gets 404 NOT_FOUND, the system
 *    admin a 2xx.
 *  - `list` routes: both 200; unit A's record is in the system admin's answer and not in the unit admin's.
 *  - `neutral` routes: both 2xx (the unit admin's answer is scoped, tested in their module).
 *  - `self` routes (/api/admin/account: the administrator's own sign-in settings): both let in.
 *  - `stream` routes (server-sent events): both get 200 and the stream is closed at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { makeImage, multipart } from '../../test/images.js';
import { approvalChains, departments, meetingRooms, securityAlerts, staff, unitReviewers, visitOrders, visitors } from '../../db/schema/index.js';
import { IMPORT_COLUMNS } from '../people/people.rules.js';
import { XLSX_MIME } from '../people/import.js';
import { isSystemOnlyRoute } from './session.js';

type Req = { method: string; url: string; body?: unknown; headers?: Record<string, string> };
type Rule =
  /** unit admin B: 404 `notFound` (default NOT_FOUND; a module's own not-found code where it has one), or `refused` */
  | { kind: 'record'; req: () => Promise<Req>; notFound?: string; refused?: { status: number; code: string } }
  | { kind: 'list'; req: () => Promise<Req>; shows: () => string }
  | { kind: 'neutral'; req: () => Promise<Req> }
  | { kind: 'self'; req: () => Promise<Req> }
  | { kind: 'stream'; req: () => Promise<Req> };

const NIL = '00000000-0000-7000-8000-000000000000';
const HOUR = 3600_000;
let t: TestApp;
let system: Client;
let unitAdminB: Client;
let callers: Array<[string, Client]>;
// unit A's records
const A = {} as {
  unit: Awaited<ReturnType<typeof newUnit>>;
  staff: Awaited<ReturnType<typeof newStaff>>;
  visitorId: string;
  orderId: string;
  alertId: string;
  chainId: string;
  exportId: string;
  roomId: string;
};

/** A meeting room of unit A, with a photo (a fresh one for the requests that delete it). */
async function roomOfA(): Promise<string> {
  const key = `rooms/matrix-${uniq()}`;
  await t.ctx.storage.put(key, await makeImage({ format: 'jpeg' }));
  const [r] = await t.ctx.db.insert(meetingRooms).values({ name: `矩阵会议室${uniq()}`, capacity: 10, unitId: A.unit.id, photoKey: key }).returning();
  return r!.id;
}
const roomBody = () => ({ name: `矩阵会议室${uniq()}`, buildingId: null, floor: null, location: null, capacity: 8, seatingStyles: [], services: [], openFrom: 480, openTo: 1440, reviewRequired: false, approverIds: [], undertakerIds: [], enabled: true });
const tplBody = { channel: 'sms', content: '【{centerName}】{visitorName}预约来访，请审核。', appendCodeLink: false, enabled: true };

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${seq++}`;

async function staffOfA(o: { photo?: boolean } = {}) {
  const s = await newStaff(t, { unitId: A.unit.id });
  if (o.photo) {
    const key = `staff/test-${s.id}`;
    await t.ctx.storage.put(key, await makeImage({ format: 'jpeg' }));
    await t.ctx.db.update(staff).set({ photoKey: key }).where(eq(staff.id, s.id));
  }
  return s;
}

async function workbookForA() {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(IMPORT_COLUMNS.map((c) => c.header));
  const row: Record<string, string> = { name: '矩阵导入', phone: randomPhone(), unit: A.unit.name };
  ws.addRow(IMPORT_COLUMNS.map((c) => row[c.key] ?? ''));
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  const boundary = `----sg${uniq()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="staff.xlsx"\r\nContent-Type: ${XLSX_MIME}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), buf, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** How each admin route that is not system-only is reached for unit A's record. Key: "METHOD /url". */
const RULES: Record<string, Rule> = {
  // 楼宇: their names (read-only for a unit admin, shown with units); changes are system-only
  'GET /api/admin/buildings': { kind: 'neutral', req: async () => ({ method: 'GET', url: '/api/admin/buildings' }) },
  // 组织机构: units (办理须知 is a unit field), departments
  'GET /api/admin/units': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/units' }), shows: () => A.unit.id },
  'GET /api/admin/units/:id': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/units/${A.unit.id}` }) },
  'PATCH /api/admin/units/:id': { kind: 'record', req: async () => ({ method: 'PATCH', url: `/api/admin/units/${A.unit.id}`, body: { instructions: `须知${uniq()}` } }) },
  'POST /api/admin/units/:id/departments': { kind: 'record', req: async () => ({ method: 'POST', url: `/api/admin/units/${A.unit.id}/departments`, body: { name: `部门${uniq()}` } }) },
  'PATCH /api/admin/departments/:id': { kind: 'record', req: async () => ({ method: 'PATCH', url: `/api/admin/departments/${A.unit.departmentId}`, body: { sortOrder: 3 } }) },
  'DELETE /api/admin/departments/:id': {
    kind: 'record',
    req: async () => {
      const [d] = await t.ctx.db.insert(departments).values({ unitId: A.unit.id, name: `待删${uniq()}` }).returning();
      return { method: 'DELETE', url: `/api/admin/departments/${d!.id}` };
    },
  },
  // 人员管理
  'GET /api/admin/staff': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/staff?pageSize=100' }), shows: () => A.staff.id },
  'POST /api/admin/staff': { kind: 'record', req: async () => ({ method: 'POST', url: '/api/admin/staff', body: { name: '矩阵新增', phone: randomPhone(), unitId: A.unit.id } }) },
  'GET /api/admin/staff/import-template': { kind: 'neutral', req: async () => ({ method: 'GET', url: '/api/admin/staff/import-template' }) },
  // a row naming unit A: the unit admin's import does not know unit A (422 row report), nothing is written
  'POST /api/admin/staff/import': { kind: 'neutral', req: async () => ({ method: 'POST', url: '/api/admin/staff/import', ...(await workbookForA()) }) },
  'GET /api/admin/staff/export': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/staff/export?unitId=${A.unit.id}` }) },
  'GET /api/admin/staff/:id': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/staff/${A.staff.id}` }) },
  'PATCH /api/admin/staff/:id': { kind: 'record', req: async () => ({ method: 'PATCH', url: `/api/admin/staff/${A.staff.id}`, body: { position: `职务${uniq()}` } }) },
  'DELETE /api/admin/staff/:id': { kind: 'record', req: async () => ({ method: 'DELETE', url: `/api/admin/staff/${(await staffOfA()).id}` }) },
  'POST /api/admin/staff/:id/photo': {
    kind: 'record',
    req: async () => {
      const m = await multipart({ consentConfirmed: 'true' }, { data: await makeImage({ format: 'jpeg' }), type: 'image/jpeg' });
      return { method: 'POST', url: `/api/admin/staff/${A.staff.id}/photo`, body: m.payload, headers: m.headers };
    },
  },
  'GET /api/admin/staff/:id/photo': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/staff/${(await staffOfA({ photo: true })).id}/photo` }) },
  'DELETE /api/admin/staff/:id/photo': { kind: 'record', req: async () => ({ method: 'DELETE', url: `/api/admin/staff/${(await staffOfA({ photo: true })).id}/photo` }) },
  // 审批流程: chains and reviewers
  'GET /api/admin/approval-chains': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/approval-chains' }), shows: () => A.chainId },
  'PUT /api/admin/approval-chains': {
    kind: 'record',
    req: async () => ({ method: 'PUT', url: '/api/admin/approval-chains', body: { unitId: A.unit.id, kind: 'invitation', nodes: [{ type: 'person', staffId: A.staff.id }], ccStaffIds: [], enabled: true } }),
  },
  'DELETE /api/admin/approval-chains/:id': {
    kind: 'record',
    req: async () => {
      const [c] = await t.ctx.db
        .insert(approvalChains)
        .values({ unitId: A.unit.id, kind: 'walk_in', nodes: [], ccStaffIds: [] })
        .onConflictDoUpdate({ target: [approvalChains.unitId, approvalChains.kind], set: { enabled: true } })
        .returning();
      return { method: 'DELETE', url: `/api/admin/approval-chains/${c!.id}` };
    },
  },
  'GET /api/admin/unit-reviewers': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/unit-reviewers' }), shows: () => A.unit.id },
  'PUT /api/admin/unit-reviewers': { kind: 'record', req: async () => ({ method: 'PUT', url: '/api/admin/unit-reviewers', body: { unitId: A.unit.id, kind: 'vehicle', reviewerIds: [A.staff.id], ccIds: [] } }) },
  // 访客库 (the blocklist is the center's: system-only)
  'GET /api/admin/visitors': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/visitors?pageSize=100' }), shows: () => A.visitorId },
  'GET /api/admin/visitors/:id': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/visitors/${A.visitorId}` }) },
  'GET /api/admin/visitors/:id/photo': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/visitors/${A.visitorId}/photo` }) },
  // 安全告警 about unit A's order
  'GET /api/admin/alerts': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/alerts?pageSize=100' }), shows: () => A.alertId },
  'GET /api/admin/alerts/counts': { kind: 'neutral', req: async () => ({ method: 'GET', url: '/api/admin/alerts/counts' }) },
  'POST /api/admin/alerts/handle': { kind: 'record', req: async () => ({ method: 'POST', url: '/api/admin/alerts/handle', body: { ids: [A.alertId] } }) },
  // 首页: the dashboard is the unit's for a 单位管理员 (dashboard.units.api.test.ts); live events name topics only
  'GET /api/admin/dashboard': { kind: 'neutral', req: async () => ({ method: 'GET', url: '/api/admin/dashboard' }) },
  'GET /api/admin/live': { kind: 'stream', req: async () => ({ method: 'GET', url: '/api/admin/live' }) },
  // 记录查询 and its exports
  'GET /api/admin/records/orders': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/records/orders?pageSize=100' }), shows: () => A.orderId },
  'GET /api/admin/records/orders/:id': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/records/orders/${A.orderId}` }) },
  'POST /api/admin/records/orders/export': { kind: 'record', req: async () => ({ method: 'POST', url: '/api/admin/records/orders/export', body: { unitId: A.unit.id } }) },
  'GET /api/admin/exports/:id': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/exports/${A.exportId}` }) },
  'GET /api/admin/exports/:id/file': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/exports/${A.exportId}/file` }) },
  // 会议室 of unit A (shared rooms are the system admin's: unit-rooms.api.test.ts)
  'GET /api/admin/rooms': { kind: 'list', req: async () => ({ method: 'GET', url: '/api/admin/rooms?pageSize=200' }), shows: () => A.roomId },
  'GET /api/admin/rooms/:id': { kind: 'record', notFound: 'ROOM_NOT_FOUND', req: async () => ({ method: 'GET', url: `/api/admin/rooms/${A.roomId}` }) },
  'POST /api/admin/rooms': {
    kind: 'record',
    refused: { status: 400, code: 'UNIT_NOT_FOUND' },
    req: async () => ({ method: 'POST', url: '/api/admin/rooms', body: { ...roomBody(), unitId: A.unit.id } }),
  },
  'PATCH /api/admin/rooms/:id': { kind: 'record', notFound: 'ROOM_NOT_FOUND', req: async () => ({ method: 'PATCH', url: `/api/admin/rooms/${A.roomId}`, body: { capacity: 12 } }) },
  'DELETE /api/admin/rooms/:id': { kind: 'record', notFound: 'ROOM_NOT_FOUND', req: async () => ({ method: 'DELETE', url: `/api/admin/rooms/${await roomOfA()}` }) },
  'GET /api/admin/rooms/:id/photo': { kind: 'record', notFound: 'ROOM_NOT_FOUND', req: async () => ({ method: 'GET', url: `/api/admin/rooms/${A.roomId}/photo` }) },
  'POST /api/admin/rooms/:id/photo': {
    kind: 'record',
    notFound: 'ROOM_NOT_FOUND',
    req: async () => {
      const m = await multipart({}, { data: await makeImage({ format: 'jpeg' }), type: 'image/jpeg', field: 'photo' });
      return { method: 'POST', url: `/api/admin/rooms/${await roomOfA()}/photo`, body: m.payload, headers: m.headers };
    },
  },
  'DELETE /api/admin/rooms/:id/photo': { kind: 'record', notFound: 'ROOM_NOT_FOUND', req: async () => ({ method: 'DELETE', url: `/api/admin/rooms/${await roomOfA()}/photo` }) },
  // 通知模板: unit A's own wording (the center's templates are system-only)
  'GET /api/admin/units/:id/notification-templates': { kind: 'record', req: async () => ({ method: 'GET', url: `/api/admin/units/${A.unit.id}/notification-templates` }) },
  'PUT /api/admin/units/:id/notification-templates/:event': {
    kind: 'record',
    req: async () => ({ method: 'PUT', url: `/api/admin/units/${A.unit.id}/notification-templates/order_submitted`, body: tplBody }),
  },
  'DELETE /api/admin/units/:id/notification-templates/:event': { kind: 'record', req: async () => ({ method: 'DELETE', url: `/api/admin/units/${A.unit.id}/notification-templates/order_submitted` }) },
};

/** The administrator's own sign-in settings (账号安全): every administrator, about themselves. */
const SELF = /^\/api\/admin\/account(\/|$)/;

function ruleFor(method: string, url: string): Rule | 'system' | undefined {
  if (isSystemOnlyRoute(method, url)) return 'system';
  if (SELF.test(url)) return { kind: 'self', req: async () => ({ method, url: url.replace(/:[A-Za-z]+/g, NIL), body: method === 'GET' || method === 'DELETE' ? undefined : {} }) };
  return RULES[`${method} ${url}`];
}

/** A server-sent events stream never ends: open it over HTTP, read the status, close it. */
async function openStream(c: Client, url: string): Promise<number> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}${url}`, {
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    signal: ac.signal,
  });
  ac.abort();
  await res.body?.cancel().catch(() => {});
  return res.status;
}

const send = (c: Client, r: Req) => c.req(r.method as 'GET', r.url, r.body ?? (['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined), r.headers ?? {});

beforeAll(async () => {
  t = await createTestApp();
  system = await newAdminClient(t, 'matrix-system');
  A.unit = await newUnit(t, { name: '矩阵单位A' });
  const unitB = await newUnit(t, { name: '矩阵单位B' });
  unitAdminB = await newAdminClient(t, 'matrix-unit-b', undefined, unitB.id);
  A.staff = await staffOfA();
  // a visitor who has only ever visited unit A, with a face photo
  const v = await newVisitor(t, { name: '矩阵访客' });
  const key = `faces/test-${v.id}`;
  await t.ctx.storage.put(key, await makeImage({ format: 'jpeg' }));
  await t.ctx.db.update(visitors).set({ photoKey: key }).where(eq(visitors.id, v.id));
  A.visitorId = v.id;
  const start = new Date(t.ctx.clock.now().getTime() + 2 * HOUR);
  const [o] = await t.ctx.db
    .insert(visitOrders)
    .values({ kind: 'appointment', status: 'confirmed', visitorId: v.id, visitorPhone: v.phone, hostId: A.staff.id, unitId: A.unit.id, reason: '矩阵', startAt: start, endAt: new Date(start.getTime() + 2 * HOUR) })
    .returning();
  A.orderId = o!.id;
  const [al] = await t.ctx.db.insert(securityAlerts).values({ kind: 'pass_anomaly', source: 'gate', at: t.ctx.clock.now(), orderId: o!.id, reason: '矩阵' }).returning();
  A.alertId = al!.id;
  const [c] = await t.ctx.db.insert(approvalChains).values({ unitId: A.unit.id, kind: 'appointment', nodes: [], ccStaffIds: [] }).returning();
  A.chainId = c!.id;
  A.roomId = await roomOfA();
  await t.ctx.db.insert(unitReviewers).values({ unitId: A.unit.id, kind: 'personnel', staffId: A.staff.id });
  const ex = await system.post('/api/admin/records/orders/export', { unitId: A.unit.id });
  expect(ex.statusCode).toBe(202);
  A.exportId = ex.json().exportId;
  await t.ctx.queue.drain();

  const s = await newStaff(t);
  const kiosk = new Client(t);
  const dev = await system.post('/api/admin/kiosk-devices', { name: '矩阵访客机' });
  expect((await kiosk.post('/api/kiosk/pair', { token: dev.json().token })).statusCode).toBe(200);
  callers = [
    ['anonymous', new Client(t)],
    ['visitor', await signInVisitor(t, randomPhone())],
    ['staff', await signInStaff(t, s.phone)],
    ['kiosk', kiosk],
  ];
});
afterAll(() => t.close());

describe('authorization matrix: every admin route × caller × a record of another unit', () => {
  it('answers each caller as its role allows', async () => {
    const routes = (t.app.routeTable ?? []).filter((r) => r.url.startsWith('/api/admin/'));
    expect(routes.length).toBeGreaterThan(50);
    const unclassified = routes.filter((r) => !ruleFor(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    expect(
      unclassified,
      'classify each of these admin routes: system-only → add it to SYSTEM_ONLY_ROUTES in identity/session.ts; ' +
        "scoped to a unit → add a rule in RULES of this file (kind 'record' with a request for unit A's record, 'list' with what must not show, or 'neutral')",
    ).toEqual([]);

    let cells = 0;
    for (const { method, url } of routes) {
      const rule = ruleFor(method, url)!;
      const what = `${method} ${url}`;
      const sysReq: Req = rule === 'system' ? { method, url: url.replace(/:[A-Za-z]+/g, NIL) } : await rule.req();
      for (const [who, c] of callers) {
        const res = await send(c, rule === 'system' ? sysReq : await (rule as Exclude<Rule, 'system'>).req());
        expect(res.statusCode, `${who} ${what}`).toBe(401);
        expect(res.json().error.code, `${who} ${what}`).toBe('AUTH_REQUIRED');
        cells++;
      }
      // the unit admin of B, then the system admin
      if (rule === 'system') {
        const res = await send(unitAdminB, sysReq);
        expect(res.statusCode, `unit admin ${what}`).toBe(403);
        expect(res.json().error.code, `unit admin ${what}`).toBe('SYSTEM_ADMIN_ONLY');
        const sys = await send(system, sysReq);
        expect([401, 403], `system admin ${what}: ${sys.body.slice(0, 200)}`).not.toContain(sys.statusCode);
        expect(sys.statusCode, `system admin ${what}: ${sys.body.slice(0, 200)}`).toBeLessThan(500);
      } else if (rule.kind === 'record') {
        const res = await send(unitAdminB, await rule.req());
        expect(res.statusCode, `unit admin ${what}: ${res.body.slice(0, 200)}`).toBe(rule.refused?.status ?? 404);
        expect(res.json().error.code, `unit admin ${what}`).toBe(rule.refused?.code ?? rule.notFound ?? 'NOT_FOUND');
        const sys = await send(system, await rule.req());
        expect(sys.statusCode, `system admin ${what}: ${sys.body.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
        expect(sys.statusCode, `system admin ${what}: ${sys.body.slice(0, 200)}`).toBeLessThan(300);
      } else if (rule.kind === 'list') {
        const res = await send(unitAdminB, await rule.req());
        expect(res.statusCode, `unit admin ${what}`).toBe(200);
        expect(res.body, `unit admin ${what} shows unit A's record`).not.toContain(rule.shows());
        const sys = await send(system, await rule.req());
        expect(sys.statusCode, `system admin ${what}`).toBe(200);
        expect(sys.body, `system admin ${what}`).toContain(rule.shows());
      } else if (rule.kind === 'neutral') {
        const res = await send(unitAdminB, await rule.req());
        if (what === 'POST /api/admin/staff/import') {
          // unit A is not a unit the unit admin of B can import into
          expect(res.statusCode, `unit admin ${what}: ${res.body.slice(0, 300)}`).toBe(422);
          expect(JSON.stringify(res.json().error.details), what).toContain('UNIT_NOT_FOUND');
        } else expect(res.statusCode, `unit admin ${what}`).toBe(200);
        const sys = await send(system, await rule.req());
        expect(sys.statusCode, `system admin ${what}: ${sys.body.slice(0, 200)}`).toBe(200);
      } else if (rule.kind === 'stream') {
        for (const [who, c] of [['unit admin', unitAdminB], ['system admin', system]] as const) expect(await openStream(c, (await rule.req()).url), `${who} ${what}`).toBe(200);
      } else {
        for (const [who, c] of [['unit admin', unitAdminB], ['system admin', system]] as const) {
          const res = await send(c, await rule.req());
          expect([401, 403], `${who} ${what}: ${res.body.slice(0, 200)}`).not.toContain(res.statusCode);
          expect(res.statusCode, `${who} ${what}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
        }
      }
      cells += 2;
    }
    console.log(`authorization matrix: ${cells} cells (${routes.length} admin routes × 6 callers)`);
    expect(cells).toBe(routes.length * 6);
  }, 180_000); // 100+ routes × 6 callers: longer than one test takes on a loaded 2-core box
});
