/**
 * People (A3): staff with the Excel import/export, the host lookup used by visitor/staff/kiosk forms, and the staff member's
 * own profile (S9); buildings, units and departments are in org.service.ts. Every method starts with the access check, runs one transaction and writes
 * its audit event in it.
 */
import { maskIdNumber, maskName, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { StaffRole } from '../../../../contracts/permissions.js';
import type { AppContext } from '../../platform/context.js';
import type { staff } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { deletePhotoNow } from '../../platform/photos.js';
import { assertInUnitScope, unitScopeOf, type Actor } from '../identity/session.js';
import { hashPassword } from '../identity/identity.service.js';
import * as repo from './people.repository.js';
import { buildExport, buildTemplate, readStaffWorkbook } from './import.js';
import { StaffPhotoService } from './staff-photo.service.js';
import { OrgService } from './org.service.js';
import { checkStaffFields, COLUMN_HEADER, HOST_LOOKUPS_PER_MINUTE, validateImportRows } from './people.rules.js';

import { blankToNull, firstError, iso, mapDbError, msg } from './people.shared.js';

export interface StaffInput {
  name: string;
  phone: string;
  idType?: IdType | null;
  /** undefined: unchanged; null or '': remove */
  idNumber?: string | null;
  employeeNo?: string | null;
  unitId: string;
  departmentId?: string | null;
  officeRoom?: string | null;
  officePhone?: string | null;
  position?: string | null;
  /** 企业微信账号 (WeCom userid); null or '': remove */
  wecomUserId?: string | null;
  visitPermission?: boolean;
  roles?: StaffRole[];
  /** undefined or '': unchanged; null: remove the password */
  password?: string | null;
}
export interface StaffListQuery extends repo.StaffFilter {
  page: number;
  pageSize: number;
}

export class PeopleService {
  private readonly photos: StaffPhotoService;
  private readonly org: OrgService;
  constructor(private readonly ctx: AppContext) {
    this.photos = new StaffPhotoService(ctx);
    this.org = new OrgService(ctx);
  }

  // ------------------------------------------------------------ staff

  private decryptId(enc: string | null): string | null {
    if (!enc) return null;
    try {
      return this.ctx.crypto.decrypt(enc);
    } catch {
      return null;
    }
  }

  /** The admin's view of a staff member: ID number masked, no password hash. */
  private staffView(s: NonNullable<Awaited<ReturnType<typeof repo.findStaffById>>>) {
    const id = this.decryptId(s.idNumberEnc);
    const { idNumberEnc: _e, passwordHash, photoKey, ...rest } = s;
    return {
      ...iso(rest),
      idType: id ? ((s.idType as IdType | null) ?? 'prc_id') : null,
      idNumberMasked: id ? maskIdNumber(id) : null,
      hasPassword: Boolean(passwordHash),
      hasPhoto: Boolean(photoKey),
    };
  }

  async listStaff(actor: Actor, q: StaffListQuery) {
    return this.ctx.db.transaction(async (tx) => {
      const scope = unitScopeOf(actor);
      // a 单位管理员 lists their unit's staff (asking for another unit: 404)
      if (q.unitId) assertInUnitScope(scope, q.unitId);
      const filter = { q: q.q, unitId: scope ?? q.unitId, departmentId: q.departmentId, visitPermission: q.visitPermission };
      const total = await repo.countStaff(tx, filter);
      const rows = await repo.listStaff(tx, filter, { limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
      // a list of names and phones is personal data too: who looked is recorded (not the search text)
      await audit(tx, actor, 'staff.list', { type: 'staff' }, { unitId: q.unitId, departmentId: q.departmentId, visitPermission: q.visitPermission, search: Boolean(q.q), page: q.page, count: rows.length });
      return { items: rows.map((s) => this.staffView(s)), total, page: q.page, pageSize: q.pageSize };
    });
  }

  async getStaff(actor: Actor, id: string) {
    return this.ctx.db.transaction(async (tx) => {
      const s = await repo.findStaffById(tx, id);
      if (!s) throw new AppError('NOT_FOUND');
      assertInUnitScope(unitScopeOf(actor), s.unitId);
      await audit(tx, actor, 'staff.read', { type: 'staff', id });
      return this.staffView(s);
    });
  }

  /** Field checks, trimmed values and the encrypted ID; throws the first problem. */
  private async prepareStaff(input: Partial<StaffInput>) {
    const t = (v: string | null | undefined) => (v == null ? v : v.trim());
    const idNumber = input.idNumber == null ? input.idNumber : normaliseIdNumber(input.idNumber);
    firstError(
      checkStaffFields({
        name: input.name?.trim(),
        phone: input.phone?.trim(),
        idType: input.idType ?? 'prc_id',
        idNumber: idNumber || undefined,
        employeeNo: t(input.employeeNo),
        officeRoom: t(input.officeRoom),
        officePhone: t(input.officePhone),
        position: t(input.position),
        password: input.password,
      }),
    );
    const values: Partial<typeof staff.$inferInsert> = {
      name: input.name?.trim(),
      phone: input.phone?.trim(),
      employeeNo: blankToNull(input.employeeNo),
      unitId: input.unitId,
      departmentId: input.departmentId === undefined ? undefined : input.departmentId || null,
      officeRoom: blankToNull(input.officeRoom),
      officePhone: blankToNull(input.officePhone),
      position: blankToNull(input.position),
      wecomUserId: blankToNull(input.wecomUserId),
      visitPermission: input.visitPermission,
      roles: input.roles ? [...new Set(input.roles)] : undefined,
    };
    if (idNumber !== undefined) {
      values.idType = idNumber ? (input.idType ?? 'prc_id') : null;
      values.idNumberEnc = idNumber ? this.ctx.crypto.encrypt(idNumber) : null;
      values.idNumberIdx = idNumber ? this.ctx.crypto.blindIndex(idNumber) : null;
    }
    if (input.password === null) values.passwordHash = null;
    else if (input.password) values.passwordHash = await hashPassword(input.password);
    return values;
  }

  /** Reference and uniqueness checks inside the transaction. */
  private async checkStaffRefs(tx: Tx, v: { phone?: string; employeeNo?: string | null; wecomUserId?: string | null; unitId?: string; departmentId?: string | null }, exceptId?: string) {
    if (v.unitId && !(await repo.findUnitById(tx, v.unitId))) throw new AppError('UNIT_NOT_FOUND');
    if (v.departmentId) {
      const d = await repo.findDepartmentById(tx, v.departmentId);
      if (!d || d.unitId !== v.unitId) throw new AppError('DEPARTMENT_NOT_IN_UNIT');
    }
    if (v.phone && (await repo.findStaffIdByPhone(tx, v.phone, exceptId))) throw new AppError('PHONE_TAKEN');
    if (v.employeeNo && (await repo.findStaffIdByEmployeeNo(tx, v.employeeNo, exceptId))) throw new AppError('EMPLOYEE_NO_TAKEN');
    if (v.wecomUserId && (await repo.findStaffIdByWecomUserId(tx, v.wecomUserId, exceptId))) throw new AppError('WECOM_USER_TAKEN');
  }

  async createStaff(actor: Actor, input: StaffInput) {
    const values = await this.prepareStaff(input);
    assertInUnitScope(unitScopeOf(actor), values.unitId);
    const id = await this.ctx.db
      .transaction(async (tx) => {
        await this.checkStaffRefs(tx, values);
        const id = await repo.insertStaff(tx, { ...values, roles: values.roles ?? ['staff'] } as Parameters<typeof repo.insertStaff>[1]);
        await audit(tx, actor, 'staff.create', { type: 'staff', id }, { unitId: values.unitId, visitPermission: values.visitPermission ?? false });
        return id;
      })
      .catch(mapDbError);
    return this.getStaff(actor, id);
  }

  async updateStaff(actor: Actor, id: string, input: Partial<StaffInput>) {
    const values = await this.prepareStaff(input);
    await this.ctx.db
      .transaction(async (tx) => {
        const cur = await repo.findStaffById(tx, id);
        if (!cur) throw new AppError('NOT_FOUND');
        assertInUnitScope(unitScopeOf(actor), cur.unitId);
        if (values.unitId) assertInUnitScope(unitScopeOf(actor), values.unitId);
        const unitId = values.unitId ?? cur.unitId;
        // moving to another unit without naming a department leaves the old department behind
        if (values.unitId && values.unitId !== cur.unitId && values.departmentId === undefined) values.departmentId = null;
        const departmentId = values.departmentId === undefined ? cur.departmentId : values.departmentId;
        await this.checkStaffRefs(tx, { phone: values.phone, employeeNo: values.employeeNo, wecomUserId: values.wecomUserId, unitId, departmentId }, id);
        await repo.updateStaff(tx, id, values, this.ctx.clock.now());
        const fields = Object.keys(input).filter((k) => k !== 'password');
        await audit(tx, actor, 'staff.update', { type: 'staff', id }, { fields, ...(input.password !== undefined ? { password: input.password === null ? 'removed' : 'set' } : {}), ...(input.visitPermission !== undefined ? { visitPermission: input.visitPermission } : {}) });
      })
      .catch(mapDbError);
    return this.getStaff(actor, id);
  }

  /** Soft delete; the face photo is deleted and its consent withdrawn (X5: no reason to keep it). */
  async removeStaff(actor: Actor, id: string) {
    const photoKey = await this.ctx.db.transaction(async (tx) => {
      const cur = await repo.findStaffPhotoKey(tx, id, { lock: true });
      if (cur) assertInUnitScope(unitScopeOf(actor), cur.unitId);
      if (!cur || !(await repo.softDeleteStaff(tx, id, this.ctx.clock.now()))) throw new AppError('NOT_FOUND');
      if (cur.photoKey) await this.photos.dropPhoto(tx, id, cur.photoKey);
      await audit(tx, actor, 'staff.delete', { type: 'staff', id }, cur.photoKey ? { photoDeleted: true } : undefined);
      return cur.photoKey;
    });
    if (photoKey) await deletePhotoNow(this.ctx, photoKey);
  }

  // ------------------------------------------------------------ Excel

  async importTemplate(actor: Actor) {
    const scope = unitScopeOf(actor);
    const units = await this.org.unitView(this.ctx.db, scope ? [scope] : undefined);
    return buildTemplate(units.map((u) => ({ name: u.name, departments: u.departments.map((d) => d.name) })));
  }

  /** All rows or none: every row is checked first; any problem → 422 with the full row report. */
  async importStaff(actor: Actor, file: Buffer, fileName?: string) {
    const rows = await readStaffWorkbook(file);
    if (rows.length === 0) throw new AppError('IMPORT_ROWS_INVALID', [{ row: 2, column: '姓名*', code: 'REQUIRED_FIELD_MISSING', message: msg('REQUIRED_FIELD_MISSING') }]);
    const { crypto, clock } = this.ctx;
    return this.ctx.db
      .transaction(async (tx) => {
        // a 单位管理员 imports into their unit only: other units' names are unknown, others' staff taken
        const scope = unitScopeOf(actor);
        const units = await this.org.unitView(tx, scope ? [scope] : undefined);
        const phones = [...new Set(rows.map((r) => (r.values.phone ?? '').replace(/[\s-]/g, '')).filter(Boolean))];
        const nos = [...new Set(rows.map((r) => (r.values.employeeNo ?? '').trim()).filter(Boolean))];
        const existing = await repo.findStaffByPhones(tx, phones);
        const owners = await repo.findStaffByEmployeeNos(tx, nos);
        const { records, errors } = validateImportRows(rows, {
          units: new Map(units.map((u) => [u.name, { id: u.id, departments: new Map(u.departments.map((d) => [d.name, d.id])) }])),
          staffByPhone: new Map(existing.map((s) => [s.phone, { id: s.id, unitId: s.unitId, hasIdNumber: Boolean(s.idNumberEnc) }])),
          employeeNoOwner: new Map(owners.map((o) => [o.employeeNo!, o.phone])),
        });
        if (scope) {
          const foreign = new Set(existing.filter((s) => s.unitId !== scope).map((s) => s.phone));
          for (const r of records) if (r.existingId && foreign.has(r.phone)) errors.push({ row: r.row, column: COLUMN_HEADER.phone, code: 'PHONE_TAKEN' });
        }
        if (errors.length) {
          throw new AppError(
            'IMPORT_ROWS_INVALID',
            errors.map((e) => ({ ...e, message: msg(e.code) })),
          );
        }
        const now = clock.now();
        const idValues = (r: (typeof records)[number]) =>
          r.idNumber ? { idType: r.idType ?? 'prc_id', idNumberEnc: crypto.encrypt(r.idNumber), idNumberIdx: crypto.blindIndex(r.idNumber) } : {};
        const creates = records.filter((r) => !r.existingId);
        const updates = records.filter((r) => r.existingId);
        for (let i = 0; i < creates.length; i += 500) {
          await repo.insertStaffMany(
            tx,
            creates.slice(i, i + 500).map((r) => ({
              name: r.name,
              phone: r.phone,
              unitId: r.unitId,
              departmentId: r.departmentId ?? null,
              employeeNo: r.employeeNo ?? null,
              officeRoom: r.officeRoom ?? null,
              officePhone: r.officePhone ?? null,
              position: r.position ?? null,
              visitPermission: r.visitPermission ?? false,
              ...idValues(r),
            })),
          );
        }
        for (const r of updates) {
          await repo.updateStaff(
            tx,
            r.existingId!,
            {
              name: r.name,
              unitId: r.unitId,
              departmentId: r.departmentId,
              employeeNo: r.employeeNo,
              officeRoom: r.officeRoom,
              officePhone: r.officePhone,
              position: r.position,
              visitPermission: r.visitPermission,
              ...idValues(r),
            },
            now,
          );
        }
        const result = { created: creates.length, updated: updates.length };
        await audit(tx, actor, 'staff.import', { type: 'staff' }, { ...result, fileName: fileName?.slice(0, 200) });
        return result;
      })
      .catch(mapDbError);
  }

  async exportStaff(actor: Actor, asked: repo.StaffFilter) {
    const scope = unitScopeOf(actor);
    if (asked.unitId) assertInUnitScope(scope, asked.unitId);
    const filter = { ...asked, unitId: scope ?? asked.unitId };
    const rows = await this.ctx.db.transaction(async (tx) => {
      const rows = await repo.listStaff(tx, filter, null);
      await audit(tx, actor, 'staff.export', { type: 'staff' }, { unitId: filter.unitId, departmentId: filter.departmentId, visitPermission: filter.visitPermission, search: Boolean(filter.q), count: rows.length });
      return rows;
    });
    return buildExport(
      rows.map((s) => {
        const v = this.staffView(s);
        return { ...v, departmentName: v.departmentName ?? null, idType: v.idType };
      }),
    );
  }

  // ------------------------------------------------------------ host lookup and own profile

  /** Phone → masked host, only for staff with 访问权限 on; any other phone gets the same 404. */
  async lookupHost(actor: Actor, phone: string) {
    const key = `host-lookup:${actor.sessionId ?? `${actor.type}:${actor.id}`}`;
    if ((await this.ctx.rateLimiter.hit(key, 60)) > HOST_LOOKUPS_PER_MINUTE) throw new AppError('RATE_LIMITED');
    firstError(checkStaffFields({ phone: phone.trim() }));
    const h = await repo.findHostByPhone(this.ctx.db, phone.trim());
    if (!h) throw new AppError('HOST_NOT_FOUND');
    return { hostId: h.id, maskedName: maskName(h.name), unitId: h.unitId, unitName: h.unitName, departmentName: h.departmentName ?? null };
  }

  /** S9: the signed-in staff member's own data, their ID number in full (they are its owner). */
  async myProfile(actor: Actor) {
    const s = await repo.findStaffById(this.ctx.db, actor.id);
    if (!s) throw new AppError('NOT_FOUND');
    const v = this.staffView(s);
    return {
      id: v.id,
      name: v.name,
      phone: v.phone,
      unitId: v.unitId,
      unitName: v.unitName,
      departmentId: v.departmentId,
      departmentName: v.departmentName ?? null,
      employeeNo: v.employeeNo,
      officeRoom: v.officeRoom,
      officePhone: v.officePhone,
      position: v.position,
      roles: v.roles,
      visitPermission: v.visitPermission,
      idType: v.idType,
      idNumberMasked: v.idNumberMasked,
      idNumber: this.decryptId(s.idNumberEnc),
      hasPhoto: v.hasPhoto,
    };
  }
}

/** A staff member's name, roles and whether they may sign in — for other modules' access checks (点名 needs `reception`). */
export async function staffRolesOf(tx: Tx, id: string): Promise<{ id: string; name: string; roles: string[]; active: boolean } | null> {
  return repo.findStaffRoles(tx, id);
}
