import type { AppContext } from '../../platform/context.js';
import type { VisitsService } from './visits.service.js';

const MINUTE = 60_000;
const key = (at: number) => `visits.expire:${Math.floor(at / MINUTE)}`;

/**
 * Expiry sweep every minute. The job re-enqueues its successor with a key bucketed by minute, so
 * any number of processes schedule it without doubling up.
 */
export function registerVisitJobs(ctx: AppContext, svc: VisitsService) {
  ctx.queue.register('visits.expire', async () => {
    const n = await svc.expireDue();
    if (n) ctx.log.info({ expired: n }, 'visit orders expired');
    const next = ctx.clock.now().getTime() + MINUTE;
    await ctx.queue.enqueue(ctx.db, { type: 'visits.expire', key: key(next), runAt: new Date(Math.floor(next / MINUTE) * MINUTE) });
  });
}

export async function scheduleExpiry(ctx: AppContext) {
  await ctx.queue.enqueue(ctx.db, { type: 'visits.expire', key: key(ctx.clock.now().getTime()) });
}
