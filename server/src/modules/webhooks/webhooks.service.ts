/**
 * Webhooks (X8) for system administrators: endpoints (create, edit, enable/disable, delete, rotate
 * the secret), the delivery log with each message's payload and the receiver's answer, 重新投递
 * (the same message id again) and 发送测试事件 (webhook.test). Writes are audited in their
 * transaction; the secret is shown once, on create and on rotate, and stored encrypted.
 */
import { and, count, desc, eq, inArray } from 'drizzle-orm';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import {
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_TEST_EVENT,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEvent,
  type WebhookEventType,
} from '../../../../contracts/webhooks.js';
import { checkEvents, checkWebhookUrl, secretHint, urlForAudit } from './webhooks.rules.js';
import { enqueueDelivery, newMessageId, newSecret, requeueDelivery } from './webhooks.delivery.js';

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export interface EndpointInput {
  url: string;
  description?: string | null;
  events: string[];
  enabled?: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function url(raw: string): string {
  const r = checkWebhookUrl(raw);
  if ('error' in r) throw new AppError(r.error, { field: 'url' });
  return r.url;
}
function events(raw: string[]): WebhookEvent[] {
  const r = checkEvents(raw);
  if ('error' in r) throw new AppError(r.error, { field: 'events' });
  return r.events;
}

export class WebhooksService {
  constructor(private readonly ctx: AppContext) {}

  private endpointView(e: EndpointRow, counts: Partial<Record<WebhookDeliveryStatus, number>> = {}): WebhookEndpoint {
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      events: e.events as WebhookEvent[],
      enabled: e.enabled,
      disabledReason: e.disabledReason,
      secretHint: secretHint(this.ctx.crypto.decrypt(e.secretEnc)),
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
      counts: Object.fromEntries(WEBHOOK_DELIVERY_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<WebhookDeliveryStatus, number>,
    };
  }

  private deliveryView(d: DeliveryRow): WebhookDelivery {
    return {
      id: d.id,
      endpointId: d.endpointId,
      eventType: d.eventType as WebhookEventType,
      messageId: d.messageId,
      status: d.status as WebhookDeliveryStatus,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      lastAttemptAt: iso(d.lastAttemptAt),
      nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
      deliveredAt: iso(d.deliveredAt),
    };
  }

  private async load(tx: Tx, id: string, forUpdate = false): Promise<EndpointRow> {
    const q = tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    const [e] = forUpdate ? await q.for('update') : await q;
    if (!e) throw new AppError('NOT_FOUND');
    return e;
  }

  async list(): Promise<{ items: WebhookEndpoint[] }> {
    const rows = await this.ctx.db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt));
    const ids = rows.map((r) => r.id);
    const tallies = ids.length
      ? await this.ctx.db
          .select({ endpointId: webhookDeliveries.endpointId, status: webhookDeliveries.status, n: count() })
          .from(webhookDeliveries)
          .where(inArray(webhookDeliveries.endpointId, ids))
          .groupBy(webhookDeliveries.endpointId, webhookDeliveries.status)
      : [];
    return {
      items: rows.map((r) =>
        this.endpointView(r, Object.fromEntries(tallies.filter((t) => t.endpointId === r.id).map((t) => [t.status, Number(t.n)]))),
      ),
    };
  }

  async get(id: string): Promise<WebhookEndpoint> {
    return this.endpointView(await this.load(this.ctx.db, id));
  }

  async create(actor: Actor, input: EndpointInput): Promise<WebhookEndpointWithSecret> {
    const values = { url: url(input.url), description: input.description?.trim() ?? '', events: events(input.events), enabled: input.enabled ?? true };
    const secret = newSecret();
    return this.ctx.db.transaction(async (tx) => {
      const [e] = await tx
        .insert(webhookEndpoints)
        .values({ ...values, secretEnc: this.ctx.crypto.encrypt(secret) })
        .returning();
      await audit(tx, actor, 'webhook.create', { type: 'webhook_endpoint', id: e!.id }, { webhookUrl: urlForAudit(e!.url), webhookEvents: e!.events, enabled: e!.enabled });
      return { endpoint: this.endpointView(e!), secret };
    });
  }

  async update(actor: Actor, id: string, input: Partial<EndpointInput>): Promise<WebhookEndpoint> {
    const set: Partial<typeof webhookEndpoints.$inferInsert> = {};
    if (input.url !== undefined) set.url = url(input.url);
    if (input.description !== undefined) set.description = input.description?.trim() ?? '';
    if (input.events !== undefined) set.events = events(input.events);
    if (input.enabled !== undefined) set.enabled = input.enabled;
    return this.ctx.db.transaction(async (tx) => {
      const before = await this.load(tx, id, true);
      const fields = (Object.keys(set) as Array<keyof typeof set>).filter((k) => JSON.stringify(set[k]) !== JSON.stringify(before[k as keyof EndpointRow]));
      // turned on again by hand (after a 410, say): the reason goes
      if (set.enabled === true) set.disabledReason = null;
      const [e] = await tx
        .update(webhookEndpoints)
        .set({ ...set, updatedAt: this.ctx.clock.now() })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      await audit(tx, actor, 'webhook.update', { type: 'webhook_endpoint', id }, { fields, webhookUrl: urlForAudit(e!.url), webhookEvents: e!.events, enabled: e!.enabled });
      return this.endpointView(e!);
    });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const e = await this.load(tx, id, true);
      // its delivery log goes with it (ON DELETE CASCADE); jobs still queued find nothing and end
      await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
      await audit(tx, actor, 'webhook.delete', { type: 'webhook_endpoint', id }, { webhookUrl: urlForAudit(e.url) });
    });
  }

  /** A new secret, shown once; messages from now on are signed with it (a retry too). */
  async rotate(actor: Actor, id: string): Promise<WebhookEndpointWithSecret> {
    const secret = newSecret();
    return this.ctx.db.transaction(async (tx) => {
      await this.load(tx, id, true);
      const [e] = await tx
        .update(webhookEndpoints)
        .set({ secretEnc: this.ctx.crypto.encrypt(secret), updatedAt: this.ctx.clock.now() })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      await audit(tx, actor, 'webhook.rotate', { type: 'webhook_endpoint', id });
      return { endpoint: this.endpointView(e!), secret };
    });
  }

  async deliveries(id: string, q: { status?: WebhookDeliveryStatus; page: number; pageSize: number }) {
    const where = and(eq(webhookDeliveries.endpointId, id), q.status ? eq(webhookDeliveries.status, q.status) : undefined);
    return this.ctx.db.transaction(async (tx) => {
      await this.load(tx, id);
      const [t] = await tx.select({ n: count() }).from(webhookDeliveries).where(where);
      const rows = await tx
        .select()
        .from(webhookDeliveries)
        .where(where)
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize);
      return { items: rows.map((r) => this.deliveryView(r)), total: Number(t?.n ?? 0), page: q.page, pageSize: q.pageSize };
    });
  }

  private async loadDelivery(tx: Tx, endpointId: string, deliveryId: string): Promise<DeliveryRow> {
    const [d] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)));
    if (!d) throw new AppError('NOT_FOUND');
    return d;
  }

  /** One delivery with its payload — names and masked ID numbers: the read is audited. */
  async delivery(actor: Actor, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const d = await this.loadDelivery(tx, endpointId, deliveryId);
      await audit(tx, actor, 'webhook.delivery.read', { type: 'webhook_endpoint', id: endpointId }, { messageId: d.messageId, eventType: d.eventType });
      return { ...this.deliveryView(d), payload: JSON.parse(d.body) as unknown, responseExcerpt: d.responseExcerpt };
    });
  }

  /** 重新投递: the same message (same webhook-id, same body) again, now; its attempts start over. */
  async redeliver(actor: Actor, endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    return this.ctx.db.transaction(async (tx) => {
      const e = await this.load(tx, endpointId, true);
      const d = await this.loadDelivery(tx, endpointId, deliveryId);
      if (!e.enabled) throw new AppError('WEBHOOK_ENDPOINT_DISABLED');
      await requeueDelivery(this.ctx, tx, d.id);
      await audit(tx, actor, 'webhook.redeliver', { type: 'webhook_endpoint', id: endpointId }, { messageId: d.messageId, eventType: d.eventType });
      return this.deliveryView(await this.loadDelivery(tx, endpointId, deliveryId));
    });
  }

  /** 发送测试事件: a webhook.test message to this endpoint alone, whatever it subscribes to. */
  async sendTest(actor: Actor, endpointId: string): Promise<WebhookDelivery> {
    return this.ctx.db.transaction(async (tx) => {
      const e = await this.load(tx, endpointId, true);
      if (!e.enabled) throw new AppError('WEBHOOK_ENDPOINT_DISABLED');
      const messageId = newMessageId();
      const id = await enqueueDelivery(this.ctx, tx, e.id, messageId, {
        type: WEBHOOK_TEST_EVENT,
        timestamp: this.ctx.clock.now().toISOString(),
        data: { endpointId: e.id, message: 'Safeguard webhook test / 测试事件' },
      });
      await audit(tx, actor, 'webhook.test', { type: 'webhook_endpoint', id: e.id }, { messageId });
      return this.deliveryView(await this.loadDelivery(tx, e.id, id));
    });
  }
}
