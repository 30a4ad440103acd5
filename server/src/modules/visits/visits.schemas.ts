import { z } from 'zod';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { ARRIVAL_VIAS, LEAVE_VIAS } from '../../../../contracts/lobby.js';
import { VEHICLE_STATUSES, isValidPlate, normalisePlate } from '../../../../contracts/vehicles.js';
import { CANCEL_REASONS, ORDER_KINDS, ORDER_STATUSES, SUB_ORIGINS } from '../../../../contracts/visits.js';

const status = z.enum(ORDER_STATUSES);
const lstr = z.object({ 'zh-CN': z.string(), en: z.string() });
const phone = z.string().max(20);
const text = (max: number) => z.string().trim().min(1).max(max);
const optText = (max: number) => z.string().trim().max(max).nullish();
/** a PRC plate (contracts/vehicles.ts), stored normalised; empty → none */
const plate = z
  .string()
  .max(20)
  .transform((v) => normalisePlate(v))
  .refine((v) => v === '' || isValidPlate(v), { message: 'PLATE_INVALID' })
  .transform((v) => v || null)
  .nullish();

/** Arrival and leave (contracts/lobby.ts Presence). */
export const presence = z
  .object({
    arrivedAt: z.string().nullable(),
    arrivedVia: z.enum(ARRIVAL_VIAS).nullable(),
    arrivedWhere: z.string().nullable(),
    leftAt: z.string().nullable(),
    leftVia: z.enum(LEAVE_VIAS).nullable(),
    leftWhere: z.string().nullable(),
    overstayMinutes: z.number().nullable(),
  })
  .describe('Presence');

export const meetingInfo = z
  .object({ id: z.string(), title: z.string(), roomName: z.string(), location: z.string().nullable(), internal: z.boolean() })
  .describe('MeetingInfo');

export const orderCard = z
  .object({
    id: z.string(),
    kind: z.enum(ORDER_KINDS),
    origin: z.enum(SUB_ORIGINS).nullable(),
    parentId: z.string().nullable(),
    status,
    cancelReason: z.enum(CANCEL_REASONS).nullable(),
    host: z.object({ id: z.string(), name: z.string(), unitName: z.string(), departmentName: z.string().nullable() }),
    visitor: z.object({ name: z.string().nullable(), phoneMasked: z.string() }),
    startAt: z.string(),
    endAt: z.string(),
    reason: z.string(),
    remark: z.string().nullable(),
    plate: z.string().nullable(),
    vehicle: z
      .object({ plate: z.string().nullable(), status: z.enum(VEHICLE_STATUSES), comment: z.string().nullable(), reviewedAt: z.string().nullable(), inAt: z.string().nullable(), outAt: z.string().nullable() })
      .describe('OrderVehicle'),
    companions: z.array(
      z.object({ id: z.string(), origin: z.enum(SUB_ORIGINS), name: z.string().nullable(), phoneMasked: z.string(), status, cancelReason: z.enum(CANCEL_REASONS).nullable() }),
    ),
    forwardedBy: z.string().nullable(),
    submittedAt: z.string().nullable(),
    createdAt: z.string(),
    companionLimit: z.number().nullable(),
    reviewRequired: z.boolean(),
    meeting: meetingInfo.nullable(),
    actions: z.object({ cancel: z.boolean(), addCompanions: z.boolean(), helpFill: z.boolean(), forward: z.boolean(), review: z.boolean() }),
  })
  .describe('OrderCard');

export const orderDetail = orderCard
  .extend({
    trail: z.array(
      z.object({
        at: z.string(),
        actorName: z.string(),
        actorRole: z.string(),
        action: z.string(),
        fromStatus: status.nullable(),
        toStatus: status,
        reason: z.string().nullable(),
        comment: z.string().nullable(),
        label: lstr,
      }),
    ),
    chain: z.array(z.object({ position: z.number(), name: z.string(), status: z.string() })),
    parent: z.object({ id: z.string(), visitorName: z.string().nullable() }).nullable(),
    appointmentCodeAvailable: z.boolean(),
    presence,
  })
  .describe('OrderDetail');

export const orderPage = z.object({ items: z.array(orderCard), total: z.number() });

export const listQuery = z.object({
  scope: z.enum(['recent', 'history']).default('recent'),
  status: z.enum(['all', ...ORDER_STATUSES]).default('all'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const idParam = z.object({ id: z.string().uuid() });
export const tokenParam = z.object({ token: z.string().min(10).max(2000) });

export const appointmentBody = z.object({
  hostPhone: phone,
  reason: text(200),
  remark: optText(500),
  startAt: z.string().datetime({ offset: true }),
  endAt: z.string().datetime({ offset: true }),
  plate,
  companionPhones: z.array(phone).max(50).default([]),
  idempotencyKey: z.string().min(8).max(100).optional(),
});

export const invitationBody = z.object({
  visitorPhone: phone,
  name: optText(50),
  idType: z.enum(ID_TYPES).nullish(),
  idNumber: z.string().trim().max(30).nullish(),
  company: optText(100),
  position: optText(50),
  reason: text(200),
  remark: optText(500),
  startAt: z.string().datetime({ offset: true }),
  endAt: z.string().datetime({ offset: true }),
  reviewRequired: z.boolean(),
  companionLimit: z.number().int().min(0).max(50),
  companionPhones: z.array(phone).max(50).default([]),
  plate,
  idempotencyKey: z.string().min(8).max(100).optional(),
});

export const helpFillBody = z.object({
  name: text(50),
  phone,
  idType: z.enum(ID_TYPES).default('prc_id'),
  idNumber: text(30),
  company: optText(100),
  position: optText(50),
  plate,
});

export const reviewBody = z.object({ decision: z.enum(['approve', 'reject']), comment: optText(500) });
export const commentBody = z.object({ comment: optText(500) }).default({});
export const companionsBody = z.object({ phones: z.array(phone).min(1).max(50) });
export const plateBody = z.object({ plate }).default({});
