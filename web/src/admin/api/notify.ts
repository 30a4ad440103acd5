/** Notification templates API (A4, X2): listNotificationTemplates / updateNotificationTemplate. */
import { http } from '@shared/api';
import type { NotifyChannel, TemplateVariable, VisitEvent } from '@contracts/notify';

type L = { 'zh-CN': string; en: string };
export interface NotificationTemplate {
  event: VisitEvent;
  /** center: the center's template (for a unit: it has no wording of its own); unit: the unit's own */
  source: 'center' | 'unit';
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

/** A unit's templates: its own wording where it has one, else the center's. */
export const listUnitNotificationTemplates = (unitId: string) => http.get<NotificationTemplate[]>(`/api/admin/units/${unitId}/notification-templates`);
export const updateUnitNotificationTemplate = (unitId: string, event: VisitEvent, body: NotificationTemplateInput) =>
  http.put<NotificationTemplate>(`/api/admin/units/${unitId}/notification-templates/${event}`, body);
/** 恢复中心模板: answers the center's template of the event. */
export const resetUnitNotificationTemplate = (unitId: string, event: VisitEvent) =>
  http.delete<NotificationTemplate>(`/api/admin/units/${unitId}/notification-templates/${event}`);
