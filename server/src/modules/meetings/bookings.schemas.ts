/** Request and response schemas of the bookings API (shapes: contracts/meetings.ts). */
import { z } from 'zod';
import { BOOKING_STATUSES, CELL_STATES } from '../../../../contracts/meetings.js';
import { isDay } from './bookings.rules.js';

const person = z.object({ id: z.string(), name: z.string() });
const day = z.string().refine(isDay, 'YYYY-MM-DD');
const page = { page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) };

export const idParam = z.object({ id: z.uuid() });
export const weekQuery = z.object({ from: day.optional() });
export const dayQuery = z.object({ date: day });
export const listQuery = z.object({ tab: z.enum(['upcoming', 'history', 'all']).default('upcoming'), status: z.enum(BOOKING_STATUSES).optional(), ...page });
export const reviewTabQuery = z.object({ tab: z.enum(['pending', 'done']).default('pending'), ...page });
export const staffSearchQuery = z.object({ q: z.string().trim().min(1).max(20) });

export const bookingBody = z.object({
  roomId: z.uuid(),
  title: z.string().trim().min(1).max(100),
  coBookerIds: z.array(z.uuid()).min(1).max(20),
  settlementUnitId: z.uuid(),
  seating: z.string().trim().min(1).max(20),
  headcount: z.number().int().min(1).max(10000),
  services: z.array(z.string().trim().min(1).max(20)).max(30).default([]),
  remark: z.string().trim().max(200).nullish(),
  startAt: z.iso.datetime({ offset: true }),
  endAt: z.iso.datetime({ offset: true }),
  idempotencyKey: z.string().min(8).max(100).optional(),
});
export const reviewBody = z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(200).nullish() });

const bookingRoom = z.object({
  id: z.string(),
  name: z.string(),
  buildingName: z.string().nullable(),
  floor: z.string().nullable(),
  location: z.string().nullable(),
  capacity: z.number(),
  seatingStyles: z.array(z.string()),
  services: z.array(z.string()),
  openFrom: z.number(),
  openTo: z.number(),
  slotMinutes: z.number(),
  reviewRequired: z.boolean(),
});

export const roomWeek = z
  .object({
    room: bookingRoom,
    today: z.string(),
    days: z.array(z.object({ date: z.string(), count: z.number(), taken: z.array(z.object({ startAt: z.string(), endAt: z.string(), fromMinute: z.number(), toMinute: z.number() })) })),
  })
  .describe('RoomWeek');
export const roomDay = z
  .object({
    room: bookingRoom,
    date: z.string(),
    cells: z.array(z.object({ startAt: z.string(), endAt: z.string(), state: z.enum(CELL_STATES), title: z.string().nullable(), mine: z.boolean(), bookingId: z.string().nullable() })),
  })
  .describe('RoomDay');

export const bookingCard = z
  .object({
    id: z.string(),
    room: z.object({ id: z.string(), name: z.string(), location: z.string().nullable() }),
    title: z.string(),
    applicant: person,
    coBookers: z.array(person),
    startAt: z.string(),
    endAt: z.string(),
    status: z.enum(BOOKING_STATUSES),
    headcount: z.number(),
    createdAt: z.string(),
    reviewedAt: z.string().nullable(),
    undertakenAt: z.string().nullable(),
    undertaker: person.nullable(),
  })
  .describe('BookingCard');
export const bookingDetail = bookingCard
  .extend({
    settlementUnit: z.object({ id: z.string(), name: z.string() }),
    seating: z.string(),
    services: z.array(z.string()),
    remark: z.string().nullable(),
    reviewer: person.nullable(),
    reviewComment: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    actions: z.object({ cancel: z.boolean(), invite: z.boolean(), review: z.boolean(), undertake: z.boolean() }),
  })
  .describe('BookingDetail');
export const bookingPage = z.object({ items: z.array(bookingCard), total: z.number() });
export const staffHits = z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), unitName: z.string(), departmentName: z.string().nullable(), phoneMasked: z.string() })) });
export const counts = z.object({ roomsPending: z.number(), undertakePending: z.number() });
