import { eq } from 'drizzle-orm';
import { admins } from '../../db/schema/index.js';
import { randomToken } from '../../platform/crypto.js';
import type { AppContext } from '../../platform/context.js';
import { hashPassword } from './identity.service.js';

/**
 * Make sure an administrator exists. On first start the login is ADMIN_USERNAME with
 * ADMIN_PASSWORD, or a generated password printed once.
 */
export async function ensureAdmin(ctx: AppContext, print: (line: string) => void): Promise<void> {
  const [existing] = await ctx.db.select({ id: admins.id }).from(admins).limit(1);
  if (existing) return;
  const username = ctx.config.ADMIN_USERNAME;
  const password = ctx.config.ADMIN_PASSWORD ?? randomToken(9);
  await ctx.db.insert(admins).values({ username, name: '系统管理员', passwordHash: await hashPassword(password) }).onConflictDoNothing();
  print('');
  print('  ┌──────────────────────────────────────────────────────────────');
  print(`  │ Administrator created · 已创建系统管理员`);
  print(`  │   username / 账号: ${username}`);
  print(`  │   password / 密码: ${ctx.config.ADMIN_PASSWORD ? '(from ADMIN_PASSWORD)' : password}`);
  print('  │ Sign in at /admin/ and keep this password safe.');
  print('  └──────────────────────────────────────────────────────────────');
  print('');
}

export async function setAdminPassword(ctx: AppContext, username: string, password: string) {
  const passwordHash = await hashPassword(password);
  const rows = await ctx.db.update(admins).set({ passwordHash, failedCount: 0, lockedUntil: null }).where(eq(admins.username, username)).returning({ id: admins.id });
  if (rows.length === 0) await ctx.db.insert(admins).values({ username, passwordHash });
}
