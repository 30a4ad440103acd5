/**
 * Lobby kiosks (访客机). An administrator creates a device and receives its token once (only a
 * hash is stored); the kiosk pairs with the token and gets a long-lived 'kiosk' session. Revoking
 * a device ends its sessions, and every kiosk request re-checks that the device is not revoked.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import QRCode from 'qrcode';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildings, kioskDevices, sessions } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { audit } from '../audit/audit.js';
import { createSession, requireActor, type Actor } from '../identity/session.js';

/** Kiosks stay paired for a year (a lobby tablet is not signed in by a person). */
export const KIOSK_SESSION_HOURS = 365 * 24;
/** Device tokens carry a recognisable prefix so a pasted/scanned value can be told apart. */
export const DEVICE_TOKEN_PREFIX = 'sgk_';
const PAIR_ATTEMPTS_PER_IP_PER_15_MIN = 20;
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface KioskDeviceInput {
  name: string;
  location?: string | null;
  buildingId?: string | null;
}

const deviceColumns = {
  id: kioskDevices.id,
  name: kioskDevices.name,
  location: kioskDevices.location,
  buildingId: kioskDevices.buildingId,
  buildingName: buildings.name,
  createdAt: kioskDevices.createdAt,
  pairedAt: kioskDevices.pairedAt,
  lastSeenAt: kioskDevices.lastSeenAt,
  revokedAt: kioskDevices.revokedAt,
};

type DeviceRow = { revokedAt: Date | null; pairedAt: Date | null };
export const deviceStatus = (d: DeviceRow): 'revoked' | 'paired' | 'unpaired' => (d.revokedAt ? 'revoked' : d.pairedAt ? 'paired' : 'unpaired');

export class KioskService {
  constructor(private readonly ctx: AppContext) {}

  /** Admin: create a device; the token is returned here once and never again. */
  async createDevice(req: FastifyRequest, input: KioskDeviceInput) {
    const actor = requireActor(req, 'admin');
    const { ctx } = this;
    const token = DEVICE_TOKEN_PREFIX + randomToken(32);
    const device = await ctx.db.transaction(async (tx) => {
      if (input.buildingId) {
        const [b] = await tx.select({ id: buildings.id }).from(buildings).where(eq(buildings.id, input.buildingId));
        if (!b) throw new AppError('BUILDING_NOT_FOUND');
      }
      const [row] = await tx
        .insert(kioskDevices)
        .values({ name: input.name, location: input.location || null, buildingId: input.buildingId || null, tokenHash: sha256(token), createdAt: ctx.clock.now() })
        .returning({ id: kioskDevices.id });
      await audit(tx, actor, 'kiosk_device.create', { type: 'kiosk_device', id: row!.id }, { name: input.name });
      const [d] = await tx.select(deviceColumns).from(kioskDevices).leftJoin(buildings, eq(buildings.id, kioskDevices.buildingId)).where(eq(kioskDevices.id, row!.id));
      return d!;
    });
    const qrDataUrl = await QRCode.toDataURL(token, { errorCorrectionLevel: 'M', margin: 1, width: 320 });
    return { device: { ...device, status: deviceStatus(device) }, token, qrDataUrl };
  }

  async listDevices(req: FastifyRequest) {
    requireActor(req, 'admin');
    const rows = await this.ctx.db
      .select(deviceColumns)
      .from(kioskDevices)
      .leftJoin(buildings, eq(buildings.id, kioskDevices.buildingId))
      .orderBy(desc(kioskDevices.createdAt));
    return { items: rows.map((d) => ({ ...d, status: deviceStatus(d) })) };
  }

  /** Admin: revoke a device; its kiosk sessions end at once. Revoking twice is harmless. */
  async revokeDevice(req: FastifyRequest, id: string) {
    const actor = requireActor(req, 'admin');
    const { ctx } = this;
    await ctx.db.transaction(async (tx) => {
      const [d] = await tx.select({ id: kioskDevices.id, revokedAt: kioskDevices.revokedAt }).from(kioskDevices).where(eq(kioskDevices.id, id)).for('update');
      if (!d) throw new AppError('NOT_FOUND');
      if (!d.revokedAt) {
        await tx.update(kioskDevices).set({ revokedAt: ctx.clock.now() }).where(eq(kioskDevices.id, id));
        await audit(tx, actor, 'kiosk_device.revoke', { type: 'kiosk_device', id });
      }
      await tx.delete(sessions).where(and(eq(sessions.subjectType, 'kiosk'), eq(sessions.subjectId, id)));
    });
  }

  /** The kiosk: exchange the device token for a long-lived kiosk session. */
  async pair(token: string, ip: string, reply: FastifyReply, ua?: string) {
    const { ctx } = this;
    if ((await ctx.rateLimiter.hit(`kioskpair:${ip}`, 15 * 60)) > PAIR_ATTEMPTS_PER_IP_PER_15_MIN) throw new AppError('RATE_LIMITED');
    const now = ctx.clock.now();
    return ctx.db.transaction(async (tx) => {
      const [d] = await tx
        .select({ id: kioskDevices.id })
        .from(kioskDevices)
        .where(and(eq(kioskDevices.tokenHash, sha256(token.trim())), isNull(kioskDevices.revokedAt)))
        .for('update');
      if (!d) throw new AppError('DEVICE_TOKEN_INVALID');
      await tx.update(kioskDevices).set({ pairedAt: now, lastSeenAt: now }).where(eq(kioskDevices.id, d.id));
      const actor: Actor = { type: 'kiosk', id: d.id, ip };
      await createSession(ctx, tx, reply, { type: 'kiosk', id: d.id }, ua, KIOSK_SESSION_HOURS);
      await audit(tx, actor, 'kiosk_device.pair', { type: 'kiosk_device', id: d.id });
      const [device] = await tx.select(deviceColumns).from(kioskDevices).leftJoin(buildings, eq(buildings.id, kioskDevices.buildingId)).where(eq(kioskDevices.id, d.id));
      return this.publicView(device!);
    });
  }

  /**
   * The access check for every kiosk request: a kiosk session whose device is still active.
   * (A revoked device's sessions are deleted on revoke; this check also covers a session that
   * raced the revoke.)
   */
  async requireKiosk(req: FastifyRequest) {
    const actor = requireActor(req, 'kiosk');
    const [d] = await this.ctx.db
      .select(deviceColumns)
      .from(kioskDevices)
      .leftJoin(buildings, eq(buildings.id, kioskDevices.buildingId))
      .where(eq(kioskDevices.id, actor.id));
    if (!d || d.revokedAt) throw new AppError('DEVICE_TOKEN_INVALID');
    const now = this.ctx.clock.now();
    if (!d.lastSeenAt || now.getTime() - d.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
      await this.ctx.db.update(kioskDevices).set({ lastSeenAt: now }).where(eq(kioskDevices.id, d.id));
    }
    return { actor, device: d };
  }

  async me(req: FastifyRequest) {
    const { device } = await this.requireKiosk(req);
    return this.publicView(device);
  }

  private publicView(d: { id: string; name: string; location: string | null; buildingId: string | null; buildingName: string | null }) {
    return {
      id: d.id,
      name: d.name,
      location: d.location,
      buildingId: d.buildingId,
      buildingName: d.buildingName,
      timeZone: this.ctx.config.TZ_CENTER,
      feverThresholdC: this.ctx.config.KIOSK_FEVER_THRESHOLD_C,
      healthCode: this.ctx.config.KIOSK_HEALTH_CODE,
    };
  }
}
