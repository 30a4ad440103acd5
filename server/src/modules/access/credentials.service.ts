/**
 * 下发队列 (A7): what each device holds or failed to take, per order — the issuance record the
 * reconciler writes — with 重试 for a failed one, and what one device holds.
 */
import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import { accessCredentials, accessDevices, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { maskIdNumber } from '../../../../contracts/identity.js';
import { personIdOf, type CredentialKind, type CredentialRow, type HeldCredential } from '../../../../contracts/access.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { simulatorOf } from './adapters/simulator.js';
import { SYNC_JOB, type OrderSyncJob } from './issuance.js';
import type { DeviceRow } from './adapters/registry.js';
import type { Db, Tx } from '../../platform/db.js';

export class CredentialsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly devices: { load(tx: Tx | Db, id: string): Promise<DeviceRow> },
  ) {}

  private async credentialRows(where: SQL | undefined, limit: number, offset: number): Promise<CredentialRow[]> {
    const attendee = sql`(select name from staff where staff.id = ${visitOrders.attendeeStaffId})`;
    const rows = await this.ctx.db
      .select({
        c: accessCredentials,
        deviceName: accessDevices.name,
        visitorName: visitors.name,
        attendeeName: attendee.mapWith(String),
        inviteeName: visitOrders.inviteeName,
        plate: visitOrders.plate,
        orderStatus: visitOrders.status,
        startAt: visitOrders.startAt,
        endAt: visitOrders.endAt,
      })
      .from(accessCredentials)
      .innerJoin(accessDevices, eq(accessDevices.id, accessCredentials.deviceId))
      .innerJoin(visitOrders, eq(visitOrders.id, accessCredentials.orderId))
      .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
      .where(where)
      .orderBy(desc(accessCredentials.updatedAt))
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({
      id: r.c.id,
      orderId: r.c.orderId,
      deviceId: r.c.deviceId,
      deviceName: r.deviceName,
      holderName: r.visitorName ?? r.attendeeName ?? r.inviteeName ?? '',
      orderStatus: r.orderStatus,
      startAt: r.startAt.toISOString(),
      endAt: r.endAt.toISOString(),
      kinds: r.c.kinds as CredentialKind[],
      plate: r.c.kinds.includes('plate') ? r.plate : null,
      status: r.c.status as CredentialRow['status'],
      lastError: r.c.lastError,
      issuedAt: r.c.issuedAt?.toISOString() ?? null,
      removedAt: r.c.removedAt?.toISOString() ?? null,
      updatedAt: r.c.updatedAt.toISOString(),
    }));
  }

  async listCredentials(actor: Actor, q: { status?: string; deviceId?: string; orderId?: string; page: number; pageSize: number }) {
    // holders' names: the read is audited like other lists of people
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.credentials.read', { type: 'access_credential' }, { status: q.status ?? null, deviceId: q.deviceId ?? null, page: q.page }));
    const where = and(
      q.status ? eq(accessCredentials.status, q.status) : undefined,
      q.deviceId ? eq(accessCredentials.deviceId, q.deviceId) : undefined,
      q.orderId ? eq(accessCredentials.orderId, q.orderId) : undefined,
    );
    const [t] = await this.ctx.db.select({ n: count() }).from(accessCredentials).where(where);
    return { items: await this.credentialRows(where, q.pageSize, (q.page - 1) * q.pageSize), total: Number(t?.n ?? 0), page: q.page, pageSize: q.pageSize };
  }

  /** 重试: run the order's sync now (the failed row is retried with every other device of the order). */
  async retryCredential(actor: Actor, id: string): Promise<{ ok: true }> {
    await this.ctx.db.transaction(async (tx) => {
      const [c] = await tx.select().from(accessCredentials).where(eq(accessCredentials.id, id));
      if (!c) throw new AppError('NOT_FOUND');
      if (c.status !== 'failed') throw new AppError('CREDENTIAL_NOT_RETRYABLE');
      const payload: OrderSyncJob = { orderId: c.orderId };
      await this.ctx.queue.enqueue(tx, { type: SYNC_JOB, key: `${SYNC_JOB}:${c.orderId}:retry:${randomUUID()}`, payload });
      await audit(tx, actor, 'access.credential.retry', { type: 'access_credential', id }, { orderId: c.orderId, deviceId: c.deviceId });
    });
    return { ok: true };
  }

  /** What a device holds: the simulator's own memory; for real devices the issuance record. */
  async held(actor: Actor, id: string): Promise<{ items: HeldCredential[]; source: 'device' | 'record' }> {
    const d = await this.devices.load(this.ctx.db, id);
    await this.ctx.db.transaction((tx) => audit(tx, actor, 'access.device.held.read', { type: 'access_device', id }));
    if (d.adapter === 'simulator') {
      const items = simulatorOf(this.ctx)
        .holdings(id)
        .sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())
        .map((h) => ({ personId: h.personId, orderId: h.orderId, name: h.name, kinds: h.kinds, validFrom: h.validFrom.toISOString(), validTo: h.validTo.toISOString(), idNumberMasked: h.idNumber ? maskIdNumber(h.idNumber) : null, hasFace: !!h.face, plate: h.plate ?? null }));
      return { items, source: 'device' };
    }
    const rows = await this.credentialRows(and(eq(accessCredentials.deviceId, id), eq(accessCredentials.status, 'issued'))!, 200, 0);
    return {
      items: rows.map((r) => ({ personId: personIdOf(r.orderId), orderId: r.orderId, name: r.holderName, kinds: r.kinds, validFrom: r.startAt, validTo: r.endAt, idNumberMasked: null, hasFace: r.kinds.includes('face'), plate: r.plate })),
      source: 'record',
    };
  }
}
