import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uuid, bigint, primaryKey } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz } from './_columns.js';
import { units } from './org.js';

/**
 * Administrators (A10): 系统管理员 (role system: every unit, devices and system pages) or 单位管理员
 * (role unit: one unit's data only, unit_id). Optional second factor: a TOTP secret (encrypted with
 * the app crypto) enabled at totp_enabled_at, the last time step used (a code is accepted once), and
 * single-use recovery codes in admin_recovery_codes.
 */
export const admins = pgTable(
  'admins',
  {
    id: id(),
    username: text('username').notNull().unique(),
    name: text('name').notNull().default('系统管理员'),
    passwordHash: text('password_hash').notNull(),
    role: text('role').$type<'system' | 'unit'>().notNull().default('system'),
    unitId: uuid('unit_id').references(() => units.id),
    failedCount: integer('failed_count').notNull().default(0),
    lockedUntil: tstz('locked_until'),
    lastLoginAt: tstz('last_login_at'),
    disabledAt: tstz('disabled_at'),
    totpSecretEnc: text('totp_secret_enc'),
    totpEnabledAt: tstz('totp_enabled_at'),
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('admins_role', sql`${t.role} in ('system', 'unit')`),
    check('admins_unit_role', sql`(${t.role} = 'unit') = (${t.unitId} is not null)`),
  ],
);

/** An administrator's recovery codes (only a hash), each usable once. */
export const adminRecoveryCodes = pgTable(
  'admin_recovery_codes',
  {
    id: id(),
    adminId: uuid('admin_id')
      .notNull()
      .references(() => admins.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('admin_recovery_codes_admin').on(t.adminId)],
);

/** Server-side sessions; the cookie carries a random token whose hash is stored here. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    tokenHash: text('token_hash').notNull().unique(),
    /** visitor | staff | admin | kiosk | phone (a verified phone not yet registered) */
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    lastSeenAt: tstz('last_seen_at'),
    userAgent: text('user_agent'),
  },
  // sessions_expires: the hourly sweep of ended sessions (identity/session-sweep.ts) reads it
  (t) => [index('sessions_subject').on(t.subjectType, t.subjectId), index('sessions_expires').on(t.expiresAt)],
);

/** SMS verification codes: only a hash is stored; single use, bound to phone and purpose. */
export const smsCodes = pgTable(
  'sms_codes',
  {
    id: id(),
    phone: text('phone').notNull(),
    purpose: text('purpose').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: tstz('expires_at').notNull(),
    consumedAt: tstz('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('sms_codes_phone_purpose').on(t.phone, t.purpose, t.createdAt)],
);

/** Fixed-window counters shared by every process (used when REDIS_URL is not set). */
export const rateCounters = pgTable(
  'rate_counters',
  {
    key: text('key').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull().default(0),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * Every SMS and voice call the system sends; the development outbox is this table (admin
 * "短信发件箱"). `channel` is sms or voice (a phone call reading `content` out, docs/decisions/0009).
 */
export const smsMessages = pgTable(
  'sms_messages',
  {
    id: id(),
    channel: text('channel').$type<'sms' | 'voice' | 'wecom'>().notNull().default('sms'),
    phone: text('phone').notNull(),
    /** what kind of message: login_code, invitation, ... */
    template: text('template').notNull(),
    content: text('content').notNull(),
    provider: text('provider').notNull(),
    status: text('status').notNull().default('queued'),
    providerRef: text('provider_ref'),
    error: text('error'),
    createdAt: createdAt(),
    sentAt: tstz('sent_at'),
  },
  (t) => [index('sms_messages_created').on(t.createdAt)],
);

/** Lobby kiosks (访客机) paired by a device token issued in admin. */
export const kioskDevices = pgTable('kiosk_devices', {
  id: id(),
  name: text('name').notNull(),
  location: text('location'),
  buildingId: uuid('building_id'),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  pairedAt: tstz('paired_at'),
  lastSeenAt: tstz('last_seen_at'),
  revokedAt: tstz('revoked_at'),
});

export const oauthStates = pgTable('oauth_states', {
  state: text('state').primaryKey(),
  provider: text('provider').notNull(),
  returnTo: text('return_to').notNull().default('/'),
  expiresAt: tstz('expires_at').notNull(),
});

