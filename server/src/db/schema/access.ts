import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, uniqueIndex, uuid, bigserial, jsonb } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';
import { visitOrders } from './visits.js';

/**
 * Access devices (A7): gates, doors and barriers, each spoken to through an adapter
 * (simulator | hikvision_isapi | mqtt). `building_ids` are the areas the device guards.
 */
export const accessDevices = pgTable('access_devices', {
  id: id(),
  name: text('name').notNull(),
  /** gate | door | barrier */
  kind: text('kind').notNull().default('gate'),
  /** simulator | hikvision_isapi | mqtt */
  adapter: text('adapter').notNull(),
  /** base URL (ISAPI), terminal id / topic root (MQTT), free text (simulator) */
  address: text('address').notNull().default(''),
  username: text('username'),
  /** encrypted at rest (platform crypto) */
  passwordEnc: text('password_enc'),
  buildingIds: uuid('building_ids').array().notNull().default(sql`'{}'::uuid[]`),
  /** the direction of passage this device reports: in | out | both */
  direction: text('direction').notNull().default('in'),
  enabled: boolean('enabled').notNull().default(true),
  /** ok | unreachable | unknown */
  health: text('health').notNull().default('unknown'),
  healthDetail: text('health_detail'),
  lastSeenAt: tstz('last_seen_at'),
  /** S3 远程开门: staff may open it from the staff app — those of open_unit_ids, with one of open_roles, or open_staff_ids */
  remoteOpen: boolean('remote_open').notNull().default(false),
  /** the door (relay) a remote opening opens: ISAPI RemoteControl/door/<n>, the MQTT command's door */
  doorNo: integer('door_no').notNull().default(1),
  openUnitIds: uuid('open_unit_ids').array().notNull().default(sql`'{}'::uuid[]`),
  openRoles: text('open_roles').array().notNull().default(sql`'{}'::text[]`),
  openStaffIds: uuid('open_staff_ids').array().notNull().default(sql`'{}'::uuid[]`),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * What each device should hold and holds for each order (X4). Desired state is computed from the
 * order (confirmed/arrived and inside its window); the issuance job brings the device in line.
 */
export const accessCredentials = pgTable(
  'access_credentials',
  {
    id: id(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => visitOrders.id),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => accessDevices.id),
    /** face | id_card | qr — what was pushed (face only with a photo and consent) */
    kinds: text('kinds').array().notNull().default(sql`'{}'::text[]`),
    /** issued | removed | failed */
    status: text('status').notNull(),
    lastError: text('last_error'),
    /** when it was last pushed (the device took it) */
    issuedAt: tstz('issued_at'),
    removedAt: tstz('removed_at'),
    /**
     * a keyed hash (HMAC) of what was last pushed — name, window, ID number, photo, kinds, plate —
     * while issued: a sync that would push the same again does not call the device
     */
    pushHash: text('push_hash'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('access_credentials_order_device').on(t.orderId, t.deviceId), index('access_credentials_device').on(t.deviceId, t.status)],
);

/** Pass events reported by devices (gate, door, barrier); a pass by an order's holder marks it 已到达. */
export const accessEvents = pgTable(
  'access_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    deviceId: uuid('device_id').references(() => accessDevices.id),
    at: tstz('at').notNull(),
    /** face | id_card | qr | remote */
    method: text('method').notNull(),
    /** in | out */
    direction: text('direction').notNull().default('in'),
    orderId: uuid('order_id'),
    /** granted | denied | anomaly (the device let through a pass the server refuses) */
    result: text('result').notNull(),
    detail: jsonb('detail'),
    /** the time the device reported; `at` is the server's */
    deviceAt: tstz('device_at'),
    /** a replayed report (same device, person, device time) is recorded once */
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
  },
  (t) => [
    index('access_events_at').on(t.at),
    index('access_events_order').on(t.orderId),
    uniqueIndex('access_events_dedupe').on(t.deviceId, t.dedupeKey).where(sql`${t.dedupeKey} is not null`),
  ],
);

/**
 * Security alerts (A2, X4): a blocklisted person at a gate or the kiosk, a device that let through
 * a pass the server refuses. Open until an administrator marks one 已处理.
 */
export const securityAlerts = pgTable(
  'security_alerts',
  {
    id: id(),
    /** blocked_visitor | pass_anomaly */
    kind: text('kind').notNull(),
    /** gate | kiosk */
    source: text('source').notNull(),
    at: tstz('at').notNull(),
    deviceId: uuid('device_id'),
    /** kept so that the alert still says where after the device is deleted */
    deviceName: text('device_name'),
    orderId: uuid('order_id'),
    visitorId: uuid('visitor_id'),
    /** the pass record (access_events.seq) that raised it */
    eventSeq: bigint('event_seq', { mode: 'number' }),
    reason: text('reason'),
    handledAt: tstz('handled_at'),
    handledBy: uuid('handled_by'),
    comment: text('comment'),
    createdAt: createdAt(),
  },
  (t) => [index('security_alerts_open').on(t.at).where(sql`${t.handledAt} is null`), index('security_alerts_at').on(t.at)],
);
