import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';

/** The visitor library (访客库). ID numbers are encrypted; found by blind index. */
export const visitors = pgTable(
  'visitors',
  {
    id: id(),
    phone: text('phone').notNull(),
    name: text('name').notNull(),
    idType: text('id_type').notNull().default('prc_id'),
    idNumberEnc: text('id_number_enc'),
    idNumberIdx: text('id_number_idx'),
    company: text('company'),
    position: text('position'),
    /** key in private storage; only set while a face consent is in force */
    photoKey: text('photo_key'),
    blocked: boolean('blocked').notNull().default(false),
    blockedReason: text('blocked_reason'),
    /** unit whose 办理须知 the visitor saw, if any */
    registeredVia: text('registered_via').notNull().default('self'),
    lastVisitAt: tstz('last_visit_at'),
    /** WeChat Official Account openid, bound after the visitor's first SMS login from WeChat */
    wechatOpenId: text('wechat_open_id'),
    /**
     * 注销 (the visitor deleted their account): name, phone and every personal field were replaced by
     * a tombstone; the row stays so that past orders keep their (anonymous) visitor
     */
    deletedAt: tstz('deleted_at'),
    /** when the retention purge (X5) last removed the photo and ID number */
    purgedAt: tstz('purged_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('visitors_phone').on(t.phone),
    uniqueIndex('visitors_wechat_open_id').on(t.wechatOpenId).where(sql`${t.wechatOpenId} is not null`),
    index('visitors_id_number_idx').on(t.idNumberIdx),
    // a deleted account's phone is a tombstone ('deleted:<id>'), so the phone can register afresh
    check('visitors_phone_format', sql`${t.phone} ~ '^1[0-9]{10}$' or ${t.deletedAt} is not null`),
  ],
);

/** Consents (X5): what was agreed, which text version, when; withdrawn_at when taken back. */
export const consents = pgTable(
  'consents',
  {
    id: id(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    kind: text('kind').notNull(),
    textVersion: text('text_version').notNull(),
    grantedAt: tstz('granted_at').notNull(),
    withdrawnAt: tstz('withdrawn_at'),
    createdAt: createdAt(),
  },
  (t) => [index('consents_subject').on(t.subjectType, t.subjectId, t.kind)],
);

/**
 * A photo uploaded before the record it belongs to exists (registration). It is stored only
 * after the uploader agreed to face processing; the consent travels with it.
 */
export const photoUploads = pgTable('photo_uploads', {
  id: id(),
  sessionId: uuid('session_id').notNull(),
  storageKey: text('storage_key').notNull(),
  consentVersion: text('consent_version').notNull(),
  consentAt: tstz('consent_at').notNull(),
  createdAt: createdAt(),
  usedAt: tstz('used_at'),
});
