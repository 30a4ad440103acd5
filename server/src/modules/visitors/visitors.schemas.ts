/** Request and response schemas of the visitors module, each with its inferred type. */
import { z } from 'zod';
import { ID_TYPES } from '../../../../contracts/identity.js';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((v) => (v ? v : null));

/** 我的信息 (V2 注册, V5 修改注册信息). The phone is the login identity and is not edited here. */
export const visitorInfoBody = z.object({
  name: z.string().trim().min(1).max(50).describe('姓名'),
  idType: z.enum(ID_TYPES).default('prc_id').describe('证件类型'),
  idNumber: z.string().trim().min(1).max(40).describe('证件号码; prc_id is checked with its GB 11643 check digit'),
  company: optionalText(100).describe('单位 (the visitor’s own employer)'),
  position: optionalText(50).describe('职务'),
  photoUploadId: z.uuid().nullish().describe('from POST /api/visitor/photos in this session'),
});
export type VisitorInfoInput = z.infer<typeof visitorInfoBody>;

/** 注册 (V2): 我的信息 and the 用户协议/隐私政策 version agreed to (checked by the service: TERMS_REQUIRED). */
export const registerBody = visitorInfoBody.extend({
  termsVersion: z
    .string()
    .max(100)
    .nullish()
    .describe('the 用户协议/隐私政策 version the visitor agreed to; must equal the current one (contracts/consent.ts TERMS_VERSION), else 400 TERMS_REQUIRED'),
});
export type RegisterInput = z.infer<typeof registerBody>;

export const myVisitorInfo = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  idType: z.enum(ID_TYPES),
  /** the owner's own number, in full */
  idNumber: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  company: z.string().nullable(),
  position: z.string().nullable(),
  hasPhoto: z.boolean(),
  faceConsent: z.object({ version: z.string(), grantedAt: z.string() }).nullable(),
  /** the 用户协议/隐私政策 version agreed to (null for visitors registered at the desk or by a companion) */
  termsConsent: z.object({ version: z.string(), grantedAt: z.string() }).nullable(),
  updatedAt: z.string(),
});
export type MyVisitorInfo = z.infer<typeof myVisitorInfo>;

/** POST /api/visitor/photos, as multipart/form-data */
export const photoForm = z.object({
  photo: z.string().meta({ format: 'binary' }).describe('the image file: JPEG, PNG or WebP, at most 5 MB'),
  consentVersion: z.string().describe('the face consent version the visitor agreed to; must equal the current one (contracts/consent.ts)'),
});
export const uploadResult = z.object({ uploadId: z.string() });

export const unitList = z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) });
export const unitInstructions = z.object({ unitId: z.string(), unitName: z.string(), instructions: z.string() });
export const instructionsList = z.object({ items: z.array(unitInstructions) });
