/** Notification templates API (A4, X2): listNotificationTemplates / updateNotificationTemplate. */
import { http } from '@shared/api';
import type { NotifyChannel, TemplateVariable, VisitEvent } from '@contracts/notify';

type L = { 'zh-CN': string; en: string };
export interface NotificationTemplate {
  event: VisitEvent;
  label: L;
  recipients: L;
  channel: NotifyChannel;
  content: string;
  appendCodeLink: boolean;
  enabled: boolean;
  variables: TemplateVariable[];
  /** a registration link is appended to this message */
  hasLink: boolean;
  /** only 审核通过 can carry the appointment-code link */
  codeLinkAvailable: boolean;
  /** whether the channel 企业微信 can be chosen: WeCom not configured, or the message is for visitors */
  wecom: 'available' | 'not_configured' | 'not_for_event';
  updatedAt: string | null;
}
export interface NotificationTemplateInput {
  channel: NotifyChannel;
  content: string;
  appendCodeLink: boolean;
  enabled: boolean;
}

export const listNotificationTemplates = () => http.get<NotificationTemplate[]>('/api/admin/notification-templates');
export const updateNotificationTemplate = (event: VisitEvent, body: NotificationTemplateInput) =>
  http.put<NotificationTemplate>(`/api/admin/notification-templates/${event}`, body);
