/**
 * The demo data's lobby kiosk (演示访客机), so that a newcomer can open the kiosk app already paired
 * from the link the start banner prints. A device token is otherwise shown once and only its hash
 * kept; the demo device's token is instead derived from the master key (Crypto.derivedSecret), so
 * the banner can print it again on every start without storing it. Never in production: there the
 * demo kiosk is not created and no link is given.
 */
import { eq } from 'drizzle-orm';
import { buildings, kioskDevices, settings } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { sha256 } from '../../platform/crypto.js';
import { DEVICE_TOKEN_PREFIX } from './kiosk.service.js';

export const DEMO_KIOSK_NAME = '演示访客机';
const MARKER = 'demo_kiosk';

export function demoKioskToken(ctx: Pick<AppContext, 'crypto'>): string {
  return DEVICE_TOKEN_PREFIX + ctx.crypto.derivedSecret('demo-kiosk/v1');
}

/** The kiosk app's pair page with the token in the fragment: it never reaches a server log or a proxy. */
export function kioskPairUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/kiosk/pair#token=${encodeURIComponent(token)}`;
}

/** Creates the demo kiosk once per database (its own marker), in the first demo building's lobby. */
export async function seedDemoKiosk(ctx: AppContext): Promise<boolean> {
  if (ctx.config.NODE_ENV === 'production') return false;
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, MARKER));
  if (done) return false;
  await ctx.db.transaction(async (tx) => {
    const [b] = await tx.select({ id: buildings.id }).from(buildings).where(eq(buildings.name, '行政中心1号楼'));
    const [row] = await tx
      .insert(kioskDevices)
      .values({ name: DEMO_KIOSK_NAME, location: '行政中心1号楼一楼大厅', buildingId: b?.id ?? null, tokenHash: sha256(demoKioskToken(ctx)), createdAt: ctx.clock.now() })
      .onConflictDoNothing()
      .returning({ id: kioskDevices.id });
    await tx.insert(settings).values({ key: MARKER, value: { deviceId: row?.id ?? null, at: ctx.clock.now().toISOString() } });
  });
  ctx.log.info(`demo kiosk loaded: ${DEMO_KIOSK_NAME}`);
  return true;
}

/**
 * The link that opens the demo kiosk paired, or null: in production, without demo kiosk, or once an
 * administrator has revoked it (访客机设备 → 停用). A device whose hash no longer matches (the
 * development master key was replaced) gets the hash of the current token.
 */
export async function demoKioskLink(ctx: AppContext, baseUrl: string): Promise<string | null> {
  if (ctx.config.NODE_ENV === 'production') return null;
  const [marker] = await ctx.db.select().from(settings).where(eq(settings.key, MARKER));
  const deviceId = (marker?.value as { deviceId?: string | null } | undefined)?.deviceId;
  if (!deviceId) return null;
  const [d] = await ctx.db.select({ tokenHash: kioskDevices.tokenHash, revokedAt: kioskDevices.revokedAt }).from(kioskDevices).where(eq(kioskDevices.id, deviceId));
  if (!d || d.revokedAt) return null;
  const token = demoKioskToken(ctx);
  if (d.tokenHash !== sha256(token)) await ctx.db.update(kioskDevices).set({ tokenHash: sha256(token) }).where(eq(kioskDevices.id, deviceId));
  return kioskPairUrl(baseUrl, token);
}
