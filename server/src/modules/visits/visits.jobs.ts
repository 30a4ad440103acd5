import type { AppContext } from '../../platform/context.js';
import type { VisitsService } from './visits.service.js';
import type { OnSiteService } from './on-site.service.js';
import { FOLD_EVERY_MINUTES, foldCounts } from './visits.counts.js';

const MINUTE = 60_000;
const key = (type: string, at: number) => `${type}:${Math.floor(at / MINUTE)}`;

/**
 * Minute sweeps: expiry (visits.expire) and who is on site (visits.on_site: overstay notices and the
 * automatic check-out; every fifth minute 首页's counts folded). Each job re-enqueues its successor with a key
 * bucketed by minute, so any number of processes schedule it without doubling up.
 */
export function registerVisitJobs(ctx: AppContext, svc: VisitsService, onSite: OnSiteService) {
  const every = (type: string, run: () => Promise<void>) =>
    ctx.queue.register(type, async () => {
      await run();
      const next = ctx.clock.now().getTime() + MINUTE;
      await ctx.queue.enqueue(ctx.db, { type, key: key(type, next), runAt: new Date(Math.floor(next / MINUTE) * MINUTE) });
    });
  every('visits.expire', async () => {
    const n = await svc.expireDue();
    if (n) ctx.log.info({ expired: n }, 'visit orders expired');
  });
  every('visits.on_site', async () => {
    const r = await onSite.sweep();
    if (r.overstay || r.autoLeft) ctx.log.info(r, 'on-site sweep');
    // 首页's kept counts, every fifth minute: the rows appended since summed, one per key (visits.counts.ts)
    if (Math.floor(ctx.clock.now().getTime() / MINUTE) % FOLD_EVERY_MINUTES === 0) await foldCounts(ctx);
  });
}

export async function scheduleExpiry(ctx: AppContext) {
  const now = ctx.clock.now().getTime();
  await ctx.queue.enqueue(ctx.db, { type: 'visits.expire', key: key('visits.expire', now) });
  await ctx.queue.enqueue(ctx.db, { type: 'visits.on_site', key: key('visits.on_site', now) });
}
