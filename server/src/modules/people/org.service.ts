/**
 * Organisation (A1): buildings, units with 办理须知, departments. Every method starts with the
 * access check, runs one transaction and writes its audit event in it.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { assertInUnitScope, unitScopeOf, type Actor } from '../identity/session.js';
import * as repo from './people.repository.js';
import { blankToNull, firstError, iso, mapDbError } from './people.shared.js';

export interface BuildingInput {
  name: string;
  address?: string | null;
}
export interface UnitInput {
  name: string;
  code?: string | null;
  buildingId?: string | null;
  instructions?: string;
  maxVisitHours?: number;
  allowDeskConfirm?: boolean;
  sortOrder?: number;
}
export interface DepartmentInput {
  name: string;
  sortOrder?: number;
}
export class OrgService {
  constructor(private readonly ctx: AppContext) {}

  // ------------------------------------------------------------ buildings

  async listBuildings(_actor: Actor) {
    const rows = await repo.listBuildings(this.ctx.db);
    const counts = await Promise.all(rows.map((b) => repo.countUnitsInBuilding(this.ctx.db, b.id)));
    return { items: rows.map((b, i) => ({ ...iso(b), unitCount: counts[i]! })) };
  }

  async createBuilding(actor: Actor, input: BuildingInput) {
    const name = input.name.trim();
    if (!name) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    return this.ctx.db
      .transaction(async (tx) => {
        if (await repo.findBuildingByName(tx, name)) throw new AppError('NAME_TAKEN');
        const b = await repo.insertBuilding(tx, { name, address: blankToNull(input.address) ?? null });
        await audit(tx, actor, 'building.create', { type: 'building', id: b.id }, { name });
        return { ...iso(b), unitCount: 0 };
      })
      .catch(mapDbError);
  }

  async updateBuilding(actor: Actor, id: string, input: Partial<BuildingInput>) {
    const name = input.name?.trim();
    if (name === '') throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    return this.ctx.db
      .transaction(async (tx) => {
        if (!(await repo.findBuildingById(tx, id))) throw new AppError('NOT_FOUND');
        if (name) {
          const other = await repo.findBuildingByName(tx, name);
          if (other && other.id !== id) throw new AppError('NAME_TAKEN');
        }
        const b = await repo.updateBuilding(tx, id, { name, address: blankToNull(input.address) });
        await audit(tx, actor, 'building.update', { type: 'building', id }, { fields: Object.keys(input) });
        return { ...iso(b!), unitCount: await repo.countUnitsInBuilding(tx, id) };
      })
      .catch(mapDbError);
  }

  async removeBuilding(actor: Actor, id: string) {
    await this.ctx.db
      .transaction(async (tx) => {
        const b = await repo.findBuildingById(tx, id);
        if (!b) throw new AppError('NOT_FOUND');
        if ((await repo.countUnitsInBuilding(tx, id)) > 0) throw new AppError('IN_USE');
        await repo.deleteBuilding(tx, id);
        await audit(tx, actor, 'building.delete', { type: 'building', id }, { name: b.name });
      })
      .catch(mapDbError);
  }

  // ------------------------------------------------------------ units and departments

  /** Units with their departments and staff counts (also the import's lookup of unit and department names). */
  async unitView(tx: Tx, unitIds?: string[]) {
    const all = await repo.listUnits(tx);
    const units = unitIds ? all.filter((u) => unitIds.includes(u.id)) : all;
    const depts = await repo.listDepartments(
      tx,
      units.map((u) => u.id),
    );
    const { byUnit, byDept } = await repo.staffCounts(tx);
    return units.map((u) => ({
      ...iso(u),
      staffCount: byUnit.get(u.id) ?? 0,
      departments: depts.filter((d) => d.unitId === u.id).map((d) => ({ ...d, staffCount: byDept.get(d.id) ?? 0 })),
    }));
  }

  /** Every unit for a 系统管理员; a 单位管理员 sees their own only. */
  async listUnits(actor: Actor) {
    const scope = unitScopeOf(actor);
    return { items: await this.unitView(this.ctx.db, scope ? [scope] : undefined) };
  }

  async getUnit(actor: Actor, id: string) {
    assertInUnitScope(unitScopeOf(actor), id);
    const [u] = await this.unitView(this.ctx.db, [id]);
    if (!u) throw new AppError('NOT_FOUND');
    return u;
  }

  private async checkUnitInput(tx: Tx, input: Partial<UnitInput>, exceptId?: string) {
    if (input.name !== undefined) {
      const other = await repo.findUnitByName(tx, input.name);
      if (other && other.id !== exceptId) throw new AppError('NAME_TAKEN');
    }
    if (input.buildingId && !(await repo.findBuildingById(tx, input.buildingId))) throw new AppError('BUILDING_NOT_FOUND');
  }

  private unitValues(input: Partial<UnitInput>) {
    return {
      name: input.name,
      code: blankToNull(input.code),
      buildingId: input.buildingId === undefined ? undefined : input.buildingId || null,
      instructions: input.instructions,
      maxVisitHours: input.maxVisitHours,
      allowDeskConfirm: input.allowDeskConfirm,
      sortOrder: input.sortOrder,
    };
  }

  async createUnit(actor: Actor, input: UnitInput) {
    const name = input.name.trim();
    if (!name) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    const id = await this.ctx.db
      .transaction(async (tx) => {
        await this.checkUnitInput(tx, { ...input, name });
        const id = await repo.insertUnit(tx, { ...this.unitValues({ ...input, name }), name } as Parameters<typeof repo.insertUnit>[1]);
        await audit(tx, actor, 'unit.create', { type: 'unit', id }, { name });
        return id;
      })
      .catch(mapDbError);
    return this.getUnit(actor, id);
  }

  async updateUnit(actor: Actor, id: string, input: Partial<UnitInput>) {
    const name = input.name?.trim();
    if (name === '') throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    assertInUnitScope(unitScopeOf(actor), id);
    await this.ctx.db
      .transaction(async (tx) => {
        const current = await repo.findUnitById(tx, id);
        if (!current) throw new AppError('NOT_FOUND');
        // a 单位管理员 keeps their unit's 办理须知 and visit settings; its name, code, building and order are the center's
        const fixed = { name, code: blankToNull(input.code), buildingId: input.buildingId === undefined ? undefined : input.buildingId || null, sortOrder: input.sortOrder };
        if (unitScopeOf(actor) && (Object.keys(fixed) as Array<keyof typeof fixed>).some((k) => fixed[k] !== undefined && fixed[k] !== (current[k] ?? null))) {
          throw new AppError('SYSTEM_ADMIN_ONLY');
        }
        await this.checkUnitInput(tx, { ...input, name }, id);
        await repo.updateUnit(tx, id, this.unitValues({ ...input, name }), this.ctx.clock.now());
        // A3: 办理须知 changes are recorded with the field list only (the text itself can be long)
        await audit(tx, actor, 'unit.update', { type: 'unit', id }, { fields: Object.keys(input) });
      })
      .catch(mapDbError);
    return this.getUnit(actor, id);
  }

  async removeUnit(actor: Actor, id: string) {
    await this.ctx.db
      .transaction(async (tx) => {
        const u = await repo.findUnitById(tx, id);
        if (!u) throw new AppError('NOT_FOUND');
        const { byUnit } = await repo.staffCounts(tx);
        if ((byUnit.get(id) ?? 0) > 0 || (await repo.countDepartmentsInUnit(tx, id)) > 0) throw new AppError('IN_USE');
        await repo.deleteUnit(tx, id);
        await audit(tx, actor, 'unit.delete', { type: 'unit', id }, { name: u.name });
      })
      .catch(mapDbError);
  }

  async createDepartment(actor: Actor, unitId: string, input: DepartmentInput) {
    const name = input.name.trim();
    if (!name) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    assertInUnitScope(unitScopeOf(actor), unitId);
    return this.ctx.db
      .transaction(async (tx) => {
        if (!(await repo.findUnitById(tx, unitId))) throw new AppError('NOT_FOUND');
        if (await repo.findDepartmentByName(tx, unitId, name)) throw new AppError('NAME_TAKEN');
        const d = await repo.insertDepartment(tx, { unitId, name, sortOrder: input.sortOrder ?? 0 });
        await audit(tx, actor, 'department.create', { type: 'department', id: d.id }, { unitId, name });
        return { ...d, staffCount: 0 };
      })
      .catch(mapDbError);
  }

  async updateDepartment(actor: Actor, id: string, input: Partial<DepartmentInput>) {
    const name = input.name?.trim();
    if (name === '') throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    return this.ctx.db
      .transaction(async (tx) => {
        const d = await repo.findDepartmentById(tx, id);
        if (!d) throw new AppError('NOT_FOUND');
        assertInUnitScope(unitScopeOf(actor), d.unitId);
        if (name) {
          const other = await repo.findDepartmentByName(tx, d.unitId, name);
          if (other && other.id !== id) throw new AppError('NAME_TAKEN');
        }
        const out = await repo.updateDepartment(tx, id, { name, sortOrder: input.sortOrder });
        await audit(tx, actor, 'department.update', { type: 'department', id }, { fields: Object.keys(input) });
        const { byDept } = await repo.staffCounts(tx);
        return { ...out!, staffCount: byDept.get(id) ?? 0 };
      })
      .catch(mapDbError);
  }

  async removeDepartment(actor: Actor, id: string) {
    await this.ctx.db
      .transaction(async (tx) => {
        const d = await repo.findDepartmentById(tx, id);
        if (!d) throw new AppError('NOT_FOUND');
        assertInUnitScope(unitScopeOf(actor), d.unitId);
        const { byDept } = await repo.staffCounts(tx);
        if ((byDept.get(id) ?? 0) > 0) throw new AppError('IN_USE');
        await repo.deleteDepartment(tx, id);
        await audit(tx, actor, 'department.delete', { type: 'department', id }, { unitId: d.unitId, name: d.name });
      })
      .catch(mapDbError);
  }
}
