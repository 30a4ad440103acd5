import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { requireActor } from '../identity/session.js';
import { CANCEL_REASONS, ORDER_STATUSES } from '../../../../contracts/visits.js';
import { VEHICLE_STATUSES } from '../../../../contracts/vehicles.js';
import { MeetingInvitesService } from './invites.service.js';

const idParam = z.object({ id: z.string().uuid() });
const optText = (max: number) => z.string().trim().max(max).nullish();
const attendee = z
  .object({
    orderId: z.string(),
    type: z.enum(['internal', 'external']),
    name: z.string(),
    phoneMasked: z.string(),
    unitName: z.string().nullable(),
    status: z.enum(ORDER_STATUSES),
    cancelReason: z.enum(CANCEL_REASONS).nullable(),
    plate: z.string().nullable(),
    vehicleStatus: z.enum(VEHICLE_STATUSES),
    canReview: z.boolean(),
  })
  .describe('MeetingAttendee');
const summary = z.object({
  id: z.string(),
  title: z.string(),
  roomName: z.string(),
  location: z.string().nullable(),
  startAt: z.string(),
  endAt: z.string(),
  status: z.string(),
  applicantName: z.string(),
});
const page = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

/** 会议邀约 (S6), 我的会议 (S7), 会议邀约审核 (S8) — docs/api/meetings.md. */
export async function meetingInvitesRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new MeetingInvitesService(ctx);
  const tags = ['meetings'];

  r.post('/api/bookings/:id/invitations', {
    schema: {
      operationId: 'inviteToMeeting',
      tags,
      summary: '会议邀约 (S6): internal attendees are confirmed at once; external ones get an SMS link, register, submit and are reviewed by a booker',
      params: idParam,
      body: z.object({
        internal: z.array(z.string().uuid()).max(200).default([]),
        external: z.array(z.object({ name: z.string().trim().min(1).max(50), phone: z.string().trim().max(20) })).max(200).default([]),
        meetingType: optText(50),
        chair: optText(50),
        devices: optText(200),
        remark: optText(500),
      }),
      response: { 200: z.object({ added: z.number(), skipped: z.number(), attendees: z.array(attendee) }), ...errors(400, 401, 404, 409) },
    },
    handler: (req) => svc.invite(requireActor(req, 'staff'), req.params.id, req.body),
  });
  r.get('/api/bookings/:id/attendees', {
    schema: { operationId: 'listMeetingAttendees', tags, summary: '参会人员 of a meeting (bookers and invited staff)', params: idParam, response: { 200: z.object({ items: z.array(attendee) }), ...errors(400, 401, 404) } },
    handler: (req) => svc.attendees(requireActor(req, 'staff'), req.params.id),
  });
  r.get('/api/meetings', {
    schema: {
      operationId: 'listMyMeetings',
      tags,
      summary: '我的会议 (S7): meetings I am invited to',
      querystring: page.extend({ tab: z.enum(['upcoming', 'history']).default('upcoming') }),
      response: { 200: z.object({ items: z.array(summary.extend({ orderId: z.string(), myStatus: z.enum(ORDER_STATUSES) })), total: z.number() }), ...errors(400, 401) },
    },
    handler: (req) => svc.myMeetings(requireActor(req, 'staff'), req.query),
  });
  r.get('/api/meetings/approvals', {
    schema: {
      operationId: 'listMeetingApprovals',
      tags,
      summary: '会议邀约审核 (S8): my meetings with external attendees, progress and the attendees to review',
      querystring: page.extend({ tab: z.enum(['pending', 'done']).default('pending') }),
      response: {
        200: z.object({
          items: z.array(
            summary.extend({
              progress: z.object({ attendees: z.object({ done: z.number(), total: z.number() }), vehicles: z.object({ done: z.number(), total: z.number() }) }),
              pending: z.number(),
              attendees: z.array(attendee),
            }),
          ),
          total: z.number(),
        }),
        ...errors(400, 401),
      },
    },
    handler: (req) => svc.approvals(requireActor(req, 'staff'), req.query),
  });
  r.get('/api/meetings/:id', {
    schema: {
      operationId: 'getMeeting',
      tags,
      summary: 'One meeting as its bookers and invited staff see it',
      params: idParam,
      response: {
        200: summary.extend({
          coBookerNames: z.array(z.string()),
          meetingType: z.string().nullable(),
          chair: z.string().nullable(),
          devices: z.string().nullable(),
          remark: z.string().nullable(),
          myStatus: z.enum(ORDER_STATUSES).nullable(),
          isBooker: z.boolean(),
          canInvite: z.boolean(),
          attendees: z.array(attendee),
        }),
        ...errors(400, 401, 404),
      },
    },
    handler: (req) => svc.meeting(requireActor(req, 'staff'), req.params.id),
  });
}
