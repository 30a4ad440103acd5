/**
 * The issuance reconciler (X4, docs/decisions/0007-access-issuance.md, 0018): the jobs that bring
 * the devices in line with what they should hold, recording the outcome per (order, device) in
 * access_credentials. A device that fails leaves its row 'failed' with its error and the job
 * retries with the queue's backoff; the admin can retry at once.
 *
 * - access.sync (orders; the queue hands over every claimed one at once): every enabled device
 *   guarding an order's building should hold its holder's credentials while the order is wanted
 *   (issuance.ts desired, not blocklisted); every device recorded as holding it that should not,
 *   loses it. A push the device already took (same fingerprint, holders.ts) is not sent again.
 * - access.sync.device (one device, added, changed or back): everything it should hold — its ids
 *   found at once, then read a page at a time — pushed again (it may have lost its memory) unless
 *   pushed since the sync was asked for; what it holds but should not, removed.
 * Either way the work is planned per device and sent in batches where the device's adapter takes
 * them; the outcomes are written in one statement. Device calls happen outside any transaction, so
 * an order may change meanwhile (a cancellation racing a push): what was pushed or removed is read
 * again afterwards and, where what it should have changed, the order is synced again.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { accessCredentials, accessDevices, visitOrders } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { personIdOf } from '../../../../contracts/access.js';
import { pushAll, removeAll, type CredentialPush } from './adapters/types.js';
import type { Adapters, DeviceRow } from './adapters/registry.js';
import { SYNC_JOB, type DeviceSyncJob, type OrderSyncJob } from './issuance.js';
import { buildingOfOrder, fingerprint, idIn, pushOf, readHolders, readIds, unchanged, wanted, wantedSql, type HolderRow } from './holders.js';
import { deviceTakes } from './barriers.js';
import { markSeen } from './seen.js';

/** orders read and pushed per batch by a device's sync */
const PAGE = 1000;
/** photos read from storage at once */
const PHOTO_READS = 8;
/** an order whose desired state changed while it was being synced is synced again, this many times in all */
const ROUNDS = 3;

type Held = NonNullable<HolderRow['held']>;

/** One row of the issuance record to write. */
interface Outcome {
  orderId: string;
  deviceId: string;
  status: 'issued' | 'removed' | 'failed';
  kinds: string[];
  lastError: string | null;
  pushHash: string | null;
}

/** What one device is to be sent: people to push (unchanged ones already left out) and to remove. */
interface DevicePlan {
  d: DeviceRow;
  push: Array<{ orderId: string; push: CredentialPush; photoKey: string | null; hash: string; held: Held | null }>;
  remove: Array<{ orderId: string; held: Held }>;
}

const msg = (op: 'issue' | 'remove', e: Error) => `${op}: ${e.message}`.slice(0, 1000);
const heldOf = (c: typeof accessCredentials.$inferSelect | null | undefined): Held | null => (c ? { status: c.status, kinds: c.kinds, pushHash: c.pushHash, issuedAt: c.issuedAt } : null);
const isHeld = (h: Held | null | undefined): h is Held => !!h && (h.status === 'issued' || h.status === 'failed');

export class CredentialReconciler {
  constructor(
    private readonly ctx: AppContext,
    private readonly adapters: Adapters,
  ) {}

  // ———————————————————————————————————————— orders

  /** The access.sync job of one order. Throws (→ retry) if a device failed. */
  async syncOrder(job: OrderSyncJob): Promise<void> {
    const failed = await this.syncOrders([job]);
    const e = failed.get(job.orderId);
    if (e) throw e;
  }

  /**
   * access.sync jobs, any number at once (orders read together, each device sent its share in one
   * batch). Returns the orders a device failed for, with the error (their jobs retry).
   */
  async syncOrders(jobs: OrderSyncJob[]): Promise<Map<string, Error>> {
    // several jobs of one order: pushed again unless pushed after the latest that asks for it
    const force = new Map<string, Date | null>();
    for (const j of jobs) {
      const f = j.forceSince ? new Date(j.forceSince) : null;
      const cur = force.get(j.orderId);
      force.set(j.orderId, cur && f ? (cur > f ? cur : f) : (cur ?? f));
    }
    const errors = new Map<string, string[]>();
    let ids = [...force.keys()];
    for (let round = 0; round < ROUNDS && ids.length; round++) {
      const want = await this.syncRound(ids, force, errors);
      // read again: an order whose desired state changed meanwhile goes round again
      const now = this.ctx.clock.now();
      ids = (await readHolders(this.ctx.db, idIn(visitOrders.id, ids))).filter((h) => wanted(h, now) !== want.get(h.id)).map((h) => h.id);
    }
    return new Map([...errors].map(([id, es]) => [id, new Error(`access sync of order ${id}: ${es.join('; ')}`)]));
  }

  /** One pass over these orders: plan each device's share, send it, record. Returns what each order was synced as (wanted or not). */
  private async syncRound(ids: string[], force: Map<string, Date | null>, errors: Map<string, string[]>): Promise<Map<string, boolean>> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const rows = await readHolders(ctx.db, idIn(visitOrders.id, ids));
    const want = new Map(rows.map((h) => [h.id, wanted(h, now)]));
    const buildings = [...new Set(rows.filter((h) => want.get(h.id) && h.buildingId).map((h) => h.buildingId!))];
    // the devices guarding their buildings, and those recorded as holding them
    const guarding = buildings.length
      ? await ctx.db
          .select()
          .from(accessDevices)
          .where(and(eq(accessDevices.enabled, true), sql`${accessDevices.buildingIds} && ${sql`array[${sql.join(
            buildings.map((b) => sql`${b}::uuid`),
            sql`, `,
          )}]`}`))
      : [];
    const recorded = await ctx.db
      .select({ c: accessCredentials, d: accessDevices })
      .from(accessCredentials)
      .innerJoin(accessDevices, eq(accessDevices.id, accessCredentials.deviceId))
      .where(and(idIn(accessCredentials.orderId, ids), inArray(accessCredentials.status, ['issued', 'failed'])));
    const plans = new Map<string, DevicePlan>();
    const plan = (d: DeviceRow) => {
      let p = plans.get(d.id);
      if (!p) plans.set(d.id, (p = { d, push: [], remove: [] }));
      return p;
    };
    for (const h of rows) {
      const held = new Map(recorded.filter((r) => r.c.orderId === h.id).map((r) => [r.d.id, { d: r.d, held: heldOf(r.c)! }]));
      // barriers take only an approved plate (barriers.ts); gates and doors the person
      const targets = want.get(h.id) ? guarding.filter((d) => d.buildingIds.includes(h.buildingId!) && deviceTakes(h, d)) : [];
      for (const d of targets) {
        const { push, photoKey } = pushOf(ctx, h, d.kind === 'barrier');
        const hash = fingerprint(ctx, push, photoKey);
        const prev = held.get(d.id)?.held ?? null;
        if (!unchanged(prev, hash, force.get(h.id) ?? null)) plan(d).push.push({ orderId: h.id, push, photoKey, hash, held: prev });
      }
      for (const [deviceId, r] of held) if (!targets.some((d) => d.id === deviceId)) plan(r.d).remove.push({ orderId: h.id, held: r.held });
    }
    for (const [orderId, e] of await this.send([...plans.values()])) errors.set(orderId, [...(errors.get(orderId) ?? []), e]);
    return want;
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
    const guards = (h: HolderRow, at: Date) => d.enabled && wanted(h, at) && d.buildingIds.includes(h.buildingId ?? '') && deviceTakes(h, d);

    if (d.enabled && d.buildingIds.length) {
      const buildings = sql`array[${sql.join(
        d.buildingIds.map((b) => sql`${b}::uuid`),
        sql`, `,
      )}]`;
      const plates = d.kind === 'barrier' ? sql`${visitOrders.plate} is not null and ${visitOrders.vehicleStatus} = 'approved'` : undefined;
      const here = (at: Date) => and(wantedSql(at), sql`${buildingOfOrder} = any(${buildings})`, plates)!;
      // the ids first (the window's index finds them), then a page at a time by id
      const ids = await readIds(ctx.db, here(now));
      const pushed: string[] = [];
      for (let i = 0; i < ids.length; i += PAGE) {
        const page = (await readHolders(ctx.db, idIn(visitOrders.id, ids.slice(i, i + PAGE)), { forDevice: d.id })).filter((h) => guards(h, now));
        const plan: DevicePlan = { d, push: [], remove: [] };
        for (const h of page) {
          kept.add(h.id);
          const { push, photoKey } = pushOf(ctx, h, d.kind === 'barrier');
          const hash = fingerprint(ctx, push, photoKey);
          if (!unchanged(h.held, hash, forceSince)) plan.push.push({ orderId: h.id, push, photoKey, hash, held: h.held });
        }
        const failed = await this.send([plan]);
        issued += plan.push.length - failed.size;
        errors.push(...failed.values());
        pushed.push(...plan.push.map((p) => p.orderId));
      }
      // pushed while they changed (a cancellation racing the push): each such order syncs again
      if (pushed.length) await this.resync(await readIds(ctx.db, and(idIn(visitOrders.id, pushed), sql`not coalesce((${here(ctx.clock.now())}), false)`)));
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
    for (let i = 0; i < heldIds.length; i += PAGE) {
      // read again: one that became wanted since the pages were read is its own sync's to push
      const rows = await readHolders(ctx.db, idIn(visitOrders.id, heldIds.slice(i, i + PAGE)), { forDevice: d.id });
      const drop = rows.filter((h) => !guards(h, ctx.clock.now()) && isHeld(h.held));
      const failed = await this.send([{ d, push: [], remove: drop.map((h) => ({ orderId: h.id, held: h.held! })) }]);
      removed += drop.length - failed.size;
      errors.push(...failed.values());
      // removed while they became wanted here again: each such order syncs again
      if (drop.length) {
        const again = await readHolders(ctx.db, idIn(visitOrders.id, drop.map((h) => h.id)));
        await this.resync(again.filter((h) => guards(h, ctx.clock.now())).map((h) => h.id));
      }
    }
    if (errors.length) throw new Error(`access sync of device ${d.name}: ${errors.length} failed, first ${errors[0]}`);
    return { issued, removed };
  }

  // ———————————————————————————————————————— sending and recording

  /**
   * Send each device its share (devices at once; each device's people in batches where its adapter
   * takes them), then write every outcome in one statement. Returns the orders that failed, with
   * the device and its error.
   */
  private async send(plans: DevicePlan[]): Promise<Map<string, string>> {
    const { ctx } = this;
    plans = plans.filter((p) => p.push.length || p.remove.length);
    if (!plans.length) return new Map();
    // the photos, each read once
    const keys = [...new Set(plans.flatMap((p) => p.push.map((x) => x.photoKey)).filter((k): k is string => !!k))];
    const photos = new Map<string, Buffer | null>();
    for (let i = 0; i < keys.length; i += PHOTO_READS) await Promise.all(keys.slice(i, i + PHOTO_READS).map(async (k) => photos.set(k, await ctx.storage.get(k))));

    const outcomes: Outcome[] = [];
    const failed = new Map<string, string>();
    const answered: string[] = [];
    await Promise.all(
      plans.map(async ({ d, push, remove }) => {
        const adapter = this.adapters.for(d);
        const target = this.adapters.target(d);
        let ok = false;
        const fail = (orderId: string, kinds: string[], op: 'issue' | 'remove', e: Error) => {
          outcomes.push({ orderId, deviceId: d.id, status: 'failed', kinds, lastError: msg(op, e), pushHash: null });
          const line = `${d.name}: ${msg(op, e)}`;
          failed.set(orderId, failed.has(orderId) ? `${failed.get(orderId)}; ${line}` : line);
        };
        // the face goes when its photo could be read; without it, 'face' leaves the kinds
        const pushes = push.map((x): CredentialPush => {
          const face = x.photoKey ? (photos.get(x.photoKey) ?? null) : null;
          const firstPush = x.held === null;
          return face ? { ...x.push, face, firstPush } : x.photoKey ? { ...x.push, kinds: x.push.kinds.filter((k) => k !== 'face'), firstPush } : { ...x.push, firstPush };
        });
        // a face the device holds but may no longer (consent withdrawn, photo gone): the person is
        // removed first, then pushed again without it
        const faceGone = push.filter((x, i) => x.held?.status === 'issued' && x.held.kinds.includes('face') && !pushes[i]!.kinds.includes('face'));
        const goneErr = new Map((await removeAll(adapter, target, faceGone.map((x) => x.push.personId))).map((e, j) => [faceGone[j]!.orderId, e]));
        const send = push.map((_x, i) => i).filter((i) => !goneErr.get(push[i]!.orderId));
        const sent = await pushAll(
          adapter,
          target,
          send.map((i) => pushes[i]!),
        );
        const result = new Map(send.map((i, j) => [i, sent[j] ?? null]));
        push.forEach((x, i) => {
          const e = goneErr.get(x.orderId) ?? result.get(i) ?? null;
          if (e) return fail(x.orderId, pushes[i]!.kinds, 'issue', e);
          outcomes.push({ orderId: x.orderId, deviceId: d.id, status: 'issued', kinds: pushes[i]!.kinds, lastError: null, pushHash: x.hash });
          ok = true;
        });
        const removed = await removeAll(
          adapter,
          target,
          remove.map((x) => personIdOf(x.orderId)),
        );
        remove.forEach((x, j) => {
          const e = removed[j];
          if (e) return fail(x.orderId, x.held.kinds, 'remove', e);
          outcomes.push({ orderId: x.orderId, deviceId: d.id, status: 'removed', kinds: x.held.kinds, lastError: null, pushHash: null });
          ok = true;
        });
        if (ok) answered.push(d.id);
      }),
    );
    await this.record(outcomes);
    await markSeen(ctx, answered);
    return failed;
  }

  /** These orders are synced again, each by its own job (usually none). */
  private async resync(ids: string[]): Promise<void> {
    for (const orderId of ids) {
      const payload: OrderSyncJob = { orderId };
      await this.ctx.queue.enqueue(this.ctx.db, { type: SYNC_JOB, key: `${SYNC_JOB}:${orderId}:recheck:${randomUUID()}`, payload });
    }
  }

  /** Write outcomes in one statement (one row per order and device; columns as arrays: a page of 500 is one short statement). */
  private async record(outcomes: Outcome[]): Promise<void> {
    if (!outcomes.length) return;
    const now = this.ctx.clock.now().toISOString();
    const col = <T>(f: (o: Outcome) => T) => sql.param(outcomes.map(f));
    await this.ctx.db.execute(sql`
      insert into access_credentials (id, order_id, device_id, kinds, status, last_error, issued_at, removed_at, push_hash, updated_at)
      select t.id, t.order_id, t.device_id, string_to_array(t.kinds, ','), t.status, t.last_error,
             case when t.status = 'issued' then ${now}::timestamptz end, case when t.status = 'removed' then ${now}::timestamptz end, t.push_hash, ${now}::timestamptz
      from unnest(${col(() => uuidv7())}::uuid[], ${col((o) => o.orderId)}::uuid[], ${col((o) => o.deviceId)}::uuid[], ${col((o) => o.kinds.join(','))}::text[],
                  ${col((o) => o.status)}::text[], ${col((o) => o.lastError)}::text[], ${col((o) => o.pushHash)}::text[])
           as t(id, order_id, device_id, kinds, status, last_error, push_hash)
      on conflict (order_id, device_id) do update set
        status = excluded.status,
        -- a removal keeps what was held; an issue or a failure says what was (to be) pushed
        kinds = case when excluded.status = 'removed' then access_credentials.kinds else excluded.kinds end,
        last_error = excluded.last_error,
        issued_at = case when excluded.status = 'issued' then excluded.issued_at else access_credentials.issued_at end,
        removed_at = case when excluded.status = 'issued' then null when excluded.status = 'removed' then excluded.removed_at else access_credentials.removed_at end,
        push_hash = excluded.push_hash,
        updated_at = excluded.updated_at`);
  }
}

