/** Webhooks API (X8): endpoints, their delivery log, 重新投递, 发送测试事件, rotating the secret. */
import { http, query as qs } from '@shared/api';
import type { Paged } from '../api';
import type { WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEvent } from '@contracts/webhooks';

export type { WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEvent } from '@contracts/webhooks';

export interface WebhookInput {
  url: string;
  description: string;
  events: WebhookEvent[];
  enabled: boolean;
}

export const listWebhooks = () => http.get<{ items: WebhookEndpoint[] }>('/api/admin/webhooks');
export const createWebhook = (b: WebhookInput) => http.post<WebhookEndpointWithSecret>('/api/admin/webhooks', b);
export const updateWebhook = (id: string, b: Partial<WebhookInput>) => http.patch<WebhookEndpoint>(`/api/admin/webhooks/${id}`, b);
export const removeWebhook = (id: string) => http.delete<null>(`/api/admin/webhooks/${id}`);
export const rotateWebhookSecret = (id: string) => http.post<WebhookEndpointWithSecret>(`/api/admin/webhooks/${id}/rotate-secret`, {});
export const sendWebhookTest = (id: string) => http.post<WebhookDelivery>(`/api/admin/webhooks/${id}/test`, {});
export const listWebhookDeliveries = (id: string, q: { status?: WebhookDeliveryStatus; page: number; pageSize: number }) =>
  http.get<Paged<WebhookDelivery>>(`/api/admin/webhooks/${id}/deliveries${qs(q)}`);
export const getWebhookDelivery = (id: string, deliveryId: string) => http.get<WebhookDeliveryDetail>(`/api/admin/webhooks/${id}/deliveries/${deliveryId}`);
export const redeliverWebhook = (id: string, deliveryId: string) => http.post<WebhookDelivery>(`/api/admin/webhooks/${id}/deliveries/${deliveryId}/redeliver`, {});
