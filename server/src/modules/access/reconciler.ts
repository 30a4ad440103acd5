/**
 * The issuance reconciler (X4, docs/decisions/0007-access-issuance.md): the jobs that bring the
 * devices in line with what they should hold, recording the outcome per (order, device) in
 * access_credentials. A device that fails leaves its row 'failed' with its error and the job
 * retries with the queue's backoff; the admin can retry at once.
 *
 * - access.sync (one order): every enabled device guarding the order's building should hold the
 *   holder's credentials while the order is wanted (issuance.ts desired, not blocklisted); every
 *   device recorded as holding it that should not, loses it. A push the device already took
 *   (same fingerprint, holders.ts) is not sent again.
 * - access.sync.device (one device, added, changed or back): everything it should hold, its ids
 *   found at once, then read a page at a time and pushed in batches where its adapter takes them; what it holds but should not,
 *   removed in batches. Pushed again even when unchanged (it may have lost its memory), unless
 *   pushed since the sync was asked for.
 * Device calls happen outside any transaction, so an order may change meanwhile (a cancellation
 * racing a push): what was pushed or removed is read again afterwards and, where what it should
 * have changed, the order is synced again.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { accessCredentials, accessDevices, visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { personIdOf } from '../../../../contracts/access.js';
import { pushAll, removeAll, type CredentialPush, type DeviceTarget } from './adapters/types.js';
import type { Adapters, DeviceRow } from './adapters/registry.js';
import { SYNC_JOB, type DeviceSyncJob, type OrderSyncJob } from './issuance.js';
import { buildingOfOrder, fingerprint, pushOf, readHolders, readIds, unchanged, wanted, wantedSql, type HolderRow } from './holders.js';
import { deviceTakes } from './barriers.js';
import { markSeen } from './seen.js';

/** orders read and pushed per batch by a device's sync */
const PAGE = 500;
/** photos read from storage at once */
const PHOTO_READS = 8;

/** One row of the issuance record to write. */
interface Outcome {
  orderId: string;
  deviceId: string;
  status: 'issued' | 'removed' | 'failed';
  kinds: string[];
  lastError: string | null;
  pushHash: string | null;
}

/** One device's share of a push: what goes, its fingerprint, whether a held face must leave first. */
interface Planned {
  h: HolderRow;
  push: CredentialPush;
  photoKey: string | null;
  hash: string;
  held: HolderRow['held'];
}

const msg = (op: 'issue' | 'remove', e: Error) => `${op}: ${e.message}`.slice(0, 1000);

export class CredentialReconciler {
  constructor(
    private readonly ctx: AppContext,
    private readonly adapters: Adapters,
  ) {}

  // ———————————————————————————————————————— one order

  /** The access.sync job. Throws (→ retry) if a device failed. */
  async syncOrder(job: OrderSyncJob): Promise<{ issued: number; removed: number }> {
    const forceSince = job.forceSince ? new Date(job.forceSince) : null;
    let r = { issued: 0, removed: 0, want: false };
    for (let round = 0; round < 3; round++) {
      r = await this.syncOnce(job.orderId, forceSince);
      const [h] = await readHolders(this.ctx.db, eq(visitOrders.id, job.orderId));
      if (!h || wanted(h, this.ctx.clock.now()) === r.want) break;
    }
    return { issued: r.issued, removed: r.removed };
  }

  private async syncOnce(orderId: string, forceSince: Date | null): Promise<{ issued: number; removed: number; want: boolean }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const [h] = await readHolders(ctx.db, eq(visitOrders.id, orderId));
    if (!h) return { issued: 0, removed: 0, want: false };
    const want = wanted(h, now);
    // the devices guarding its building (if wanted) and those recorded as holding it
    const rows = await ctx.db
      .select({ d: accessDevices, c: accessCredentials })
      .from(accessDevices)
      .leftJoin(accessCredentials, and(eq(accessCredentials.deviceId, accessDevices.id), eq(accessCredentials.orderId, orderId)))
      .where(
        or(
          want && h.buildingId ? and(eq(accessDevices.enabled, true), sql`${h.buildingId}::uuid = any(${accessDevices.buildingIds})`) : undefined,
          inArray(accessCredentials.status, ['issued', 'failed']),
        ),
      );
    // barriers take only an approved plate (barriers.ts); gates and doors the person
    const guards = (d: DeviceRow) => want && !!h.buildingId && d.enabled && d.buildingIds.includes(h.buildingId) && deviceTakes(h, d);
    const outcomes: Outcome[] = [];
    const answered: string[] = [];
    const errors: string[] = [];
    let face: Promise<Buffer | null> | null = null;
    const faceOf = (key: string) => (face ??= ctx.storage.get(key));

    await Promise.all(
      rows.map(async ({ d, c }) => {
        const held = c ? { status: c.status, kinds: c.kinds, pushHash: c.pushHash, issuedAt: c.issuedAt } : null;
        const adapter = this.adapters.for(d);
        const target = this.adapters.target(d);
        if (guards(d)) {
          const { push, photoKey } = pushOf(ctx, h, d.kind === 'barrier');
          const hash = fingerprint(ctx, push, photoKey);
          if (unchanged(held, hash, forceSince)) return;
          const p = photoKey ? this.withFace(push, await faceOf(photoKey)) : push;
          try {
            // a face the device holds but may no longer (consent withdrawn, photo gone) is taken off
            // first: remove the person, then push them again without it
            if (held?.status === 'issued' && held.kinds.includes('face') && !p.kinds.includes('face')) await adapter.remove(target, push.personId);
            await adapter.upsert(target, p);
            outcomes.push({ orderId, deviceId: d.id, status: 'issued', kinds: p.kinds, lastError: null, pushHash: hash });
            answered.push(d.id);
          } catch (e) {
            outcomes.push({ orderId, deviceId: d.id, status: 'failed', kinds: p.kinds, lastError: msg('issue', e as Error), pushHash: null });
            errors.push(`${d.name}: ${msg('issue', e as Error)}`);
          }
        } else if (held && (held.status === 'issued' || held.status === 'failed')) {
          try {
            await adapter.remove(target, personIdOf(orderId));
            outcomes.push({ orderId, deviceId: d.id, status: 'removed', kinds: held.kinds, lastError: null, pushHash: null });
            answered.push(d.id);
          } catch (e) {
            outcomes.push({ orderId, deviceId: d.id, status: 'failed', kinds: held.kinds, lastError: msg('remove', e as Error), pushHash: null });
            errors.push(`${d.name}: ${msg('remove', e as Error)}`);
          }
        }
      }),
    );
    await this.record(outcomes);
    await markSeen(ctx, answered);
    if (errors.length) throw new Error(`access sync of order ${orderId}: ${errors.join('; ')}`);
    const n = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
    return { issued: n('issued'), removed: n('removed'), want };
  }

  /** The push with the face when the photo could be read; without it (and 'face' out of kinds) when not. */
  private withFace(p: CredentialPush, face: Buffer | null): CredentialPush {
    return face ? { ...p, face } : { ...p, kinds: p.kinds.filter((k) => k !== 'face') };
  }

  // ———————————————————————————————————————— one device

  /** The access.sync.device job. Throws (→ retry) if the device failed anything. */
  async syncDevice(job: DeviceSyncJob): Promise<{ issued: number; removed: number }> {
    const { ctx } = this;
    const [d] = await ctx.db.select().from(accessDevices).where(eq(accessDevices.id, job.deviceId));
    if (!d) return { issued: 0, removed: 0 };
    const forceSince = new Date(job.forceSince);
    const now = ctx.clock.now();
    const errors: string[] = [];
    const kept = new Set<string>();
    let issued = 0;
    let removed = 0;

    if (d.enabled && d.buildingIds.length) {
      const buildings = sql`array[${sql.join(
        d.buildingIds.map((b) => sql`${b}::uuid`),
        sql`, `,
      )}]`;
      const plates = d.kind === 'barrier' ? sql`${visitOrders.plate} is not null and ${visitOrders.vehicleStatus} = 'approved'` : undefined;
      const here = (at: Date) => and(wantedSql(at), sql`${buildingOfOrder} = any(${buildings})`, plates)!;
      // the ids first (the window's index finds them), then a page at a time by id
      const ids = await readIds(ctx.db, here(now));
      for (let i = 0; i < ids.length; i += PAGE) {
        const page = await readHolders(ctx.db, inArray(visitOrders.id, ids.slice(i, i + PAGE)), { forDevice: d.id });
        const take = page.filter((h) => wanted(h, now) && d.buildingIds.includes(h.buildingId ?? '') && deviceTakes(h, d));
        for (const h of take) kept.add(h.id);
        const r = await this.pushPage(d, take, forceSince);
        issued += r.issued;
        errors.push(...r.errors);
        // pushed while they changed (a cancellation racing the push): each such order syncs again
        if (r.pushed.length) await this.resyncWhere(and(inArray(visitOrders.id, r.pushed), sql`not coalesce((${here(ctx.clock.now())}), false)`)!);
      }
    }

    // what it holds but should not
    const heldIds = (
      await ctx.db
        .select({ orderId: accessCredentials.orderId })
        .from(accessCredentials)
        .where(and(eq(accessCredentials.deviceId, d.id), inArray(accessCredentials.status, ['issued', 'failed'])))
    )
      .map((r) => r.orderId)
      .filter((id) => !kept.has(id));
    const guards = (h: HolderRow) => d.enabled && wanted(h, ctx.clock.now()) && d.buildingIds.includes(h.buildingId ?? '') && deviceTakes(h, d);
    for (let i = 0; i < heldIds.length; i += PAGE) {
      // read again: one that became wanted since the pages were read is its own sync's to push
      const rows = await readHolders(ctx.db, inArray(visitOrders.id, heldIds.slice(i, i + PAGE)), { forDevice: d.id });
      const drop = rows.filter((h) => !guards(h) && h.held && (h.held.status === 'issued' || h.held.status === 'failed'));
      const outcomes = await removeAll(this.adapters.for(d), this.adapters.target(d), drop.map((h) => personIdOf(h.id)));
      const rec: Outcome[] = drop.map((h, j) => {
        const e = outcomes[j];
        if (e) errors.push(`${msg('remove', e)}`);
        return e
          ? { orderId: h.id, deviceId: d.id, status: 'failed', kinds: h.held!.kinds, lastError: msg('remove', e), pushHash: null }
          : { orderId: h.id, deviceId: d.id, status: 'removed', kinds: h.held!.kinds, lastError: null, pushHash: null };
      });
      await this.record(rec);
      removed += rec.filter((o) => o.status === 'removed').length;
      if (rec.some((o) => o.status === 'removed')) await markSeen(ctx, [d.id]);
      // removed while they became wanted here again: each such order syncs again
      if (drop.length) await this.resyncChanged(drop.map((h) => h.id), guards);
    }
    if (errors.length) throw new Error(`access sync of device ${d.name}: ${errors.length} failed, first ${errors[0]}`);
    return { issued, removed };
  }

  /** Push a page of a device's orders in one batch (unchanged ones left out), and record the outcomes. */
  private async pushPage(d: DeviceRow, rows: HolderRow[], forceSince: Date): Promise<{ issued: number; errors: string[]; pushed: string[] }> {
    const { ctx } = this;
    const planned: Planned[] = [];
    for (const h of rows) {
      const { push, photoKey } = pushOf(ctx, h, d.kind === 'barrier');
      const hash = fingerprint(ctx, push, photoKey);
      if (!unchanged(h.held, hash, forceSince)) planned.push({ h, push, photoKey, hash, held: h.held });
    }
    if (!planned.length) return { issued: 0, errors: [], pushed: [] };
    // the photos, each read once
    const keys = [...new Set(planned.map((p) => p.photoKey).filter((k): k is string => !!k))];
    const photos = new Map<string, Buffer | null>();
    for (let i = 0; i < keys.length; i += PHOTO_READS) {
      await Promise.all(keys.slice(i, i + PHOTO_READS).map(async (k) => photos.set(k, await ctx.storage.get(k))));
    }
    const pushes = planned.map((p) => (p.photoKey ? this.withFace(p.push, photos.get(p.photoKey) ?? null) : p.push));
    const adapter = this.adapters.for(d);
    const target: DeviceTarget = this.adapters.target(d);
    // faces the device holds but may no longer: those people are removed first, then pushed without
    const faceGone = planned.map((p, i) => p.held?.status === 'issued' && p.held.kinds.includes('face') && !pushes[i]!.kinds.includes('face'));
    const goneIds = planned.filter((_p, i) => faceGone[i]).map((p) => p.push.personId);
    const goneOutcome = new Map((await removeAll(adapter, target, goneIds)).map((e, j) => [goneIds[j]!, e]));
    const sendIdx = planned.map((_p, i) => i).filter((i) => !goneOutcome.get(planned[i]!.push.personId));
    const sent = await pushAll(
      adapter,
      target,
      sendIdx.map((i) => pushes[i]!),
    );
    const result = new Map<number, Error | null>(sendIdx.map((i, j) => [i, sent[j] ?? null]));
    const errors: string[] = [];
    const outcomes: Outcome[] = planned.map((p, i) => {
      const e = goneOutcome.get(p.push.personId) ?? result.get(i) ?? null;
      if (e) errors.push(`${msg('issue', e)}`);
      return e
        ? { orderId: p.h.id, deviceId: d.id, status: 'failed', kinds: pushes[i]!.kinds, lastError: msg('issue', e), pushHash: null }
        : { orderId: p.h.id, deviceId: d.id, status: 'issued', kinds: pushes[i]!.kinds, lastError: null, pushHash: p.hash };
    });
    await this.record(outcomes);
    const issued = outcomes.filter((o) => o.status === 'issued').length;
    if (issued) await markSeen(ctx, [d.id]);
    return { issued, errors, pushed: planned.map((p) => p.h.id) };
  }

  /** Read these orders again; each for which `changed` holds is synced again by its own job. */
  private async resyncChanged(ids: string[], changed: (h: HolderRow) => boolean): Promise<void> {
    const rows = await readHolders(this.ctx.db, inArray(visitOrders.id, ids));
    await this.resync(rows.filter(changed).map((h) => h.id));
  }

  /** The orders matching `where` (usually none) are synced again, each by its own job. */
  private async resyncWhere(where: SQL): Promise<void> {
    await this.resync(await readIds(this.ctx.db, where));
  }

  private async resync(ids: string[]): Promise<void> {
    for (const orderId of ids) {
      const payload: OrderSyncJob = { orderId };
      await this.ctx.queue.enqueue(this.ctx.db, { type: SYNC_JOB, key: `${SYNC_JOB}:${orderId}:recheck:${randomUUID()}`, payload });
    }
  }

  // ———————————————————————————————————————— the record

  /** Write outcomes in one statement (one row per order and device). */
  private async record(outcomes: Outcome[]): Promise<void> {
    if (!outcomes.length) return;
    const now = this.ctx.clock.now();
    await this.ctx.db
      .insert(accessCredentials)
      .values(
        outcomes.map((o) => ({
          orderId: o.orderId,
          deviceId: o.deviceId,
          status: o.status,
          kinds: o.kinds,
          lastError: o.lastError,
          issuedAt: o.status === 'issued' ? now : null,
          removedAt: o.status === 'removed' ? now : null,
          pushHash: o.pushHash,
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [accessCredentials.orderId, accessCredentials.deviceId],
        set: {
          status: sql`excluded.status`,
          // a removal keeps what was held; an issue or a failure says what was (to be) pushed
          kinds: sql`case when excluded.status = 'removed' then ${accessCredentials.kinds} else excluded.kinds end`,
          lastError: sql`excluded.last_error`,
          issuedAt: sql`case when excluded.status = 'issued' then excluded.issued_at else ${accessCredentials.issuedAt} end`,
          removedAt: sql`case when excluded.status = 'issued' then null when excluded.status = 'removed' then excluded.removed_at else ${accessCredentials.removedAt} end`,
          pushHash: sql`excluded.push_hash`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }
}
