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
