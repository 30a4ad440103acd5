/**
 * Pure rules of the people module: staff field checks shared by the API and the Excel import,
 * the import template's columns, and row-by-row validation of an import. No I/O.
 */
import { checkIdNumber, ID_TYPE_LABELS, ID_TYPES, isValidPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { ErrorCode } from '../../../../contracts/errors.js';

export const MIN_PASSWORD_LENGTH = 8;
/** host lookups allowed per session per minute */
export const HOST_LOOKUPS_PER_MINUTE = 30;
export const MAX_IMPORT_ROWS = 5000;

export const LIMITS = { name: 50, employeeNo: 50, officeRoom: 50, officePhone: 30, position: 50, unitName: 100, departmentName: 100 } as const;

/** The import template's columns, in order. Headers are the manual's words; * marks a required column. */
export const IMPORT_COLUMNS = [
  { key: 'name', header: '姓名*', en: 'Name', required: true },
  { key: 'phone', header: '手机号码*', en: 'Phone', required: true },
  { key: 'idNumber', header: '证件号码', en: 'ID number', required: false },
  { key: 'employeeNo', header: '工号', en: 'Employee no.', required: false },
  { key: 'unit', header: '单位*', en: 'Unit', required: true },
  { key: 'department', header: '部门', en: 'Department', required: false },
  { key: 'officeRoom', header: '办公室', en: 'Office room', required: false },
  { key: 'officePhone', header: '办公电话', en: 'Office phone', required: false },
  { key: 'position', header: '职务', en: 'Position', required: false },
  { key: 'visitPermission', header: '访问权限(是/否)', en: 'Visit permission (yes/no)', required: false },
] as const;
/** An optional column a file may add (not in the template): the ID document type; default 居民身份证. */
export const ID_TYPE_COLUMN = { key: 'idType', header: '证件类型', en: 'ID type', required: false } as const;

export type ColumnKey = (typeof IMPORT_COLUMNS)[number]['key'] | 'idType';
export const COLUMN_HEADER: Record<ColumnKey, string> = {
  ...(Object.fromEntries(IMPORT_COLUMNS.map((c) => [c.key, c.header])) as Record<(typeof IMPORT_COLUMNS)[number]['key'], string>),
  idType: ID_TYPE_COLUMN.header,
};

/** '姓名*' / ' 访问权限（是/否）' / 'Name' → a comparable key. */
export function normaliseHeader(h: string): string {
  return h
    .replace(/[*＊\s]/g, '')
    .replace(/[(（].*$/, '')
    .toLowerCase();
}

/** Maps header cells (by their 1-based column number) to column keys; unknown headers are ignored. */
export function mapHeader(cells: Array<{ col: number; text: string }>): { map: Map<number, ColumnKey>; missing: string[] } {
  const wanted = new Map<string, ColumnKey>();
  for (const c of [...IMPORT_COLUMNS, ID_TYPE_COLUMN]) {
    wanted.set(normaliseHeader(c.header), c.key);
    wanted.set(normaliseHeader(c.en), c.key);
  }
  const map = new Map<number, ColumnKey>();
  const seen = new Set<ColumnKey>();
  for (const { col, text } of cells) {
    const key = wanted.get(normaliseHeader(text));
    if (key && !seen.has(key)) {
      map.set(col, key);
      seen.add(key);
    }
  }
  const missing = IMPORT_COLUMNS.filter((c) => c.required && !seen.has(c.key)).map((c) => c.header);
  return { map, missing };
}

/** 是/否 (and a few obvious synonyms) → boolean; '' → undefined; anything else → null (invalid). */
export function parseYesNo(v: string): boolean | undefined | null {
  const s = v.trim().toLowerCase();
  if (s === '') return undefined;
  if (['是', '开', '开启', 'y', 'yes', 'true', '1', 'on'].includes(s)) return true;
  if (['否', '关', '关闭', 'n', 'no', 'false', '0', 'off'].includes(s)) return false;
  return null;
}

/** 居民身份证 / prc_id / Passport → IdType; '' → prc_id; unknown → null. */
export function parseIdType(v: string): IdType | null {
  const s = v.trim();
  if (s === '') return 'prc_id';
  for (const t of ID_TYPES) {
    if (s === t || s === ID_TYPE_LABELS[t]['zh-CN'] || s.toLowerCase() === ID_TYPE_LABELS[t].en.toLowerCase()) return t;
  }
  if (s === '身份证') return 'prc_id';
  return null;
}

export interface FieldError {
  field: ColumnKey | 'password' | 'departmentId' | 'unitId';
  code: ErrorCode;
}

/** Checks of a staff member's own fields (not references). Values are already trimmed; undefined = not given. */
export function checkStaffFields(v: {
  name?: string;
  phone?: string;
  idType?: IdType | null;
  idNumber?: string | null;
  employeeNo?: string | null;
  officeRoom?: string | null;
  officePhone?: string | null;
  position?: string | null;
  password?: string | null;
}): FieldError[] {
  const errs: FieldError[] = [];
  if (v.name !== undefined) {
    if (v.name === '') errs.push({ field: 'name', code: 'REQUIRED_FIELD_MISSING' });
    else if (v.name.length > LIMITS.name) errs.push({ field: 'name', code: 'VALUE_TOO_LONG' });
  }
  if (v.phone !== undefined) {
    if (v.phone === '') errs.push({ field: 'phone', code: 'REQUIRED_FIELD_MISSING' });
    else if (!isValidPhone(v.phone)) errs.push({ field: 'phone', code: 'PHONE_INVALID' });
  }
  if (v.idNumber) {
    const code = checkIdNumber(v.idType ?? 'prc_id', v.idNumber);
    if (code) errs.push({ field: 'idNumber', code });
  }
  for (const k of ['employeeNo', 'officeRoom', 'officePhone', 'position'] as const) {
    const x = v[k];
    if (x && x.length > LIMITS[k]) errs.push({ field: k, code: 'VALUE_TOO_LONG' });
  }
  if (v.password != null && v.password !== '' && v.password.length < MIN_PASSWORD_LENGTH) errs.push({ field: 'password', code: 'PASSWORD_TOO_WEAK' });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Import

export interface RawRow {
  /** the spreadsheet row number (the header is row 1) */
  row: number;
  values: Partial<Record<ColumnKey, string>>;
}

export interface ImportLookups {
  /** unit name → id and its departments (name → id) */
  units: Map<string, { id: string; departments: Map<string, string> }>;
  /** non-deleted staff by phone */
  staffByPhone: Map<string, { id: string; unitId: string; hasIdNumber: boolean }>;
  /** employee no → phone of the non-deleted staff member holding it */
  employeeNoOwner: Map<string, string>;
}

/** One validated row. For an update, `undefined` means "leave as it is". */
export interface ImportRecord {
  row: number;
  existingId: string | null;
  name: string;
  phone: string;
  unitId: string;
  departmentId: string | null | undefined;
  idType: IdType | undefined;
  idNumber: string | undefined;
  employeeNo: string | undefined;
  officeRoom: string | undefined;
  officePhone: string | undefined;
  position: string | undefined;
  visitPermission: boolean | undefined;
}

export interface RowError {
  row: number;
  column: string;
  code: ErrorCode;
}

/**
 * Validates every row of an import (all or none: the caller imports only when `errors` is
 * empty). Blank optional cells leave an existing staff member's value unchanged; a masked ID
 * number (as exported, with *) keeps the stored one. A row whose phone matches a staff member
 * updates that staff member.
 */
export function validateImportRows(rows: RawRow[], lookups: ImportLookups): { records: ImportRecord[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const records: ImportRecord[] = [];
  const phonesSeen = new Map<string, number>();
  const employeeNosSeen = new Map<string, number>();
  for (const r of rows) {
    const get = (k: ColumnKey) => (r.values[k] ?? '').trim();
    const add = (k: ColumnKey, code: ErrorCode) => errors.push({ row: r.row, column: COLUMN_HEADER[k], code });
    const before = errors.length;

    const name = get('name');
    const phone = get('phone').replace(/[\s-]/g, '');
    const existing = lookups.staffByPhone.get(phone) ?? null;

    const idType = parseIdType(get('idType'));
    if (idType === null) add('idType', 'DOCUMENT_NUMBER_INVALID');
    let idNumber: string | undefined = normaliseIdNumber(get('idNumber')) || undefined;
    if (idNumber?.includes('*')) {
      // a masked number from an export: keeps the stored one, but only for a staff member who has one
      if (existing?.hasIdNumber) idNumber = undefined;
      else add('idNumber', idType && idType !== 'prc_id' ? 'DOCUMENT_NUMBER_INVALID' : 'ID_NUMBER_INVALID');
    }
    const employeeNo = get('employeeNo') || undefined;
    const officeRoom = get('officeRoom') || undefined;
    const officePhone = get('officePhone') || undefined;
    const position = get('position') || undefined;
    const idOk = idNumber === undefined || !idNumber.includes('*');
    for (const e of checkStaffFields({ name, phone, idType: idType ?? 'prc_id', idNumber: idOk && idType ? idNumber : undefined, employeeNo, officeRoom, officePhone, position })) {
      add(e.field as ColumnKey, e.code);
    }
    if (isValidPhone(phone)) {
      const first = phonesSeen.get(phone);
      if (first !== undefined) add('phone', 'PHONE_DUPLICATE_IN_FILE');
      else phonesSeen.set(phone, r.row);
    }
    if (employeeNo) {
      if (employeeNosSeen.has(employeeNo)) add('employeeNo', 'EMPLOYEE_NO_DUPLICATE_IN_FILE');
      else employeeNosSeen.set(employeeNo, r.row);
      const owner = lookups.employeeNoOwner.get(employeeNo);
      if (owner !== undefined && owner !== phone) add('employeeNo', 'EMPLOYEE_NO_TAKEN');
    }

    const unitName = get('unit');
    const unit = unitName ? lookups.units.get(unitName) : undefined;
    if (!unitName) add('unit', 'REQUIRED_FIELD_MISSING');
    else if (!unit) add('unit', 'UNIT_NOT_FOUND');
    const deptName = get('department');
    let departmentId: string | null | undefined = undefined;
    if (deptName && unit) {
      departmentId = unit.departments.get(deptName);
      if (!departmentId) add('department', 'DEPARTMENT_NOT_IN_UNIT');
    } else if (!deptName && unit) {
      // blank: a new staff member has none; an existing one keeps theirs unless they move unit
      departmentId = existing && existing.unitId === unit.id ? undefined : null;
    }

    const vp = parseYesNo(get('visitPermission'));
    if (vp === null) add('visitPermission', 'VISIT_PERMISSION_VALUE_INVALID');

    if (errors.length === before && unit) {
      records.push({
        row: r.row,
        existingId: existing?.id ?? null,
        name,
        phone,
        unitId: unit.id,
        departmentId,
        idType: idNumber ? (idType ?? 'prc_id') : undefined,
        idNumber,
        employeeNo,
        officeRoom,
        officePhone,
        position,
        visitPermission: existing ? (vp ?? undefined) : (vp ?? false),
      });
    }
  }
  return { records, errors };
}

/** A row with nothing in it is skipped, not reported. */
export function isBlankRow(r: RawRow): boolean {
  return Object.values(r.values).every((v) => !v || v.trim() === '');
}
