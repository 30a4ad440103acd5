import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { RoomCalendarService } from './room-calendar.service.js';
import { BookingsService } from './bookings.service.js';
import { registerBookingExpiry, registerBookingJobs, scheduleBookingExpiry } from './bookings.jobs.js';
import * as s from './bookings.schemas.js';

/** S4 会议预订, S5 我的预订, S8 会议室审核 / 会议承接确认 (staff session). */
export async function bookingsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new BookingsService(ctx);
  const calendar = new RoomCalendarService(ctx);
  registerBookingJobs(ctx, svc);
  registerBookingExpiry(ctx, svc);
  app.addHook('onReady', () => scheduleBookingExpiry(ctx));
  const tags = ['bookings'];
  const staff = (req: Parameters<typeof requireActor>[0]) => requireActor(req, 'staff');

  r.get('/api/rooms/:id/week', {
    schema: { operationId: 'getRoomWeek', tags, summary: '会议预订 week strip: 7 days from `from` (default today, center zone) with bookings count and taken time', params: s.idParam, querystring: s.weekQuery, response: { 200: s.roomWeek, ...errors(400, 401, 404) } },
    handler: (req) => calendar.week(staff(req), req.params.id, req.query.from),
  });
  r.get('/api/rooms/:id/day', {
    schema: { operationId: 'getRoomDay', tags, summary: '会议预订 day page: one cell per slot (past / taken / free); taken cells show the title only', params: s.idParam, querystring: s.dayQuery, response: { 200: s.roomDay, ...errors(400, 401, 404) } },
    handler: (req) => calendar.day(staff(req), req.params.id, req.query.date),
  });

  r.get('/api/bookings/staff-search', {
    schema: { operationId: 'searchBookingStaff', tags, summary: '协同订会人员 picker: staff of the center by name or phone', querystring: s.staffSearchQuery, response: { 200: s.staffHits, ...errors(400, 401) } },
    handler: (req) => calendar.staffSearch(staff(req), req.query.q),
  });
  r.post('/api/bookings', {
    schema: { operationId: 'createBooking', tags, summary: '会议预订 submit: pending when the room needs review, else approved; an overlap is BOOKING_CONFLICT', body: s.bookingBody, response: { 201: s.bookingDetail, ...errors(400, 401, 404, 409) } },
    handler: async (req, reply) => reply.status(201).send(await svc.create(staff(req), req.body)),
  });
  r.get('/api/bookings', {
    schema: { operationId: 'listMyBookings', tags, summary: '我的预订: bookings where I am the applicant or a co-booker', querystring: s.listQuery, response: { 200: s.bookingPage, ...errors(400, 401) } },
    handler: (req) => svc.listMine(staff(req), req.query),
  });
  r.get('/api/bookings/approvals', {
    schema: { operationId: 'listRoomApprovals', tags: ['approvals'], summary: '会议室审核: 待审核 / 已审核 for rooms I approve', querystring: s.reviewTabQuery, response: { 200: s.bookingPage, ...errors(400, 401) } },
    handler: (req) => svc.listApprovals(staff(req), req.query.tab, req.query.page, req.query.pageSize),
  });
  r.get('/api/bookings/approvals/counts', {
    schema: { operationId: 'getBookingApprovalCounts', tags: ['approvals'], summary: '审批中心 badges for 会议室审核 and 会议承接确认', response: { 200: s.counts, ...errors(401) } },
    handler: (req) => svc.counts(staff(req)),
  });
  r.get('/api/bookings/undertakings', {
    schema: { operationId: 'listUndertakings', tags: ['approvals'], summary: '会议承接确认: 待确认 / 已确认 for rooms I undertake', querystring: s.reviewTabQuery, response: { 200: s.bookingPage, ...errors(400, 401) } },
    handler: (req) => svc.listUndertakings(staff(req), req.query.tab, req.query.page, req.query.pageSize),
  });
  r.get('/api/bookings/:id', {
    schema: { operationId: 'getBooking', tags, summary: 'Booking detail (applicant, co-bookers, the room’s approvers and undertakers)', params: s.idParam, response: { 200: s.bookingDetail, ...errors(400, 401, 404) } },
    handler: (req) => svc.get(staff(req), req.params.id),
  });
  r.post('/api/bookings/:id/cancel', {
    schema: { operationId: 'cancelBooking', tags, summary: '取消预订 before the start; the meeting’s attendee orders are cancelled with it', params: s.idParam, response: { 200: s.bookingDetail, ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.cancel(staff(req), req.params.id),
  });
  r.post('/api/bookings/:id/review', {
    schema: { operationId: 'reviewBooking', tags: ['approvals'], summary: '会议室审核: 审核通过 / 审核不通过 by the room’s approvers', params: s.idParam, body: s.reviewBody, response: { 200: s.bookingDetail, ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.review(staff(req), req.params.id, req.body.decision, req.body.comment),
  });
  r.post('/api/bookings/:id/undertake', {
    schema: { operationId: 'undertakeBooking', tags: ['approvals'], summary: '会议承接确认: 确认承接 by one of the room’s undertakers', params: s.idParam, response: { 200: s.bookingDetail, ...errors(400, 401, 404, 409) } },
    handler: (req) => svc.undertake(staff(req), req.params.id),
  });
}
