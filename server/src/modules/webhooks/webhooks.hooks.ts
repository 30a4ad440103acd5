/**
 * The one door into webhooks for other modules (X8): visits, meetings and alerts call
 * `emitWebhookEvent` inside the transaction of the write that is the event. It finds the enabled
 * endpoints subscribed to the type and, only if there are any, builds the data (`data` is a
 * function, so an event nobody listens to costs one small query) and enqueues one delivery per
 * endpoint. This file imports nothing of the calling modules, so there is no import cycle; the
 * callers shape their own data (docs/api/webhooks.md lists each event's).
 */
import { and, eq, sql } from 'drizzle-orm';
import { webhookEndpoints } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { hotQuery, param } from '../../platform/hot-query.js';
import type { WebhookEvent } from '../../../../contracts/webhooks.js';
import { enqueueDelivery, newMessageId } from './webhooks.delivery.js';

export type WebhookData = Record<string, unknown>;

/** The enabled endpoints subscribed to an event (every order move asks: prepared). */
const selectSubscribers = hotQuery<{ type: WebhookEvent }, Array<{ id: string }>>('sg_webhook_subscribers', (db) =>
  db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.enabled, true), sql`${param('type')}::text = any(${webhookEndpoints.events})`)),
);

export async function emitWebhookEvent(ctx: AppContext, tx: Tx, type: WebhookEvent, data: () => WebhookData | Promise<WebhookData>): Promise<void> {
  const endpoints = await selectSubscribers(tx, { type });
  if (endpoints.length === 0) return;
  const payload = { type, timestamp: ctx.clock.now().toISOString(), data: await data() };
  // one message, one webhook-id: every endpoint gets the same id for the same event
  const messageId = newMessageId();
  for (const e of endpoints) await enqueueDelivery(ctx, tx, e.id, messageId, payload);
}
