import type { AppContext } from '../../platform/context.js';
import { REMINDER_JOB, type BookingsService } from './bookings.service.js';

/**
 * 会议承接提醒 (SPEC S8): enqueued when a booking is approved, to run 5 minutes later; it calls each
 * undertaker (undertaking_reminder, a voice template by default) only if nobody has confirmed by then.
 */
export function registerBookingJobs(ctx: AppContext, svc: BookingsService) {
  ctx.queue.register(REMINDER_JOB, async (p: { bookingId: string }) => {
    if (await svc.remindUndertakers(p.bookingId)) ctx.log.info({ bookingId: p.bookingId }, 'undertaking reminder sent');
  });
}

const MINUTE = 60_000;
const expireKey = (at: number) => `bookings.expire:${Math.floor(at / MINUTE)}`;

/** Sweep every minute for bookings that ended while still 待审核 (same pattern as visits.expire). */
export function registerBookingExpiry(ctx: AppContext, svc: BookingsService) {
  ctx.queue.register('bookings.expire', async () => {
    const n = await svc.expireDue();
    if (n) ctx.log.info({ expired: n }, 'meeting bookings expired');
    const next = ctx.clock.now().getTime() + MINUTE;
    await ctx.queue.enqueue(ctx.db, { type: 'bookings.expire', key: expireKey(next), runAt: new Date(Math.floor(next / MINUTE) * MINUTE) });
  });
}

export async function scheduleBookingExpiry(ctx: AppContext) {
  await ctx.queue.enqueue(ctx.db, { type: 'bookings.expire', key: expireKey(ctx.clock.now().getTime()) });
}
