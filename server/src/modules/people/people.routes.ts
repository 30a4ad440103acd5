import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { AppError, errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { STAFF_ROLES } from '../../../../contracts/permissions.js';
import { PeopleService } from './people.service.js';
import { OrgService } from './org.service.js';
import { XLSX_MIME } from './import.js';
import { staffPhotoRoutes } from './staff-photo.routes.js';

const ok = z.object({ ok: z.literal(true) });
const idParams = z.object({ id: z.uuid() });
const text = (max: number) => z.string().max(max);
const optText = (max: number) => z.string().max(max).nullable().optional();
const xlsx = (description: string) => ({ description, content: { [XLSX_MIME]: { schema: z.string().meta({ format: 'binary' }) } } });

// ---------------------------------------------------------------- schemas

const buildingSchema = z.object({ id: z.string(), name: z.string(), address: z.string().nullable(), unitCount: z.number(), createdAt: z.string() });
const buildingBody = z.object({ name: text(100), address: optText(200) });

const departmentSchema = z.object({ id: z.string(), unitId: z.string(), name: z.string(), sortOrder: z.number(), staffCount: z.number() });
const unitSchema = z.object({
  id: z.string(),
  name: z.string(),
  code: z.string().nullable(),
  buildingId: z.string().nullable(),
  buildingName: z.string().nullable(),
  instructions: z.string().describe('办理须知 (A3), shown to visitors'),
  maxVisitHours: z.number().describe('longest visit window this unit accepts, hours'),
  allowDeskConfirm: z.boolean(),
  sortOrder: z.number(),
  staffCount: z.number(),
  departments: z.array(departmentSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const unitBody = z.object({
  name: text(100),
  code: optText(30),
  buildingId: z.uuid().nullable().optional(),
  instructions: z.string().max(10_000).optional(),
  maxVisitHours: z.number().int().min(1).max(720).optional(),
  allowDeskConfirm: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(100_000).optional(),
});
const departmentBody = z.object({ name: text(100), sortOrder: z.number().int().min(0).max(100_000).optional() });

const staffSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  idType: z.enum(ID_TYPES).nullable(),
  idNumberMasked: z.string().nullable().describe('e.g. 3303**********1234'),
  employeeNo: z.string().nullable(),
  unitId: z.string(),
  unitName: z.string(),
  departmentId: z.string().nullable(),
  departmentName: z.string().nullable(),
  officeRoom: z.string().nullable(),
  officePhone: z.string().nullable(),
  position: z.string().nullable(),
  wecomUserId: z.string().nullable().describe('企业微信账号 (the WeCom userid): signs in with WeCom and gets WeCom notices'),
  visitPermission: z.boolean().describe('访问权限: can be found as a host'),
  roles: z.array(z.string()),
  hasPassword: z.boolean(),
  hasPhoto: z.boolean().describe('a face photo is on file (GET /api/admin/staff/{id}/photo)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const staffBody = z.object({
  name: text(50),
  phone: text(20).describe('11-digit mainland mobile number, unique among staff'),
  idType: z.enum(ID_TYPES).nullable().optional(),
  idNumber: optText(40).describe('omit to keep; null or empty to remove'),
  employeeNo: optText(50),
  unitId: z.uuid(),
  departmentId: z.uuid().nullable().optional(),
  officeRoom: optText(50),
  officePhone: optText(30),
  position: optText(50),
  wecomUserId: z
    .string()
    .trim()
    .max(64)
    .regex(/^[A-Za-z0-9_.@-]*$/, 'a WeCom userid: letters, digits, _ - @ .')
    .nullable()
    .optional()
    .describe('企业微信账号 (the member\'s userid in the WeCom address book); null or empty to remove; unique among staff'),
  visitPermission: z.boolean().optional(),
  roles: z.array(z.enum(STAFF_ROLES)).max(STAFF_ROLES.length).optional(),
  password: z.string().max(200).nullable().optional().describe('staff-app password, at least 8 characters; omit to keep, null to remove'),
});
const staffFilter = z.object({
  q: z.string().max(50).optional().describe('name, phone or employee no (contains)'),
  unitId: z.uuid().optional(),
  departmentId: z.uuid().optional(),
  visitPermission: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
const rowError = z.object({ row: z.number(), column: z.string(), code: z.string(), message: z.object({ 'zh-CN': z.string(), en: z.string() }) });

export async function peopleRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new PeopleService(ctx);
  const org = new OrgService(ctx);
  const tags = ['people'];
  const admin = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'admin');

  // -------------------------------------------------------------- buildings
  r.get('/api/admin/buildings', {
    schema: { operationId: 'listBuildings', tags, summary: 'Buildings (楼宇)', response: { 200: z.object({ items: z.array(buildingSchema) }), ...errors(401) } },
    handler: (req) => org.listBuildings(admin(req)),
  });
  r.post('/api/admin/buildings', {
    schema: { operationId: 'createBuilding', tags, summary: 'Add a building', body: buildingBody, response: { 200: buildingSchema, ...errors(400, 401, 409) } },
    handler: (req) => org.createBuilding(admin(req), req.body),
  });
  r.patch('/api/admin/buildings/:id', {
    schema: { operationId: 'updateBuilding', tags, summary: 'Change a building', params: idParams, body: buildingBody.partial(), response: { 200: buildingSchema, ...errors(400, 401, 404, 409) } },
    handler: (req) => org.updateBuilding(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/buildings/:id', {
    schema: { operationId: 'removeBuilding', tags, summary: 'Delete a building no unit is in (else IN_USE)', params: idParams, response: { 200: ok, ...errors(400, 401, 404, 409) } },
    handler: async (req) => {
      await org.removeBuilding(admin(req), req.params.id);
      return { ok: true as const };
    },
  });

  // -------------------------------------------------------------- units and departments
  r.get('/api/admin/units', {
    schema: { operationId: 'listUnits', tags, summary: 'Units (单位) with their departments and staff counts', response: { 200: z.object({ items: z.array(unitSchema) }), ...errors(401) } },
    handler: (req) => org.listUnits(admin(req)),
  });
  r.get('/api/admin/units/:id', {
    schema: { operationId: 'getUnit', tags, summary: 'One unit', params: idParams, response: { 200: unitSchema, ...errors(400, 401, 404) } },
    handler: (req) => org.getUnit(admin(req), req.params.id),
  });
  r.post('/api/admin/units', {
    schema: { operationId: 'createUnit', tags, summary: 'Add a unit (name unique)', body: unitBody, response: { 200: unitSchema, ...errors(400, 401, 409) } },
    handler: (req) => org.createUnit(admin(req), req.body),
  });
  r.patch('/api/admin/units/:id', {
    schema: {
      operationId: 'updateUnit',
      tags,
      summary: 'Change a unit, its 办理须知 (A3) or its longest visit window',
      params: idParams,
      body: unitBody.partial(),
      response: { 200: unitSchema, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => org.updateUnit(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/units/:id', {
    schema: { operationId: 'removeUnit', tags, summary: 'Delete a unit without staff or departments (else IN_USE)', params: idParams, response: { 200: ok, ...errors(400, 401, 404, 409) } },
    handler: async (req) => {
      await org.removeUnit(admin(req), req.params.id);
      return { ok: true as const };
    },
  });
  r.post('/api/admin/units/:id/departments', {
    schema: { operationId: 'createDepartment', tags, summary: 'Add a department (部门) to a unit', params: idParams, body: departmentBody, response: { 200: departmentSchema, ...errors(400, 401, 404, 409) } },
    handler: (req) => org.createDepartment(admin(req), req.params.id, req.body),
  });
  r.patch('/api/admin/departments/:id', {
    schema: { operationId: 'updateDepartment', tags, summary: 'Rename or reorder a department', params: idParams, body: departmentBody.partial(), response: { 200: departmentSchema, ...errors(400, 401, 404, 409) } },
    handler: (req) => org.updateDepartment(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/departments/:id', {
    schema: { operationId: 'removeDepartment', tags, summary: 'Delete a department without staff (else IN_USE)', params: idParams, response: { 200: ok, ...errors(400, 401, 404, 409) } },
    handler: async (req) => {
      await org.removeDepartment(admin(req), req.params.id);
      return { ok: true as const };
    },
  });

  // -------------------------------------------------------------- staff
  r.get('/api/admin/staff', {
    schema: {
      operationId: 'listStaff',
      tags,
      summary: 'Staff (内部人员), paged; search and filters; ID numbers masked; the read is audited',
      querystring: staffFilter.extend({ page: z.coerce.number().int().min(1).max(100_000).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(20) }),
      response: { 200: z.object({ items: z.array(staffSchema), total: z.number(), page: z.number(), pageSize: z.number() }), ...errors(400, 401) },
    },
    handler: (req) => svc.listStaff(admin(req), req.query),
  });
  r.post('/api/admin/staff', {
    schema: { operationId: 'createStaff', tags, summary: 'Add a staff member', body: staffBody, response: { 200: staffSchema, ...errors(400, 401, 409) } },
    handler: (req) => svc.createStaff(admin(req), req.body),
  });
  r.get('/api/admin/staff/import-template', {
    schema: { operationId: 'getStaffImportTemplate', tags, summary: 'The staff import template (.xlsx)', response: { 200: xlsx('人员导入模板.xlsx'), ...errors(401) } },
    handler: async (req, reply) => {
      const buf = await svc.importTemplate(admin(req));
      return reply.type(XLSX_MIME).header('content-disposition', attachment('人员导入模板.xlsx', 'staff-import-template.xlsx')).send(buf as unknown as string); // a Buffer skips serialisation
    },
  });
  r.post('/api/admin/staff/import', {
    schema: {
      operationId: 'importStaff',
      tags,
      summary: 'Import staff from an .xlsx (multipart field `file`): all rows or none; 422 lists every bad row',
      consumes: ['multipart/form-data'],
      response: { 200: z.object({ created: z.number(), updated: z.number() }), 422: errorsWithRows(), ...errors(400, 401, 413) },
    },
    handler: async (req) => {
      const actor = admin(req);
      if (!req.isMultipart()) throw new AppError('IMPORT_FILE_INVALID');
      const file = await req.file();
      if (!file) throw new AppError('IMPORT_FILE_INVALID');
      const buf = await file.toBuffer();
      return svc.importStaff(actor, buf, file.filename);
    },
  });
  r.get('/api/admin/staff/export', {
    schema: { operationId: 'exportStaff', tags, summary: 'Export the (filtered) staff list as .xlsx, ID numbers masked; audited', querystring: staffFilter, response: { 200: xlsx('人员.xlsx'), ...errors(400, 401) } },
    handler: async (req, reply) => {
      const buf = await svc.exportStaff(admin(req), req.query);
      return reply.type(XLSX_MIME).header('content-disposition', attachment(`人员-${ctx.clock.today()}.xlsx`, `staff-${ctx.clock.today()}.xlsx`)).send(buf as unknown as string); // a Buffer skips serialisation
    },
  });
  r.get('/api/admin/staff/:id', {
    schema: { operationId: 'getStaff', tags, summary: 'One staff member (the read is audited)', params: idParams, response: { 200: staffSchema, ...errors(400, 401, 404) } },
    handler: (req) => svc.getStaff(admin(req), req.params.id),
  });
  r.patch('/api/admin/staff/:id', {
    schema: {
      operationId: 'updateStaff',
      tags,
      summary: 'Change a staff member (any subset of fields, e.g. the 访问权限 switch)',
      params: idParams,
      body: staffBody.partial(),
      response: { 200: staffSchema, ...errors(400, 401, 404, 409) },
    },
    handler: (req) => svc.updateStaff(admin(req), req.params.id, req.body),
  });
  r.delete('/api/admin/staff/:id', {
    schema: { operationId: 'removeStaff', tags, summary: 'Delete a staff member (kept for history, no longer signs in or hosts)', params: idParams, response: { 200: ok, ...errors(400, 401, 404) } },
    handler: async (req) => {
      await svc.removeStaff(admin(req), req.params.id);
      return { ok: true as const };
    },
  });

  // -------------------------------------------------------------- host lookup and own profile
  r.post('/api/hosts/lookup', {
    schema: {
      operationId: 'lookupHost',
      tags,
      summary: 'Host phone → masked name (姜*檬); only staff with 访问权限 on, else HOST_NOT_FOUND (无此受访人). Rate-limited per session',
      body: z.object({ phone: text(20) }),
      response: {
        200: z.object({ hostId: z.string(), maskedName: z.string(), unitId: z.string(), unitName: z.string(), departmentName: z.string().nullable() }),
        ...errors(400, 401, 404, 429),
      },
    },
    handler: (req) => svc.lookupHost(requireActor(req, 'visitor', 'phone', 'staff', 'kiosk'), req.body.phone),
  });
  r.get('/api/staff/me/profile', {
    schema: {
      operationId: 'getMyStaffProfile',
      tags,
      summary: 'S9 个人信息: the signed-in staff member’s own data (their ID number in full)',
      response: {
        200: z.object({
          id: z.string(),
          name: z.string(),
          phone: z.string(),
          unitId: z.string(),
          unitName: z.string(),
          departmentId: z.string().nullable(),
          departmentName: z.string().nullable(),
          employeeNo: z.string().nullable(),
          officeRoom: z.string().nullable(),
          officePhone: z.string().nullable(),
          position: z.string().nullable(),
          roles: z.array(z.string()),
          visitPermission: z.boolean(),
          idType: z.enum(ID_TYPES).nullable(),
          idNumberMasked: z.string().nullable(),
          idNumber: z.string().nullable(),
          hasPhoto: z.boolean().describe('a face photo is on file (GET /api/staff/me/photo)'),
        }),
        ...errors(401, 404),
      },
    },
    handler: (req) => svc.myProfile(requireActor(req, 'staff')),
  });

  await staffPhotoRoutes(app, ctx);
}

/** RFC 6266 attachment with a UTF-8 name and an ASCII fallback. */
function attachment(utf8Name: string, asciiName: string) {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`;
}

/** 422 IMPORT_ROWS_INVALID: details is the row report. */
function errorsWithRows() {
  return z
    .object({ error: z.object({ code: z.string(), message: z.object({ 'zh-CN': z.string(), en: z.string() }), details: z.array(rowError) }) })
    .describe('IMPORT_ROWS_INVALID with [{row, column, code, message}]');
}
