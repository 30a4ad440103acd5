/** Words for 人员审核 requests from contracts/personnel.ts, in the page's language. */
import { PERSONNEL_REQUEST_KIND_LABELS, PERSONNEL_REQUEST_STATUS_LABELS, type PersonnelRequestKind, type PersonnelRequestStatus, type PersonnelValues } from '@contracts/personnel';
import { ID_TYPE_LABELS, ID_TYPES, type IdType } from '@contracts/identity';
import { currentLocale } from '@shared/i18n';

export const kindLabel = (k: PersonnelRequestKind) => PERSONNEL_REQUEST_KIND_LABELS[k][currentLocale()];
export const statusLabel = (s: PersonnelRequestStatus) => PERSONNEL_REQUEST_STATUS_LABELS[s][currentLocale()];
/** the tag's colour: waiting amber, approved green, rejected red, withdrawn grey */
export const STATUS_TAG: Record<PersonnelRequestStatus, 'warning' | 'success' | 'danger' | 'default'> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'danger',
  withdrawn: 'default',
};
export const idTypeLabel = (v: string | null | undefined) => (v && (ID_TYPES as readonly string[]).includes(v) ? ID_TYPE_LABELS[v as IdType][currentLocale()] : (v ?? null));

/** The rows a request compares or lists, in this order; `id` is the type and the masked number together. */
export type ValueRow = 'name' | 'phone' | 'id' | 'employeeNo' | 'unit' | 'department';
export const VALUE_ROWS: ValueRow[] = ['name', 'phone', 'id', 'employeeNo', 'unit', 'department'];

/** one row's text of a set of values, or null when the set has none */
export function rowValue(v: PersonnelValues, row: ValueRow): string | null {
  switch (row) {
    case 'name':
      return v.name;
    case 'phone':
      return v.phone;
    case 'id':
      return v.idNumberMasked ? [idTypeLabel(v.idType), v.idNumberMasked].filter(Boolean).join(' ') : (idTypeLabel(v.idType) ?? null);
    case 'employeeNo':
      return v.employeeNo;
    case 'unit':
      return v.unitName;
    case 'department':
      return v.departmentName;
  }
}
/** info_change: the rows it changes (non-null in `proposed`) */
export const changedRows = (proposed: PersonnelValues) => VALUE_ROWS.filter((r) => rowValue(proposed, r) !== null);
