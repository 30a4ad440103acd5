/** Helpers shared by the people module's services (org.service.ts, people.service.ts). */
import { errorCatalogue, type ErrorCode } from '../../../../contracts/errors.js';
import { AppError } from '../../platform/errors.js';
import type { FieldError } from './people.rules.js';

/** SQLSTATE and constraint of a database error, looking through Drizzle's wrapper. */
function dbError(e: unknown): { code?: string; constraint?: string } {
  let x = e as { code?: unknown; constraint?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && x; i++) {
    if (typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code)) return { code: x.code, constraint: x.constraint };
    x = x.cause as typeof x;
  }
  return {};
}

/** Maps unique / foreign-key violations a concurrent request can cause to catalogue errors. */
export function mapDbError(e: unknown): never {
  const { code, constraint = '' } = dbError(e);
  if (code === '23505') {
    if (constraint.includes('phone')) throw new AppError('PHONE_TAKEN');
    if (constraint.includes('employee_no')) throw new AppError('EMPLOYEE_NO_TAKEN');
    if (constraint.includes('wecom_user')) throw new AppError('WECOM_USER_TAKEN');
    throw new AppError('NAME_TAKEN');
  }
  if (code === '23503') throw new AppError('IN_USE');
  throw e;
}

export const firstError = (errs: FieldError[]) => {
  if (errs.length) throw new AppError(errs[0]!.code, { field: errs[0]!.field });
};
export const msg = (code: ErrorCode) => ({ 'zh-CN': errorCatalogue[code].zh, en: errorCatalogue[code].en });
export const iso = <T extends { createdAt: Date; updatedAt?: Date }>(r: T) => ({ ...r, createdAt: r.createdAt.toISOString(), ...(r.updatedAt ? { updatedAt: r.updatedAt.toISOString() } : {}) });
export const blankToNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim());

