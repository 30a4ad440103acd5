/**
 * The retention purge (X5; PIPL art. 19 and 47): VISITOR_RETENTION_DAYS after a visitor's last
 * visit (privacy.repository.ts defines it) their face photo (storage object, reference, consent) and
 * ID number (encrypted value and blind index) are deleted; a registration never used for an order
 * is deleted that long after it was made or last edited; ID numbers typed on orders for companions
 * and invitees go that long after the order's visit was over. Orders and passes stay (without those
 * fields). Nobody with an open order is touched, nor a blocked visitor (the blocklist matches by ID
 * number; the entry is kept until an administrator takes them off it).
 *
 * - A daily durable job (privacy.retention, 03:00 in the center's zone; each run enqueues the next,
 *   keyed by the day, so any number of processes schedule it once) and 立即执行 in admin both call
 *   run(): batches of BATCH, one transaction each, rows locked with SKIP LOCKED, photo objects
 *   deleted after the commit (and by the queued photos.delete job should the process die).
 * - Idempotent: a purged row no longer matches; a second run removes nothing.
 * - One audit entry per run with the counts only (retention.run), and the run kept in `settings`
 *   (retention.last_run) for the admin page.
 * - preview() runs the same queries without locking, so what the page lists is what the run removes
 *   (at the same moment).
 */
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { maskName } from '../../../../contracts/identity.js';
import { RETENTION_PREVIEW_LIMIT, type RetentionCounts, type RetentionItem, type RetentionOverview, type RetentionRun } from '../../../../contracts/privacy.js';
import { settings } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { deletePhotoNow, enqueuePhotoDeletion } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import { requireSystemAdmin, type Actor } from '../identity/session.js';
import * as repo from './privacy.repository.js';

export const RETENTION_JOB = 'privacy.retention';
const LAST_RUN_KEY = 'retention.last_run';
const DAY_MS = 24 * 3600_000;
/** rows per transaction */
export const BATCH = 200;
/** the daily run's hour in the center's zone */
export const RUN_HOUR = 3;

export class RetentionService {
  constructor(private readonly ctx: AppContext) {}

  get days(): number {
    return this.ctx.config.VISITOR_RETENTION_DAYS;
  }

  /** everything last active before this goes */
  cutoff(now: Date = this.ctx.clock.now()): Date {
    return new Date(now.getTime() - this.days * DAY_MS);
  }

  /** The next scheduled run: today's RUN_HOUR in the center's zone, or tomorrow's once past. */
  nextRunAt(now: Date = this.ctx.clock.now()): Date {
    const clock = this.ctx.clock;
    const today = new Date(clock.startOfDay(clock.dayOf(now)).getTime() + RUN_HOUR * 3600_000);
    return today > now ? today : new Date(clock.startOfDay(clock.dayOf(new Date(now.getTime() + DAY_MS))).getTime() + RUN_HOUR * 3600_000);
  }

  /** GET /api/admin/retention (system administrators): the period, the last run and what the next run removes (names masked); audited. */
  async overview(req: FastifyRequest): Promise<RetentionOverview> {
    const actor = requireSystemAdmin(req);
    const now = this.ctx.clock.now();
    const cutoff = this.cutoff(now);
    return this.ctx.db.transaction(async (tx) => {
      const purge = await repo.countPurgeCandidates(tx, cutoff);
      const unused = await repo.countUnusedRegistrations(tx, cutoff);
      const invitee = await repo.countInviteeIdOrders(tx, cutoff);
      const items: RetentionItem[] = [
        ...(await repo.findPurgeCandidates(tx, cutoff, RETENTION_PREVIEW_LIMIT)).map((c) => this.item('purge', c)),
        ...(await repo.findUnusedRegistrations(tx, cutoff, RETENTION_PREVIEW_LIMIT)).map((c) => this.item('unused', c)),
        ...(await repo.findInviteeIdOrders(tx, cutoff, RETENTION_PREVIEW_LIMIT)).map(
          (c): RetentionItem => ({ kind: 'invitee', id: c.id, nameMasked: c.name ? maskName(c.name) : '—', lastActivityAt: c.lastActivityAt.toISOString(), photo: false, idNumber: true }),
        ),
      ]
        .sort((a, b) => a.lastActivityAt.localeCompare(b.lastActivityAt))
        .slice(0, RETENTION_PREVIEW_LIMIT);
      await audit(tx, actor, 'retention.read', { type: 'retention' }, { count: items.length });
      const [last] = await tx.select().from(settings).where(eq(settings.key, LAST_RUN_KEY));
      return {
        days: this.days,
        cutoff: cutoff.toISOString(),
        nextRunAt: this.nextRunAt(now).toISOString(),
        lastRun: (last?.value as RetentionRun | undefined) ?? null,
        counts: { photos: purge.photos, idNumbers: purge.idNumbers, unusedRegistrations: unused, inviteeIdNumbers: invitee },
        items,
        itemsTotal: purge.visitors + unused + invitee,
      };
    });
  }

  /** POST /api/admin/retention/run (立即执行, system administrators): the same run as the daily job, by this administrator. */
  async runNow(req: FastifyRequest): Promise<RetentionRun> {
    const actor = requireSystemAdmin(req);
    return this.run(actor, 'admin');
  }

  /** The purge; returns what it removed. */
  async run(actor: Actor, trigger: RetentionRun['trigger']): Promise<RetentionRun> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const cutoff = this.cutoff(now);
    const counts: RetentionCounts = { photos: 0, idNumbers: 0, unusedRegistrations: 0, inviteeIdNumbers: 0 };

    // visitors with past visits: photo and ID number
    for (;;) {
      const keys: string[] = [];
      const n = await ctx.db.transaction(async (tx) => {
        const batch = await repo.findPurgeCandidates(tx, cutoff, BATCH, true);
        await repo.purgeVisitors(tx, batch.map((c) => c.id), now);
        for (const c of batch) {
          if (c.photoKey) keys.push(c.photoKey);
          counts.photos += c.photoKey ? 1 : 0;
          counts.idNumbers += c.hasIdNumber ? 1 : 0;
        }
        for (const k of keys) await enqueuePhotoDeletion(ctx, tx, k);
        return batch.length;
      });
      for (const k of keys) await deletePhotoNow(ctx, k);
      if (n < BATCH) break;
    }
    // registrations never used
    for (;;) {
      const keys: string[] = [];
      const n = await ctx.db.transaction(async (tx) => {
        const batch = await repo.findUnusedRegistrations(tx, cutoff, BATCH, true);
        await repo.deleteVisitors(tx, batch.map((c) => c.id));
        for (const c of batch) if (c.photoKey) keys.push(c.photoKey);
        for (const k of keys) await enqueuePhotoDeletion(ctx, tx, k);
        counts.unusedRegistrations += batch.length;
        return batch.length;
      });
      for (const k of keys) await deletePhotoNow(ctx, k);
      if (n < BATCH) break;
    }
    // ID numbers typed on orders for companions and invitees
    for (;;) {
      const n = await ctx.db.transaction(async (tx) => {
        const batch = await repo.findInviteeIdOrders(tx, cutoff, BATCH, true);
        await repo.clearInviteeIdNumbers(tx, batch.map((c) => c.id));
        counts.inviteeIdNumbers += batch.length;
        return batch.length;
      });
      if (n < BATCH) break;
    }

    const result: RetentionRun = { at: now.toISOString(), trigger, days: this.days, cutoff: cutoff.toISOString(), counts };
    await ctx.db.transaction(async (tx) => {
      await tx
        .insert(settings)
        .values({ key: LAST_RUN_KEY, value: result, updatedAt: now })
        .onConflictDoUpdate({ target: settings.key, set: { value: result, updatedAt: now } });
      await audit(tx, actor, 'retention.run', { type: 'retention' }, { trigger, retentionDays: this.days, ...counts });
    });
    if (counts.photos + counts.idNumbers + counts.unusedRegistrations + counts.inviteeIdNumbers > 0) ctx.log.info({ retention: counts }, 'retention purge');
    return result;
  }

  private item(kind: 'purge' | 'unused', c: repo.PurgeCandidate | repo.UnusedCandidate): RetentionItem {
    return { kind, id: c.id, nameMasked: maskName(c.name), lastActivityAt: c.lastActivityAt.toISOString(), photo: Boolean(c.photoKey), idNumber: c.hasIdNumber };
  }
}

/** The daily job: run, then put tomorrow's in line (keyed by its day, so it is scheduled once). */
export function registerRetentionJob(ctx: AppContext, svc: RetentionService) {
  const key = (at: Date) => `${RETENTION_JOB}:${ctx.clock.dayOf(at)}`;
  ctx.queue.register(RETENTION_JOB, async () => {
    await svc.run({ type: 'system', id: RETENTION_JOB }, 'schedule');
    const next = svc.nextRunAt(new Date(ctx.clock.now().getTime() + 60_000));
    await ctx.queue.enqueue(ctx.db, { type: RETENTION_JOB, key: key(next), runAt: next, maxAttempts: 20 });
  });
}

/** At start: the next run (idempotent by its day's key). */
export async function scheduleRetention(ctx: AppContext, svc: RetentionService) {
  const next = svc.nextRunAt();
  await ctx.queue.enqueue(ctx.db, { type: RETENTION_JOB, key: `${RETENTION_JOB}:${ctx.clock.dayOf(next)}`, runAt: next, maxAttempts: 20 });
}
