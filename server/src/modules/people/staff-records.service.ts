/**
 * The staff record as other modules may touch it (人员审核, S8/S9/S10): read one's current values,
 * check proposed values with the admin's own rules (people.rules.ts: phone, ID number, lengths;
 * PHONE_TAKEN, EMPLOYEE_NO_TAKEN, the department in its unit), and — on approval, inside the
 * caller's transaction — apply a change or create the record, with the face photo and its consent
 * recorded as an admin upload records them (staff-photo.service.ts). The personnel module goes
 * through here, never through people.repository.
 */
import { normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import { STAFF_FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { enqueuePhotoDeletion } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import * as repo from './people.repository.js';
import { checkStaffFields } from './people.rules.js';
import { blankToNull, firstError } from './people.shared.js';

/** A staff member's values that 修改个人信息 may change, the ID number in clear (server side only). */
export interface StaffCurrent {
  id: string;
  name: string;
  phone: string;
  idType: IdType | null;
  idNumber: string | null;
  employeeNo: string | null;
  unitId: string;
  unitName: string;
  departmentId: string | null;
  departmentName: string | null;
  hasPhoto: boolean;
}

/** Proposed values, already trimmed and normalised (undefined: not proposed; employeeNo null: clear it). */
export interface StaffValues {
  name?: string;
  phone?: string;
  idType?: IdType;
  idNumber?: string;
  employeeNo?: string | null;
  unitId?: string;
  departmentId?: string | null;
}

/** A face photo already in private storage, and who confirmed the consent to it. */
export interface StaffPhoto {
  key: string;
  confirmedBy: string;
}

export class StaffRecordsService {
  constructor(private readonly ctx: AppContext) {}

  /** A non-deleted staff member's current values; null when there is none. */
  async current(tx: Tx, staffId: string): Promise<StaffCurrent | null> {
    const s = await repo.findStaffById(tx, staffId);
    if (!s) return null;
    let idNumber: string | null = null;
    try {
      idNumber = s.idNumberEnc ? this.ctx.crypto.decrypt(s.idNumberEnc) : null;
    } catch {
      idNumber = null;
    }
    return {
      id: s.id,
      name: s.name,
      phone: s.phone,
      idType: idNumber ? ((s.idType as IdType | null) ?? 'prc_id') : null,
      idNumber,
      employeeNo: s.employeeNo,
      unitId: s.unitId,
      unitName: s.unitName,
      departmentId: s.departmentId,
      departmentName: s.departmentName ?? null,
      hasPhoto: Boolean(s.photoKey),
    };
  }

  /** The names of a unit and a department (for showing a proposal); null when the unit is gone. */
  async orgNames(tx: Tx, unitId: string, departmentId: string | null): Promise<{ unitName: string; departmentName: string | null } | null> {
    const u = await repo.findUnitById(tx, unitId);
    if (!u) return null;
    const d = departmentId ? await repo.findDepartmentById(tx, departmentId) : null;
    return { unitName: u.name, departmentName: d?.name ?? null };
  }

  /** Units with their departments, for choosing a colleague's place (代登记人员). */
  async orgTree(tx: Tx): Promise<Array<{ id: string; name: string; departments: Array<{ id: string; name: string }> }>> {
    const units = await repo.listUnits(tx);
    const depts = await repo.listDepartments(
      tx,
      units.map((u) => u.id),
    );
    return units.map((u) => ({ id: u.id, name: u.name, departments: depts.filter((d) => d.unitId === u.id).map((d) => ({ id: d.id, name: d.name })) }));
  }

  /**
   * Trims and checks proposed values with the admin's field rules; throws the first problem
   * (REQUIRED_FIELD_MISSING, PHONE_INVALID, ID_NUMBER_INVALID, VALUE_TOO_LONG …). An empty
   * employeeNo means "clear it" (null).
   */
  normalise(v: { name?: string; phone?: string; idType?: IdType | null; idNumber?: string | null; employeeNo?: string | null; unitId?: string; departmentId?: string | null }): StaffValues {
    const idNumber = v.idNumber ? normaliseIdNumber(v.idNumber) : undefined;
    const out: StaffValues = {
      name: v.name?.trim(),
      phone: v.phone?.replace(/[\s-]/g, ''),
      idType: idNumber ? (v.idType ?? 'prc_id') : undefined,
      idNumber: idNumber || undefined,
      employeeNo: blankToNull(v.employeeNo),
      unitId: v.unitId,
      departmentId: v.departmentId === undefined ? undefined : v.departmentId || null,
    };
    firstError(checkStaffFields({ name: out.name, phone: out.phone, idType: out.idType ?? 'prc_id', idNumber: out.idNumber, employeeNo: out.employeeNo }));
    return out;
  }

  /**
   * The references and uniqueness of proposed values: the unit exists, the department belongs to
   * it, no other non-deleted staff member has the phone (PHONE_TAKEN) or 工号 (EMPLOYEE_NO_TAKEN).
   */
  async checkRefs(tx: Tx, v: StaffValues, exceptId?: string): Promise<void> {
    if (v.unitId && !(await repo.findUnitById(tx, v.unitId))) throw new AppError('UNIT_NOT_FOUND');
    if (v.departmentId) {
      const d = await repo.findDepartmentById(tx, v.departmentId);
      if (!d || d.unitId !== v.unitId) throw new AppError('DEPARTMENT_NOT_IN_UNIT');
    }
    if (v.phone && (await repo.findStaffIdByPhone(tx, v.phone, exceptId))) throw new AppError('PHONE_TAKEN');
    if (v.employeeNo && (await repo.findStaffIdByEmployeeNo(tx, v.employeeNo, exceptId))) throw new AppError('EMPLOYEE_NO_TAKEN');
  }

  private columns(v: StaffValues) {
    const out: Parameters<typeof repo.updateStaff>[2] = {};
    if (v.name !== undefined) out.name = v.name;
    if (v.phone !== undefined) out.phone = v.phone;
    if (v.employeeNo !== undefined) out.employeeNo = v.employeeNo;
    if (v.idNumber !== undefined) {
      out.idType = v.idType ?? 'prc_id';
      out.idNumberEnc = this.ctx.crypto.encrypt(v.idNumber);
      out.idNumberIdx = this.ctx.crypto.blindIndex(v.idNumber);
    }
    return out;
  }

  /**
   * In the caller's transaction (an approved 修改个人信息): the values, and the photo whose object is
   * already stored under `photo.key` with the consent `photo.confirmedBy` (the applicant) confirmed. The references are checked
   * again (someone may have taken the phone since the submission). Returns the photo key the
   * record had, for the caller to delete after the commit.
   */
  async applyChange(tx: Tx, actor: Actor, staffId: string, v: StaffValues, photo: StaffPhoto | null): Promise<{ replacedPhotoKey: string | null }> {
    const cur = await repo.findStaffPhotoKey(tx, staffId, { lock: true });
    if (!cur) throw new AppError('NOT_FOUND');
    await this.checkRefs(tx, { phone: v.phone, employeeNo: v.employeeNo }, staffId);
    const now = this.ctx.clock.now();
    const set = this.columns(v);
    const fields = Object.keys(v).filter((k) => v[k as keyof StaffValues] !== undefined && k !== 'idType');
    if (Object.keys(set).length) await repo.updateStaff(tx, staffId, set, now);
    if (photo) await this.takePhoto(tx, actor, staffId, photo, cur.photoKey);
    await audit(tx, actor, 'staff.update', { type: 'staff', id: staffId }, { fields: photo ? [...fields, 'photo'] : fields });
    return { replacedPhotoKey: photo ? cur.photoKey : null };
  }

  /**
   * In the caller's transaction (an approved 代登记人员): a new staff record — 访问权限 off, the role
   * staff — with its photo and consent. Returns its id.
   */
  async createRegistered(tx: Tx, actor: Actor, v: StaffValues & { name: string; phone: string; unitId: string }, photo: StaffPhoto | null): Promise<string> {
    await this.checkRefs(tx, v);
    const id = await repo.insertStaff(tx, { ...this.columns(v), name: v.name, phone: v.phone, unitId: v.unitId, departmentId: v.departmentId ?? null, visitPermission: false, roles: ['staff'] });
    if (photo) await this.takePhoto(tx, actor, id, photo, null);
    await audit(tx, actor, 'staff.create', { type: 'staff', id }, { unitId: v.unitId, visitPermission: false });
    return id;
  }

  /** The record takes the stored object; one consent in force, recorded now; the gates follow. */
  private async takePhoto(tx: Tx, actor: Actor, staffId: string, photo: StaffPhoto, oldKey: string | null) {
    const now = this.ctx.clock.now();
    await repo.setStaffPhotoKey(tx, staffId, photo.key, now);
    await repo.withdrawStaffFaceConsents(tx, staffId, now);
    await repo.insertStaffFaceConsent(tx, staffId, STAFF_FACE_CONSENT_VERSION, now);
    if (oldKey) await enqueuePhotoDeletion(this.ctx, tx, oldKey);
    await this.ctx.hooks.emit(tx, 'holder.changed', { staffId });
    await audit(tx, actor, 'staff.face_consent.recorded', { type: 'staff', id: staffId }, {
      version: STAFF_FACE_CONSENT_VERSION,
      // who confirmed the consent when submitting (the staff member, or the colleague registering them)
      recordedBy: { type: 'staff', id: photo.confirmedBy },
      approvedBy: { type: actor.type, id: actor.id },
    });
  }
}
