/**
 * Sending webhook messages (X8): a delivery row per endpoint and message, enqueued in the
 * caller's transaction (so a message exists iff the event's write committed), and the job that
 * POSTs it, signed the Standard Webhooks way with the `standardwebhooks` library — headers
 * webhook-id, webhook-timestamp (seconds) and webhook-signature (`v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`). Failures are retried by the job queue with its exponential backoff
 * (5 s · 2^(n-1), capped at 1 h) up to WEBHOOK_MAX_ATTEMPTS; 410 Gone disables the endpoint.
 * Nothing here logs a URL, a secret or a body.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { Webhook } from 'standardwebhooks';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { backoffMs } from '../../platform/queue.js';
import type { WebhookEventType } from '../../../../contracts/webhooks.js';
import { EXCERPT_MAX, outcomeOf } from './webhooks.rules.js';

export const DELIVER_JOB = 'webhooks.deliver';

export interface WebhookPayload {
  type: WebhookEventType;
  /** when the event happened (ISO 8601) */
  timestamp: string;
  data: Record<string, unknown>;
}

/** `msg_` and 32 hex digits of a UUIDv7 (time-ordered, unique). */
export function newMessageId(): string {
  return `msg_${uuidv7().replace(/-/g, '')}`;
}

/** `whsec_` and 32 random bytes in base64, the Standard Webhooks secret format. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function jobKey(deliveryId: string, round: number) {
  return `${DELIVER_JOB}:${deliveryId}:${round}`;
}

/** A delivery of `payload` to one endpoint, and its job, in the caller's transaction. Returns its id. */
export async function enqueueDelivery(ctx: AppContext, tx: Tx, endpointId: string, messageId: string, payload: WebhookPayload): Promise<string> {
  const now = ctx.clock.now();
  const [d] = await tx
    .insert(webhookDeliveries)
    .values({ endpointId, eventType: payload.type, messageId, body: JSON.stringify(payload), status: 'pending', nextAttemptAt: now })
    .returning({ id: webhookDeliveries.id });
  await ctx.queue.enqueue(tx, { type: DELIVER_JOB, key: jobKey(d!.id, 0), payload: { deliveryId: d!.id }, maxAttempts: ctx.config.WEBHOOK_MAX_ATTEMPTS });
  return d!.id;
}

/** 重新投递: the same message (same webhook-id) again, as a new job with its own attempts. */
export async function requeueDelivery(ctx: AppContext, tx: Tx, deliveryId: string): Promise<void> {
  const now = ctx.clock.now();
  const [d] = await tx
    .update(webhookDeliveries)
    .set({ status: 'pending', redeliveries: sql`${webhookDeliveries.redeliveries} + 1`, nextAttemptAt: now })
    .where(eq(webhookDeliveries.id, deliveryId))
    .returning({ redeliveries: webhookDeliveries.redeliveries });
  await ctx.queue.enqueue(tx, { type: DELIVER_JOB, key: jobKey(deliveryId, d!.redeliveries), payload: { deliveryId }, maxAttempts: ctx.config.WEBHOOK_MAX_ATTEMPTS });
}

/** Read at most `max` characters of a response body, then let the rest go. */
async function excerptOf(res: Response, max = EXCERPT_MAX): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, max) || null;
}

/** Why a request got no answer, in a few words (never the URL). */
function transportError(e: unknown, timeoutSeconds: number): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return `timeout: no answer within ${timeoutSeconds} s`;
  const code = err?.cause?.code;
  return code ? `connection failed (${code})` : 'connection failed';
}

class DeliveryFailed extends Error {}

/**
 * The job: one attempt of one delivery. A 2xx marks it delivered; 410 disables the endpoint and
 * fails the delivery; any other answer or none records the attempt and throws, so the queue tries
 * again after its backoff — until the job's last attempt, when the delivery is failed for good
 * (an administrator may 重新投递 it).
 */
export async function attemptDelivery(ctx: AppContext, deliveryId: string, jobAttempt: number): Promise<void> {
  const [row] = await ctx.db
    .select({ d: webhookDeliveries, e: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row) return; // the endpoint was deleted with its log
  const { d, e } = row;
  if (d.status !== 'pending') return;
  if (!e.enabled) {
    await ctx.db.update(webhookDeliveries).set({ status: 'failed', lastError: 'endpoint disabled', nextAttemptAt: null }).where(eq(webhookDeliveries.id, d.id));
    return;
  }

  const body = d.body;
  // webhook-timestamp is the moment of this attempt on the wall clock, which the receiver compares
  // with its own to refuse replays (as the SMS providers' request signatures are); the event's time
  // is the payload's `timestamp`, from the app clock
  const at = new Date();
  const signature = new Webhook(ctx.crypto.decrypt(e.secretEnc)).sign(d.messageId, at, body);
  const timeoutSeconds = ctx.config.WEBHOOK_TIMEOUT_SECONDS;
  let status: number | null = null;
  let error: string | null = null;
  let excerpt: string | null = null;
  try {
    const res = await ctx.fetch(e.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Safeguard-Webhooks/1.0',
        'webhook-id': d.messageId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      // a redirect is an answer to fix at the endpoint, not a hop to follow (it could lead anywhere)
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    status = res.status;
    excerpt = await excerptOf(res).catch(() => null);
  } catch (err) {
    error = transportError(err, timeoutSeconds);
  }

  const outcome = outcomeOf(status);
  const done = ctx.clock.now();
  const attempt = { attempts: sql`${webhookDeliveries.attempts} + 1`, lastStatusCode: status, lastAttemptAt: done, responseExcerpt: excerpt };
  if (outcome === 'delivered') {
    await ctx.db.update(webhookDeliveries).set({ ...attempt, status: 'delivered', lastError: null, deliveredAt: done, nextAttemptAt: null }).where(eq(webhookDeliveries.id, d.id));
    return;
  }
  if (outcome === 'gone') {
    await ctx.db.transaction(async (tx) => {
      await tx.update(webhookDeliveries).set({ ...attempt, status: 'failed', lastError: '410 Gone: endpoint disabled', nextAttemptAt: null }).where(eq(webhookDeliveries.id, d.id));
      await tx.update(webhookEndpoints).set({ enabled: false, disabledReason: 'gone', updatedAt: done }).where(and(eq(webhookEndpoints.id, e.id), eq(webhookEndpoints.enabled, true)));
    });
    ctx.log.warn({ endpointId: e.id }, 'webhook endpoint answered 410 Gone: disabled');
    return;
  }
  const reason = error ?? `HTTP ${status}`;
  const last = jobAttempt >= ctx.config.WEBHOOK_MAX_ATTEMPTS;
  await ctx.db
    .update(webhookDeliveries)
    .set({ ...attempt, status: last ? 'failed' : 'pending', lastError: reason, nextAttemptAt: last ? null : new Date(done.getTime() + backoffMs(jobAttempt)) })
    .where(eq(webhookDeliveries.id, d.id));
  if (last) return; // given up: the log shows it failed; nothing left for the queue
  throw new DeliveryFailed(`webhook delivery ${d.id} failed: ${reason}`);
}

export function registerWebhookJobs(ctx: AppContext) {
  ctx.queue.register(DELIVER_JOB, (payload: { deliveryId: string }, job) => attemptDelivery(ctx, payload.deliveryId, job.attempts));
}
