/** Factories: each test builds its own data (outline server/test/factories.ts). */
import { randomInt } from 'node:crypto';
import { admins, departments, staff, units, visitors } from '../db/schema/index.js';
import { hashPassword } from '../modules/identity/identity.service.js';
import { withIdCheckDigit } from '../db/seed-demo.js';
import { Client, type TestApp } from './harness.js';

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}${randomInt(1000)}`;
export const randomPhone = () => `15${String(randomInt(0, 1e9)).padStart(9, '0')}`;
/**
 * A valid 18-digit PRC ID number. `validIdNumber(n)`: born 1990-01-01, sequence n — a number a test
 * chooses. `validIdNumber()`: a random birth day in 1950–1989 as well, so that two tests' visitors
 * share a number once in some 14 million draws, not once in a thousand (a test that finds its
 * visitor by ID number failed on exactly that).
 */
export const validIdNumber = (n?: number) => {
  if (n !== undefined) return withIdCheckDigit(`33030219900101${String(n % 1000).padStart(3, '0')}`);
  const born = new Date(Date.UTC(1950, 0, 1) + randomInt(0, 14_610) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  return withIdCheckDigit(`330302${born}${String(randomInt(0, 1000)).padStart(3, '0')}`);
};

export async function newUnit(t: TestApp, o: Partial<typeof units.$inferInsert> = {}) {
  const [u] = await t.ctx.db.insert(units).values({ name: `单位${uniq()}`, ...o }).returning();
  const [d] = await t.ctx.db.insert(departments).values({ unitId: u!.id, name: '办公室' }).returning();
  return { ...u!, departmentId: d!.id };
}

export async function newStaff(t: TestApp, o: Partial<typeof staff.$inferInsert> & { password?: string } = {}) {
  const unitId = o.unitId ?? (await newUnit(t)).id;
  const { password, ...rest } = o;
  const [s] = await t.ctx.db
    .insert(staff)
    .values({
      name: '姜柠檬',
      phone: randomPhone(),
      visitPermission: true,
      ...rest,
      unitId,
      passwordHash: password ? await hashPassword(password) : null,
    })
    .returning();
  return s!;
}

export async function newVisitor(t: TestApp, o: Partial<typeof visitors.$inferInsert> & { idNumber?: string } = {}) {
  const { idNumber = validIdNumber(), ...rest } = o;
  const [v] = await t.ctx.db
    .insert(visitors)
    .values({
      name: '陈小春',
      phone: randomPhone(),
      idType: 'prc_id',
      idNumberEnc: t.ctx.crypto.encrypt(idNumber),
      idNumberIdx: t.ctx.crypto.blindIndex(idNumber),
      ...rest,
    })
    .returning();
  return { ...v!, idNumber };
}

/** Create an administrator and return a signed-in client. */
/** A signed-in administrator: 系统管理员 by default, 单位管理员 of `unitId` when given. */
export async function newAdminClient(t: TestApp, username = `admin${uniq()}`, password = 'admin-password-1', unitId?: string) {
  await t.ctx.db.insert(admins).values({ username, passwordHash: await hashPassword(password), ...(unitId ? { role: 'unit' as const, unitId } : {}) });
  const c = new Client(t);
  const res = await c.post('/api/auth/admin/login', { username, password });
  if (res.statusCode !== 200) throw new Error(`admin login failed: ${res.body}`);
  return c;
}
