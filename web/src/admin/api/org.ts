/** Organisation API (A1, A3): buildings, units, departments, staff, Excel import/export. */
import { ApiError, http, query as qs, upload } from '@shared/api';
import type { Paged } from '../api';
import type { IdType } from '@contracts/identity';
import type { StaffRole } from '@contracts/permissions';

export interface Building {
  id: string;
  name: string;
  address: string | null;
  unitCount: number;
  createdAt: string;
}
export interface Department {
  id: string;
  unitId: string;
  name: string;
  sortOrder: number;
  staffCount: number;
}
export interface Unit {
  id: string;
  name: string;
  code: string | null;
  buildingId: string | null;
  buildingName: string | null;
  instructions: string;
  maxVisitHours: number;
  allowDeskConfirm: boolean;
  sortOrder: number;
  staffCount: number;
  departments: Department[];
  createdAt: string;
  updatedAt: string;
}
export interface Staff {
  id: string;
  name: string;
  phone: string;
  idType: IdType | null;
  idNumberMasked: string | null;
  employeeNo: string | null;
  unitId: string;
  unitName: string;
  departmentId: string | null;
  departmentName: string | null;
  officeRoom: string | null;
  officePhone: string | null;
  position: string | null;
  /** 企业微信账号 (WeCom userid) */
  wecomUserId: string | null;
  visitPermission: boolean;
  roles: StaffRole[];
  hasPassword: boolean;
  /** a face photo is on file (read it with getStaffPhoto: every read is audited) */
  hasPhoto: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface StaffInput {
  name: string;
  phone: string;
  idType?: IdType | null;
  idNumber?: string | null;
  employeeNo?: string | null;
  unitId: string;
  departmentId?: string | null;
  officeRoom?: string | null;
  officePhone?: string | null;
  position?: string | null;
  wecomUserId?: string | null;
  visitPermission?: boolean;
  roles?: StaffRole[];
  password?: string | null;
}
export interface StaffFilter {
  q?: string;
  unitId?: string;
  departmentId?: string;
  visitPermission?: boolean;
}
export type { Paged } from '../api';
export interface ImportRowError {
  row: number;
  column: string;
  code: string;
  message: { 'zh-CN': string; en: string };
}
export type UnitInput = Pick<Unit, 'name'> & Partial<Pick<Unit, 'code' | 'buildingId' | 'instructions' | 'maxVisitHours' | 'allowDeskConfirm' | 'sortOrder'>>;

const ok = { ok: true as const };
type Ok = typeof ok;

export const listBuildings = () => http.get<{ items: Building[] }>('/api/admin/buildings');
export const createBuilding = (b: { name: string; address?: string | null }) => http.post<Building>('/api/admin/buildings', b);
export const updateBuilding = (id: string, b: { name?: string; address?: string | null }) => http.patch<Building>(`/api/admin/buildings/${id}`, b);
export const removeBuilding = (id: string) => http.delete<Ok>(`/api/admin/buildings/${id}`);

export const listUnits = () => http.get<{ items: Unit[] }>('/api/admin/units');
export const getUnit = (id: string) => http.get<Unit>(`/api/admin/units/${id}`);
export const createUnit = (u: UnitInput) => http.post<Unit>('/api/admin/units', u);
export const updateUnit = (id: string, u: Partial<UnitInput>) => http.patch<Unit>(`/api/admin/units/${id}`, u);
export const removeUnit = (id: string) => http.delete<Ok>(`/api/admin/units/${id}`);

export const createDepartment = (unitId: string, d: { name: string; sortOrder?: number }) => http.post<Department>(`/api/admin/units/${unitId}/departments`, d);
export const updateDepartment = (id: string, d: { name?: string; sortOrder?: number }) => http.patch<Department>(`/api/admin/departments/${id}`, d);
export const removeDepartment = (id: string) => http.delete<Ok>(`/api/admin/departments/${id}`);

export const listStaff = (q: StaffFilter & { page: number; pageSize: number }) => http.get<Paged<Staff>>(`/api/admin/staff${qs({ ...q })}`);
export const getStaff = (id: string) => http.get<Staff>(`/api/admin/staff/${id}`);
export const createStaff = (s: StaffInput) => http.post<Staff>('/api/admin/staff', s);
export const updateStaff = (id: string, s: Partial<StaffInput>) => http.patch<Staff>(`/api/admin/staff/${id}`, s);
export const removeStaff = (id: string) => http.delete<Ok>(`/api/admin/staff/${id}`);

/** Import (all rows or none): 422 IMPORT_ROWS_INVALID carries the row report in `details`. */
export const importStaff = (file: File, onProgress?: (percent: number) => void) => {
  const form = new FormData();
  form.append('file', file, file.name);
  return upload<{ created: number; updated: number }>('/api/admin/staff/import', form, onProgress);
};

/** Downloads a file from a GET endpoint (session cookie), keeping the server's file name. */
async function download(url: string, fallbackName: string) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) {
    const e = (await res.json().catch(() => null))?.error;
    throw new ApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? { 'zh-CN': '下载失败', en: 'Download failed' });
  }
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const name = m ? decodeURIComponent(m[1]!) : fallbackName;
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
export const downloadStaffTemplate = () => download('/api/admin/staff/import-template', 'staff-import-template.xlsx');
export const exportStaff = (f: StaffFilter) => download(`/api/admin/staff/export${qs({ ...f })}`, 'staff.xlsx');

/**
 * Staff face photo (A1, X5). The photo is read only through the authorised route (the read is
 * audited on the server) and shown from a blob URL; the caller revokes it (URL.revokeObjectURL).
 */
export async function getStaffPhoto(id: string): Promise<string> {
  const res = await fetch(`/api/admin/staff/${id}/photo`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    const e = (await res.json().catch(() => null))?.error;
    throw new ApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? { 'zh-CN': '照片加载失败', en: 'The photo could not be loaded' });
  }
  return URL.createObjectURL(await res.blob());
}
/** Upload or replace: `consentConfirmed` records that the staff member agreed to face processing. */
export const uploadStaffPhoto = (id: string, photo: Blob, onProgress?: (percent: number) => void) => {
  const form = new FormData();
  form.append('consentConfirmed', 'true');
  form.append('photo', photo, 'photo.jpg');
  return upload<Ok>(`/api/admin/staff/${id}/photo`, form, onProgress);
};
export const removeStaffPhoto = (id: string) => http.delete<Ok>(`/api/admin/staff/${id}/photo`);
