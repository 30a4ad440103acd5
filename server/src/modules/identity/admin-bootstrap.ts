import { and, asc, eq } from 'drizzle-orm';
import { admins, sessions } from '../../db/schema/index.js';
import { randomToken } from '../../platform/crypto.js';
import type { AppContext } from '../../platform/context.js';
import { hashPassword } from './identity.service.js';

/** The administrator login as the start banner tells it. */
export type AdminLogin =
  | { username: string; source: 'generated'; password: string } // created now: the password is shown this once
  | { username: string; source: 'env' } // created now with ADMIN_PASSWORD
  | { username: string; source: 'existing' }; // created on an earlier start

/**
 * Make sure an administrator exists. On first start the login is ADMIN_USERNAME with
 * ADMIN_PASSWORD, or a generated password, returned for the start banner to show once.
 */
export async function ensureAdmin(ctx: AppContext): Promise<AdminLogin> {
  const [existing] = await ctx.db.select({ username: admins.username }).from(admins).orderBy(asc(admins.createdAt)).limit(1);
  if (existing) return { username: existing.username, source: 'existing' };
  const username = ctx.config.ADMIN_USERNAME;
  const password = ctx.config.ADMIN_PASSWORD ?? randomToken(9);
  const [created] = await ctx.db
    .insert(admins)
    .values({ username, name: '系统管理员', passwordHash: await hashPassword(password) })
    .onConflictDoNothing()
    .returning({ id: admins.id });
  // another process created it meanwhile: its password is not ours to show
  if (!created) return { username, source: 'existing' };
  return ctx.config.ADMIN_PASSWORD ? { username, source: 'env' } : { username, source: 'generated', password };
}

export const CREATE_ADMIN_USAGE = 'usage: npm run create-admin -- <username> <password (8+ characters)> [--force]';

/**
 * `create-admin <username> <password> [--force]`: a new administrator, or — only with --force — a
 * new password for an existing one (its lock-out lifted, its sessions ended). Without --force an existing administrator
 * is left alone and the command fails saying how to reset. Returns the line to print.
 */
export async function createAdminCommand(ctx: AppContext, args: string[]): Promise<string> {
  const force = args.includes('--force');
  const [username, password, ...rest] = args.filter((a) => a !== '--force');
  if (!username || !password || rest.length) throw new Error(CREATE_ADMIN_USAGE);
  if (username.length < 3) throw new Error(`the username must have at least 3 characters\n${CREATE_ADMIN_USAGE}`);
  if (password.length < 8) throw new Error(`the password must have at least 8 characters\n${CREATE_ADMIN_USAGE}`);
  const passwordHash = await hashPassword(password);
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: admins.id }).from(admins).where(eq(admins.username, username)).for('update');
    if (existing && !force) {
      throw new Error(`administrator "${username}" already exists; nothing was changed. To give it a new password: npm run create-admin -- ${username} <new password> --force`);
    }
    if (existing) {
      await tx.update(admins).set({ passwordHash, failedCount: 0, lockedUntil: null }).where(eq(admins.id, existing.id));
      // whoever was signed in with the old password is signed out
      await tx.delete(sessions).where(and(eq(sessions.subjectType, 'admin'), eq(sessions.subjectId, existing.id)));
      return `administrator ${username}: password reset, signed out everywhere`;
    }
    await tx.insert(admins).values({ username, name: '系统管理员', passwordHash });
    return `administrator ${username} created`;
  });
}
