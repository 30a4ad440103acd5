/** Drizzle queries of the people module. Each takes a transaction (or the db); no rules here. */
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { buildings, consents, departments, staff, units } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';

// ---------------------------------------------------------------- buildings

export const buildingColumns = { id: buildings.id, name: buildings.name, address: buildings.address, createdAt: buildings.createdAt };

export function listBuildings(tx: Tx) {
  return tx.select(buildingColumns).from(buildings).orderBy(asc(buildings.createdAt), asc(buildings.name));
}
export async function findBuildingById(tx: Tx, id: string) {
  const [b] = await tx.select(buildingColumns).from(buildings).where(eq(buildings.id, id));
  return b ?? null;
}
export async function findBuildingByName(tx: Tx, name: string) {
  const [b] = await tx.select({ id: buildings.id }).from(buildings).where(eq(buildings.name, name));
  return b ?? null;
}
export async function insertBuilding(tx: Tx, v: typeof buildings.$inferInsert) {
  const [b] = await tx.insert(buildings).values(v).returning(buildingColumns);
  return b!;
}
const defined = <T extends object>(v: T) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;

export async function updateBuilding(tx: Tx, id: string, v: Partial<typeof buildings.$inferInsert>) {
  if (!Object.keys(defined(v)).length) return findBuildingById(tx, id);
  const [b] = await tx.update(buildings).set(v).where(eq(buildings.id, id)).returning(buildingColumns);
  return b ?? null;
}
export async function deleteBuilding(tx: Tx, id: string) {
  await tx.delete(buildings).where(eq(buildings.id, id));
}
export async function countUnitsInBuilding(tx: Tx, buildingId: string) {
  const [r] = await tx.select({ n: count() }).from(units).where(eq(units.buildingId, buildingId));
  return Number(r?.n ?? 0);
}

// ---------------------------------------------------------------- units and departments

export const unitColumns = {
  id: units.id,
  name: units.name,
  code: units.code,
  buildingId: units.buildingId,
  buildingName: buildings.name,
  instructions: units.instructions,
  maxVisitHours: units.maxVisitHours,
  allowDeskConfirm: units.allowDeskConfirm,
  sortOrder: units.sortOrder,
  createdAt: units.createdAt,
  updatedAt: units.updatedAt,
};

export function listUnits(tx: Tx) {
  return tx.select(unitColumns).from(units).leftJoin(buildings, eq(buildings.id, units.buildingId)).orderBy(asc(units.sortOrder), asc(units.name));
}
export async function findUnitById(tx: Tx, id: string) {
  const [u] = await tx.select(unitColumns).from(units).leftJoin(buildings, eq(buildings.id, units.buildingId)).where(eq(units.id, id));
  return u ?? null;
}
export async function findUnitByName(tx: Tx, name: string) {
  const [u] = await tx.select({ id: units.id }).from(units).where(eq(units.name, name));
  return u ?? null;
}
export async function insertUnit(tx: Tx, v: typeof units.$inferInsert) {
  const [u] = await tx.insert(units).values(v).returning({ id: units.id });
  return u!.id;
}
export async function updateUnit(tx: Tx, id: string, v: Partial<typeof units.$inferInsert>, now: Date) {
  const [u] = await tx
    .update(units)
    .set({ ...v, updatedAt: now })
    .where(eq(units.id, id))
    .returning({ id: units.id });
  return u?.id ?? null;
}
export async function deleteUnit(tx: Tx, id: string) {
  await tx.delete(units).where(eq(units.id, id));
}

export const departmentColumns = { id: departments.id, unitId: departments.unitId, name: departments.name, sortOrder: departments.sortOrder };

export function listDepartments(tx: Tx, unitIds?: string[]) {
  const q = tx.select(departmentColumns).from(departments);
  return (unitIds ? q.where(inArray(departments.unitId, unitIds.length ? unitIds : ['00000000-0000-0000-0000-000000000000'])) : q).orderBy(
    asc(departments.sortOrder),
    asc(departments.name),
  );
}
export async function findDepartmentById(tx: Tx, id: string) {
  const [d] = await tx.select(departmentColumns).from(departments).where(eq(departments.id, id));
  return d ?? null;
}
export async function findDepartmentByName(tx: Tx, unitId: string, name: string) {
  const [d] = await tx
    .select({ id: departments.id })
    .from(departments)
    .where(and(eq(departments.unitId, unitId), eq(departments.name, name)));
  return d ?? null;
}
export async function insertDepartment(tx: Tx, v: typeof departments.$inferInsert) {
  const [d] = await tx.insert(departments).values(v).returning(departmentColumns);
  return d!;
}
export async function updateDepartment(tx: Tx, id: string, v: Partial<typeof departments.$inferInsert>) {
  if (!Object.keys(defined(v)).length) return findDepartmentById(tx, id);
  const [d] = await tx.update(departments).set(v).where(eq(departments.id, id)).returning(departmentColumns);
  return d ?? null;
}
export async function deleteDepartment(tx: Tx, id: string) {
  // soft-deleted staff keep their history without the department
  await tx
    .update(staff)
    .set({ departmentId: null })
    .where(and(eq(staff.departmentId, id), isNotNull(staff.deletedAt)));
  await tx.delete(departments).where(eq(departments.id, id));
}
export async function countDepartmentsInUnit(tx: Tx, unitId: string) {
  const [r] = await tx.select({ n: count() }).from(departments).where(eq(departments.unitId, unitId));
  return Number(r?.n ?? 0);
}

/** Non-deleted staff counts by unit and by department. */
export async function staffCounts(tx: Tx) {
  const rows = await tx
    .select({ unitId: staff.unitId, departmentId: staff.departmentId, n: count() })
    .from(staff)
    .where(isNull(staff.deletedAt))
    .groupBy(staff.unitId, staff.departmentId);
  const byUnit = new Map<string, number>();
  const byDept = new Map<string, number>();
  for (const r of rows) {
    byUnit.set(r.unitId, (byUnit.get(r.unitId) ?? 0) + Number(r.n));
    if (r.departmentId) byDept.set(r.departmentId, (byDept.get(r.departmentId) ?? 0) + Number(r.n));
  }
  return { byUnit, byDept };
}

// ---------------------------------------------------------------- staff

export const staffColumns = {
  id: staff.id,
  name: staff.name,
  phone: staff.phone,
  idType: staff.idType,
  idNumberEnc: staff.idNumberEnc,
  employeeNo: staff.employeeNo,
  unitId: staff.unitId,
  unitName: units.name,
  departmentId: staff.departmentId,
  departmentName: departments.name,
  officeRoom: staff.officeRoom,
  officePhone: staff.officePhone,
  position: staff.position,
  wecomUserId: staff.wecomUserId,
  visitPermission: staff.visitPermission,
  roles: staff.roles,
  passwordHash: staff.passwordHash,
  /** never sent: views turn it into hasPhoto */
  photoKey: staff.photoKey,
  createdAt: staff.createdAt,
  updatedAt: staff.updatedAt,
};
export type StaffRow = Awaited<ReturnType<typeof findStaffById>> & {};

export interface StaffFilter {
  q?: string;
  unitId?: string;
  departmentId?: string;
  visitPermission?: boolean;
}

function staffWhere(f: StaffFilter): SQL {
  const conds: SQL[] = [isNull(staff.deletedAt)];
  if (f.unitId) conds.push(eq(staff.unitId, f.unitId));
  if (f.departmentId) conds.push(eq(staff.departmentId, f.departmentId));
  if (f.visitPermission !== undefined) conds.push(eq(staff.visitPermission, f.visitPermission));
  const q = f.q?.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
    conds.push(or(ilike(staff.name, like), ilike(staff.phone, like), ilike(staff.employeeNo, like))!);
  }
  return and(...conds)!;
}

function staffSelect(tx: Tx) {
  return tx.select(staffColumns).from(staff).innerJoin(units, eq(units.id, staff.unitId)).leftJoin(departments, eq(departments.id, staff.departmentId));
}

export async function listStaff(tx: Tx, f: StaffFilter, page: { limit: number; offset: number } | null) {
  const q = staffSelect(tx).where(staffWhere(f)).orderBy(desc(staff.createdAt), desc(staff.id));
  return page ? q.limit(page.limit).offset(page.offset) : q;
}
export async function countStaff(tx: Tx, f: StaffFilter) {
  const [r] = await tx.select({ n: count() }).from(staff).where(staffWhere(f));
  return Number(r?.n ?? 0);
}
export async function findStaffById(tx: Tx, id: string) {
  const [s] = await staffSelect(tx).where(and(eq(staff.id, id), isNull(staff.deletedAt)));
  return s ?? null;
}
export async function findStaffRoles(tx: Tx, id: string) {
  const [s] = await tx.select({ id: staff.id, name: staff.name, roles: staff.roles, active: staff.active }).from(staff).where(and(eq(staff.id, id), isNull(staff.deletedAt)));
  return s ?? null;
}
export async function findStaffIdByPhone(tx: Tx, phone: string, exceptId?: string) {
  const [s] = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.phone, phone), isNull(staff.deletedAt), exceptId ? sql`${staff.id} <> ${exceptId}` : undefined));
  return s ?? null;
}
export async function findStaffIdByEmployeeNo(tx: Tx, employeeNo: string, exceptId?: string) {
  const [s] = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.employeeNo, employeeNo), isNull(staff.deletedAt), exceptId ? sql`${staff.id} <> ${exceptId}` : undefined));
  return s ?? null;
}
/** Any staff row holding this WeCom userid (it is unique over every row, deleted ones release it). */
export async function findStaffIdByWecomUserId(tx: Tx, wecomUserId: string, exceptId?: string) {
  const [s] = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.wecomUserId, wecomUserId), exceptId ? sql`${staff.id} <> ${exceptId}` : undefined));
  return s ?? null;
}
export async function findStaffByPhones(tx: Tx, phones: string[]) {
  if (!phones.length) return [];
  return tx
    .select({ id: staff.id, phone: staff.phone, unitId: staff.unitId, idNumberEnc: staff.idNumberEnc })
    .from(staff)
    .where(and(inArray(staff.phone, phones), isNull(staff.deletedAt)));
}
export async function findStaffByEmployeeNos(tx: Tx, nos: string[]) {
  if (!nos.length) return [];
  return tx
    .select({ employeeNo: staff.employeeNo, phone: staff.phone })
    .from(staff)
    .where(and(inArray(staff.employeeNo, nos), isNull(staff.deletedAt)));
}
export async function insertStaff(tx: Tx, v: typeof staff.$inferInsert) {
  const [s] = await tx.insert(staff).values(v).returning({ id: staff.id });
  return s!.id;
}
export async function insertStaffMany(tx: Tx, vs: Array<typeof staff.$inferInsert>) {
  if (!vs.length) return [];
  return tx.insert(staff).values(vs).returning({ id: staff.id });
}
export async function updateStaff(tx: Tx, id: string, v: Partial<typeof staff.$inferInsert>, now: Date) {
  const [s] = await tx
    .update(staff)
    .set({ ...v, updatedAt: now })
    .where(and(eq(staff.id, id), isNull(staff.deletedAt)))
    .returning({ id: staff.id });
  return s?.id ?? null;
}
export async function softDeleteStaff(tx: Tx, id: string, now: Date) {
  const [s] = await tx
    .update(staff)
    // the WeCom account is released with the record (another staff member may be linked to it)
    .set({ deletedAt: now, updatedAt: now, active: false, wecomUserId: null })
    .where(and(eq(staff.id, id), isNull(staff.deletedAt)))
    .returning({ id: staff.id });
  return s?.id ?? null;
}

/** A host as visitors may see them: only non-deleted, active staff with 访问权限 on. */
export async function findHostByPhone(tx: Tx, phone: string) {
  const [h] = await tx
    .select({ id: staff.id, name: staff.name, unitId: staff.unitId, unitName: units.name, departmentName: departments.name })
    .from(staff)
    .innerJoin(units, eq(units.id, staff.unitId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .where(and(eq(staff.phone, phone), isNull(staff.deletedAt), eq(staff.active, true), eq(staff.visitPermission, true)));
  return h ?? null;
}

// ---------------------------------------------------------------- staff photos and face consent

const STAFF_FACE = { subjectType: 'staff', kind: 'face' } as const;

/** A non-deleted staff member's photo key (null when none); undefined when there is no such staff. */
export async function findStaffPhotoKey(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<{ photoKey: string | null; unitId: string } | undefined> {
  const q = tx
    .select({ photoKey: staff.photoKey, unitId: staff.unitId })
    .from(staff)
    .where(and(eq(staff.id, id), isNull(staff.deletedAt)))
    .limit(1);
  const [s] = opts.lock ? await q.for('update') : await q;
  return s;
}
export async function setStaffPhotoKey(tx: Tx, id: string, photoKey: string | null, now: Date) {
  await tx.update(staff).set({ photoKey, updatedAt: now }).where(eq(staff.id, id));
}
export async function insertStaffFaceConsent(tx: Tx, staffId: string, textVersion: string, grantedAt: Date) {
  await tx.insert(consents).values({ ...STAFF_FACE, subjectId: staffId, textVersion, grantedAt });
}
/** Withdraws every face consent of a staff member still in force; returns how many. */
export async function withdrawStaffFaceConsents(tx: Tx, staffId: string, at: Date): Promise<number> {
  const rows = await tx
    .update(consents)
    .set({ withdrawnAt: at })
    .where(and(eq(consents.subjectType, STAFF_FACE.subjectType), eq(consents.subjectId, staffId), eq(consents.kind, STAFF_FACE.kind), isNull(consents.withdrawnAt)))
    .returning({ id: consents.id });
  return rows.length;
}
