/**
 * Who is calling: the signed-in subjects a request carries (installed by identity/session.ts from
 * the session cookies) and the guards every route starts with. Here, not in the identity module,
 * so that any module may use them — including those identity itself uses (notify) — without an
 * import cycle between modules.
 */
import type { FastifyRequest } from 'fastify';
import type { SubjectType } from '../../../contracts/permissions.js';
import { AppError } from './errors.js';

export interface Actor {
  type: SubjectType | 'system';
  id: string;
  sessionId?: string;
  ip?: string;
  /** an administrator's role (A10), loaded with the session */
  admin?: AdminRole;
}

/** 系统管理员 (every unit) or 单位管理员 (unitId only); whether a second factor is on. */
export interface AdminRole {
  role: 'system' | 'unit';
  unitId: string | null;
  totp: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the first signed-in subject (most requests carry one) */
    actor: Actor | null;
    /** every signed-in subject this request carries, one per app cookie */
    actors: Actor[];
  }
}

/** The access check every protected route starts with. */
export function requireActor(req: FastifyRequest, ...types: SubjectType[]): Actor {
  const a = types.length === 0 ? req.actor : req.actors.find((x) => types.includes(x.type as SubjectType));
  if (!a) throw new AppError('AUTH_REQUIRED');
  return a;
}

/** The signed-in subject of one kind, if any (no error). */
export function findActor(req: FastifyRequest, ...types: SubjectType[]): Actor | null {
  return req.actors.find((x) => types.includes(x.type as SubjectType)) ?? null;
}

/** The signed-in administrator with their role; 401 without one. */
export function requireAdmin(req: FastifyRequest): Actor & { admin: AdminRole } {
  const a = requireActor(req, 'admin');
  if (!a.admin) throw new AppError('AUTH_REQUIRED');
  return a as Actor & { admin: AdminRole };
}

/** A 系统管理员, or 403 SYSTEM_ADMIN_ONLY for a 单位管理员 (401 without an administrator). */
export function requireSystemAdmin(req: FastifyRequest): Actor & { admin: AdminRole } {
  const a = requireAdmin(req);
  if (a.admin.role !== 'system') throw new AppError('SYSTEM_ADMIN_ONLY');
  return a;
}

/**
 * Which unit's data this administrator may see: null for a 系统管理员 (all units), else the 单位管理员's
 * unit id. Services filter lists by it and answer another unit's record with 404 NOT_FOUND.
 */
export function adminUnitScope(req: FastifyRequest): string | null {
  const a = requireAdmin(req);
  return a.admin.role === 'system' ? null : a.admin.unitId;
}

/** adminUnitScope for a service that was handed the actor: null unless a 单位管理员 (then their unit). */
export function unitScopeOf(actor: Actor): string | null {
  return actor.type === 'admin' && actor.admin?.role === 'unit' ? actor.admin.unitId : null;
}

/** 404 NOT_FOUND unless the record's unit is within the scope (null scope: every unit). */
export function assertInUnitScope(scope: string | null, unitId: string | null | undefined) {
  if (scope !== null && unitId !== scope) throw new AppError('NOT_FOUND');
}
