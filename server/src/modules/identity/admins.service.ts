/**
 * 系统管理 → 管理员 (A10), for 系统管理员 only (the route guard answers others 403): list, create
 * (系统管理员 or 单位管理员 of one unit), change name/role/unit, disable, reset the password, unlock,
 * reset the second factor. At least one active 系统管理员 always remains. Every change is audited;
 * a password reset or disabling ends that administrator's sessions.
 */
import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import { admins, sessions, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { hashPassword } from './identity.service.js';
import { isLocked } from './identity.rules.js';
import type { Actor } from './session.js';
import { TwoFactorService } from './two-factor.service.js';

export type AdminRole = 'system' | 'unit';
export interface AdminInput {
  username: string;
  name: string;
  role: AdminRole;
  unitId?: string | null;
  password: string;
}
export interface AdminPatch {
  name?: string;
  role?: AdminRole;
  unitId?: string | null;
  disabled?: boolean;
}

const PASSWORD_MIN = 8;

export class AdminsService {
  constructor(private readonly ctx: AppContext) {}

  async list(actor: Actor) {
    const rows = await this.ctx.db
      .select({ a: admins, unitName: units.name })
      .from(admins)
      .leftJoin(units, eq(units.id, admins.unitId))
      .orderBy(asc(admins.createdAt));
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'admin.list', { type: 'admin' }, { count: rows.length }));
    return { items: rows.map((r) => this.view(r.a, r.unitName, now)) };
  }

  async create(actor: Actor, input: AdminInput) {
    const username = input.username.trim();
    const name = input.name.trim();
    if (username.length < 3) throw new AppError('VALIDATION_FAILED', { field: 'username' });
    if (!name) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
    if (input.password.length < PASSWORD_MIN) throw new AppError('PASSWORD_TOO_WEAK');
    const unitId = input.role === 'unit' ? input.unitId : null;
    if (input.role === 'unit' && !unitId) throw new AppError('ADMIN_UNIT_REQUIRED');
    const passwordHash = await hashPassword(input.password);
    const id = await this.ctx.db.transaction(async (tx) => {
      if (unitId) await this.unit(tx, unitId);
      const [taken] = await tx.select({ id: admins.id }).from(admins).where(eq(admins.username, username));
      if (taken) throw new AppError('USERNAME_TAKEN');
      const [row] = await tx.insert(admins).values({ username, name, role: input.role, unitId, passwordHash }).returning({ id: admins.id });
      await audit(tx, actor, 'admin.create', { type: 'admin', id: row!.id }, { username, role: input.role, unitId });
      return row!.id;
    });
    return this.one(id);
  }

  async update(actor: Actor, id: string, patch: AdminPatch) {
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      // every active system admin's row first, in one order: two concurrent demotions queue up (no deadlock)
      await tx.select({ id: admins.id }).from(admins).where(and(eq(admins.role, 'system'), isNull(admins.disabledAt))).orderBy(asc(admins.id)).for('update');
      const cur = await this.locked(tx, id);
      const role = patch.role ?? cur.role;
      const unitId = role === 'system' ? null : patch.unitId !== undefined ? patch.unitId : cur.unitId;
      if (role === 'unit' && !unitId) throw new AppError('ADMIN_UNIT_REQUIRED');
      if (unitId && unitId !== cur.unitId) await this.unit(tx, unitId);
      const disabledAt = patch.disabled === undefined ? cur.disabledAt : patch.disabled ? (cur.disabledAt ?? now) : null;
      const name = patch.name?.trim();
      if (name === '') throw new AppError('REQUIRED_FIELD_MISSING', { field: 'name' });
      // demoting or disabling the last active 系统管理员 would leave nobody to manage the system
      const wasSystem = cur.role === 'system' && !cur.disabledAt;
      const staysSystem = role === 'system' && !disabledAt;
      if (wasSystem && !staysSystem) await this.keepOneSystemAdmin(tx, id);
      await tx.update(admins).set({ name, role, unitId, disabledAt }).where(eq(admins.id, id));
      // a change of role, unit or a disabling takes effect at once: their sessions end
      if (role !== cur.role || unitId !== cur.unitId || (disabledAt && !cur.disabledAt)) await this.endSessions(tx, id);
      await audit(tx, actor, 'admin.update', { type: 'admin', id }, { fields: Object.keys(patch), role, unitId, disabled: !!disabledAt });
    });
    return this.one(id);
  }

  async resetPassword(actor: Actor, id: string, password: string) {
    if (password.length < PASSWORD_MIN) throw new AppError('PASSWORD_TOO_WEAK');
    const passwordHash = await hashPassword(password);
    await this.ctx.db.transaction(async (tx) => {
      await this.locked(tx, id);
      await tx.update(admins).set({ passwordHash, failedCount: 0, lockedUntil: null }).where(eq(admins.id, id));
      await this.endSessions(tx, id);
      await audit(tx, actor, 'admin.password_reset', { type: 'admin', id });
    });
    return this.one(id);
  }

  async unlock(actor: Actor, id: string) {
    await this.ctx.db.transaction(async (tx) => {
      await this.locked(tx, id);
      await tx.update(admins).set({ failedCount: 0, lockedUntil: null }).where(eq(admins.id, id));
      await audit(tx, actor, 'admin.unlock', { type: 'admin', id });
    });
    return this.one(id);
  }

  /** A lost phone: the second factor is turned off; the administrator sets it up again. */
  async resetTwoFactor(actor: Actor, id: string) {
    await this.ctx.db.transaction(async (tx) => {
      await this.locked(tx, id);
      await new TwoFactorService(this.ctx).reset(tx, id);
      await this.endSessions(tx, id);
      await audit(tx, actor, 'admin.two_factor_reset', { type: 'admin', id });
    });
    return this.one(id);
  }

  // ------------------------------------------------------------------ helpers

  private async one(id: string) {
    const [r] = await this.ctx.db.select({ a: admins, unitName: units.name }).from(admins).leftJoin(units, eq(units.id, admins.unitId)).where(eq(admins.id, id));
    if (!r) throw new AppError('NOT_FOUND');
    return this.view(r.a, r.unitName, this.ctx.clock.now());
  }

  private view(a: typeof admins.$inferSelect, unitName: string | null, now: Date) {
    return {
      id: a.id,
      username: a.username,
      name: a.name,
      role: a.role,
      unitId: a.unitId,
      unitName,
      twoFactor: !!a.totpEnabledAt,
      locked: isLocked(a.lockedUntil, now),
      disabled: !!a.disabledAt,
      lastLoginAt: a.lastLoginAt?.toISOString() ?? null,
      createdAt: a.createdAt.toISOString(),
    };
  }

  private async locked(tx: Tx, id: string) {
    const [a] = await tx.select().from(admins).where(eq(admins.id, id)).for('update');
    if (!a) throw new AppError('NOT_FOUND');
    return a;
  }

  private async unit(tx: Tx, unitId: string) {
    const [u] = await tx.select({ id: units.id }).from(units).where(eq(units.id, unitId));
    if (!u) throw new AppError('UNIT_NOT_FOUND');
  }

  private async keepOneSystemAdmin(tx: Tx, exceptId: string) {
    // the other active system admins, locked so that two concurrent demotions cannot both pass
    const others = await tx
      .select({ id: admins.id })
      .from(admins)
      .where(and(eq(admins.role, 'system'), isNull(admins.disabledAt), ne(admins.id, exceptId)))
      .for('update');
    if (others.length === 0) throw new AppError('LAST_SYSTEM_ADMIN');
  }

  private async endSessions(tx: Tx, id: string) {
    await tx.delete(sessions).where(and(eq(sessions.subjectType, 'admin'), eq(sessions.subjectId, id)));
  }
}
