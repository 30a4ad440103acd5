import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './_columns.js';

/**
 * Webhook endpoints (X8): an integrator's URL, the events it subscribes to and its signing secret
 * (`whsec_…`, Standard Webhooks), kept encrypted with the field key like every other secret.
 */
// a handful of rows: the hook's lookup by event needs no index
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: id(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  /** event types (contracts/webhooks.ts WEBHOOK_EVENTS) */
  events: text('events').array().notNull(),
  secretEnc: text('secret_enc').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  /** 'gone' when the receiver answered 410 Gone; null otherwise */
  disabledReason: text('disabled_reason'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * One message to one endpoint and its attempts (the delivery log). `message_id` is the
 * webhook-id header: the same on every retry and on a redelivery, so a receiver can de-duplicate.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    messageId: text('message_id').notNull(),
    /** the body sent, byte for byte (JSON text, not jsonb: a retry or a redelivery signs and sends exactly the same body): { type, timestamp, data } */
    body: text('body').notNull(),
    /** pending | delivered | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** how many times an administrator asked for it again (each a new job key) */
    redeliveries: integer('redeliveries').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    responseExcerpt: text('response_excerpt'),
    createdAt: createdAt(),
    lastAttemptAt: tstz('last_attempt_at'),
    nextAttemptAt: tstz('next_attempt_at'),
    deliveredAt: tstz('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt),
    uniqueIndex('webhook_deliveries_message').on(t.endpointId, t.messageId),
    check('webhook_deliveries_status', sql`${t.status} in ('pending', 'delivered', 'failed')`),
  ],
);
