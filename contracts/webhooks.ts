/**
 * Webhooks (X8): the events an integrator's endpoint can subscribe to, the delivery statuses, and
 * the shapes the admin console reads. Deliveries follow the Standard Webhooks convention
 * (docs/api/webhooks.md): headers webhook-id / webhook-timestamp / webhook-signature, the body
 * `{ type, timestamp, data }`.
 */
type L = { 'zh-CN': string; en: string };

export const WEBHOOK_EVENTS = [
  'order.submitted',
  'order.approved',
  'order.rejected',
  'order.cancelled',
  'order.arrived',
  'order.left',
  'booking.approved',
  'blocklist.alert',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** sent only by 发送测试事件, to the one endpoint, whatever it subscribes to */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export type WebhookEventType = WebhookEvent | typeof WEBHOOK_TEST_EVENT;

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, L> = {
  'order.submitted': { 'zh-CN': '来访单据已提交', en: 'Visit order submitted' },
  'order.approved': { 'zh-CN': '来访单据审核通过', en: 'Visit order approved' },
  'order.rejected': { 'zh-CN': '来访单据审核不通过', en: 'Visit order rejected' },
  'order.cancelled': { 'zh-CN': '来访单据已取消', en: 'Visit order cancelled' },
  'order.arrived': { 'zh-CN': '访客已到达', en: 'Visitor arrived' },
  'order.left': { 'zh-CN': '访客已离开', en: 'Visitor left' },
  'booking.approved': { 'zh-CN': '会议室预订审核通过', en: 'Room booking approved' },
  'blocklist.alert': { 'zh-CN': '黑名单告警', en: 'Blocklist alert' },
  'webhook.test': { 'zh-CN': '测试事件', en: 'Test event' },
};

export function isWebhookEvent(s: string): s is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(s);
}

/** pending: waiting for its (next) attempt; delivered: a 2xx came back; failed: given up (attempts spent, 410 Gone, endpoint disabled or deleted) */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  events: WebhookEvent[];
  enabled: boolean;
  /** why the server turned it off: 'gone' (the receiver answered 410 Gone); null when enabled or turned off by hand */
  disabledReason: string | null;
  /** the first characters of the secret (whsec_ab…), so an integrator can tell which one they hold */
  secretHint: string;
  createdAt: string;
  updatedAt: string;
  /** deliveries by status (the list's summary) */
  counts: Record<WebhookDeliveryStatus, number>;
}

export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpoint;
  /** shown once, on create and on rotate: the whole `whsec_…` signing secret */
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventType: WebhookEventType;
  /** webhook-id: `msg_…`, the same on every attempt and on a redelivery */
  messageId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface WebhookDeliveryDetail extends WebhookDelivery {
  /** the body sent: `{ type, timestamp, data }` */
  payload: unknown;
  /** the first 2,000 characters of the receiver's last answer */
  responseExcerpt: string | null;
}
