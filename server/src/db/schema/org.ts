import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';

export const buildings = pgTable('buildings', {
  id: id(),
  name: text('name').notNull().unique(),
  address: text('address'),
  createdAt: createdAt(),
});

export const units = pgTable(
  'units',
  {
    id: id(),
    name: text('name').notNull().unique(),
    code: text('code'),
    buildingId: uuid('building_id').references(() => buildings.id),
    /** 办理须知 (A3): shown on registration and appointment pages */
    instructions: text('instructions').notNull().default(''),
    /** the longest visit window this unit accepts, in hours */
    maxVisitHours: integer('max_visit_hours').notNull().default(24),
    allowDeskConfirm: boolean('allow_desk_confirm').notNull().default(false),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check('units_max_visit_hours', sql`${t.maxVisitHours} between 1 and 720`)],
);

export const departments = pgTable(
  'departments',
  {
    id: id(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    name: text('name').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('departments_unit_name').on(t.unitId, t.name)],
);

export const staff = pgTable(
  'staff',
  {
    id: id(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    departmentId: uuid('department_id').references(() => departments.id),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    employeeNo: text('employee_no'),
    /** document type of the ID number (contracts/identity ID_TYPES); null when none is on file */
    idType: text('id_type'),
    idNumberEnc: text('id_number_enc'),
    idNumberIdx: text('id_number_idx'),
    officeRoom: text('office_room'),
    officePhone: text('office_phone'),
    position: text('position'),
    photoKey: text('photo_key'),
    /** 访问权限: only staff with this on can be found as hosts */
    visitPermission: boolean('visit_permission').notNull().default(false),
    roles: text('roles').array().notNull().default(sql`'{staff}'::text[]`),
    passwordHash: text('password_hash'),
    wecomUserId: text('wecom_user_id'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    uniqueIndex('staff_phone_active').on(t.phone).where(sql`${t.deletedAt} is null`),
    uniqueIndex('staff_employee_no_active').on(t.employeeNo).where(sql`${t.deletedAt} is null and ${t.employeeNo} is not null`),
    uniqueIndex('staff_wecom_user').on(t.wecomUserId).where(sql`${t.wecomUserId} is not null`),
    index('staff_unit').on(t.unitId),
    index('staff_id_number_idx').on(t.idNumberIdx),
    check('staff_phone_format', sql`${t.phone} ~ '^1[0-9]{10}$'`),
  ],
);

/**
 * A6 reviewers per unit beside the approval chains: who reviews the plates on the unit's orders
 * (车辆审核) and its staff changes and proxy registrations (人员审核), and who is copied (cc).
 */
export const unitReviewers = pgTable(
  'unit_reviewers',
  {
    id: id(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    /** vehicle | personnel */
    kind: text('kind').notNull(),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    /** copied (抄送) rather than reviewing */
    cc: boolean('cc').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('unit_reviewers_unique').on(t.unitId, t.kind, t.staffId), index('unit_reviewers_staff').on(t.staffId, t.kind)],
);
