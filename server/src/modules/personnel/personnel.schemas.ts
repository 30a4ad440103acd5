/** Zod schemas of the personnel routes (contracts/personnel.ts), for validation and the OpenAPI document. */
import { z } from 'zod';
import { ID_TYPES } from '../../../../contracts/identity.js';
import { PERSONNEL_REQUEST_KINDS, PERSONNEL_REQUEST_STATUSES } from '../../../../contracts/personnel.js';
import { AppError } from '../../platform/errors.js';

export const idParam = z.object({ id: z.uuid() });

export const infoChangeInput = z.object({
  name: z.string().max(50).optional(),
  phone: z.string().max(20).optional(),
  phoneCode: z.string().max(10).optional().describe('the SMS code sent to the new phone (POST /api/staff/me/phone-code); required when the phone changes'),
  idType: z.enum(ID_TYPES).optional(),
  idNumber: z.string().max(40).optional(),
  employeeNo: z.string().max(50).nullable().optional().describe('工号; null or empty clears it'),
});

export const proxyRegistrationInput = z.object({
  name: z.string().max(50),
  phone: z.string().max(20),
  idType: z.enum(ID_TYPES).optional(),
  idNumber: z.string().max(40).nullable().optional(),
  unitId: z.uuid(),
  departmentId: z.uuid().nullable().optional(),
  employeeNo: z.string().max(50).nullable().optional(),
});

/** The `data` field of a multipart submission: JSON of the input. */
export function parseData<T extends z.ZodType>(schema: T, raw: string | undefined): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    throw new AppError('VALIDATION_FAILED', { field: 'data', reason: 'the field `data` must be JSON' });
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new AppError('VALIDATION_FAILED', { field: 'data', issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}

/** The multipart form, for the OpenAPI document; the parts are read by readPhotoForm. */
export const submissionForm = (input: z.ZodType) =>
  z.object({
    data: z.string().describe(`JSON: ${JSON.stringify(z.toJSONSchema(input))}`),
    photo: z.string().meta({ format: 'binary' }).optional().describe('optional face photo: JPEG, PNG or WebP, at most 5 MB'),
    consentConfirmed: z.literal('true').optional().describe('required with a photo: the person agreed to face processing for gate access (recorded as their consent on approval)'),
  });

const values = z.object({
  name: z.string().nullable(),
  phone: z.string().nullable(),
  idType: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  employeeNo: z.string().nullable(),
  unitName: z.string().nullable(),
  departmentName: z.string().nullable(),
  hasPhoto: z.boolean(),
});

export const requestView = z.object({
  id: z.string(),
  kind: z.enum(PERSONNEL_REQUEST_KINDS),
  status: z.enum(PERSONNEL_REQUEST_STATUSES),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
  applicant: z.object({ id: z.string(), name: z.string(), unitName: z.string(), departmentName: z.string().nullable() }),
  reviewer: z.object({ id: z.string(), name: z.string() }).nullable(),
  unitId: z.string(),
  unitName: z.string(),
  proposed: values,
  current: values.nullable(),
  createdStaffId: z.string().nullable(),
  canReview: z.boolean(),
  canWithdraw: z.boolean(),
});

export const requestPage = z.object({ items: z.array(requestView), total: z.number() });
export const infoChangeState = z.object({ current: values, latest: requestView.nullable() });
export const pageQuery = { page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) };
export const reviewBody = z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(500).nullable().optional() });
export const orgTree = z.object({ units: z.array(z.object({ id: z.string(), name: z.string(), departments: z.array(z.object({ id: z.string(), name: z.string() })) })) });
