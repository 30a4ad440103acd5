/** Notifications (X2, A4): template admin routes; registers the notification job and default templates. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { NOTIFY_CHANNELS, TEMPLATE_CONTENT_MAX, TEMPLATE_VARIABLES, VISIT_EVENTS } from '../../../../contracts/notify.js';
import { NotifyAdminService } from './notify.admin.service.js';
import { ensureDefaultTemplates, registerNotifyJobs } from './notify.service.js';

const label = z.object({ 'zh-CN': z.string(), en: z.string() });
const templateView = z.object({
  event: z.enum(VISIT_EVENTS),
  source: z.enum(['center', 'unit']).describe('center: the center\'s template (for a unit: it has no wording of its own); unit: the unit\'s own'),
  label: label.describe('name of the event'),
  recipients: label.describe('who receives this message'),
  channel: z.enum(NOTIFY_CHANNELS).describe('sms | voice (a phone call reading the message out, VOICE_PROVIDER) | wecom (a WeCom text card to staff with a WeCom userid; anyone else gets the SMS) | none (not sent)'),
  content: z.string().describe('zh-CN text with {variable} placeholders'),
  appendCodeLink: z.boolean().describe('附带访客预约码链接 (order_approved only)'),
  enabled: z.boolean(),
  variables: z.array(z.enum(TEMPLATE_VARIABLES)).describe('the placeholders this event offers'),
  hasLink: z.boolean().describe('a registration link is appended to this message'),
  codeLinkAvailable: z.boolean().describe('this event can carry the appointment-code link'),
  wecom: z
    .enum(['available', 'not_configured', 'not_for_event'])
    .describe('whether the channel wecom can be chosen: not_configured (WECOM_CORP_ID, WECOM_CORP_SECRET and WECOM_AGENT_ID are needed), not_for_event (the message is for visitors)'),
  updatedAt: z.string().nullable(),
});
const templateBody = z.object({
  channel: z.enum(NOTIFY_CHANNELS),
  content: z.string().trim().min(1).max(TEMPLATE_CONTENT_MAX),
  appendCodeLink: z.boolean(),
  enabled: z.boolean(),
});

export async function notifyRoutes(app: FastifyInstance, ctx: AppContext) {
  registerNotifyJobs(ctx);
  // every event has a template from the first start on (the migration ran before the app is ready)
  app.addHook('onReady', async () => {
    await ensureDefaultTemplates(ctx);
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = new NotifyAdminService(ctx);
  const tags = ['notify'];

  r.get('/api/admin/notification-templates', {
    schema: {
      operationId: 'listNotificationTemplates',
      tags,
      summary: '通知模板 (A4): the message of every visit event, with its channel, switches and variables',
      response: { 200: z.array(templateView), ...errors(401) },
    },
    handler: (req) => svc.list(req),
  });

  r.put('/api/admin/notification-templates/:event', {
    schema: {
      operationId: 'updateNotificationTemplate',
      tags,
      summary: 'Change one event\'s template. 404 for an unknown event; TEMPLATE_VARIABLE_UNKNOWN for a {placeholder} the event does not offer; VALIDATION_FAILED for wecom on a visitors\' event or while WeCom is not configured',
      params: z.object({ event: z.string().max(64) }),
      body: templateBody,
      response: { 200: templateView, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.update(req, req.params.event, req.body),
  });

  // a unit's own wording (A4, decision 0015): its 单位管理员 or a 系统管理员
  const unitParams = z.object({ id: z.uuid() });
  r.get('/api/admin/units/:id/notification-templates', {
    schema: {
      operationId: 'listUnitNotificationTemplates',
      tags,
      summary: 'What the unit\'s messages say: for each event the unit\'s own template (source unit) or the center\'s (source center). Another unit\'s for a 单位管理员: 404',
      params: unitParams,
      response: { 200: z.array(templateView), ...errors(400, 401, 404) },
    },
    handler: (req) => svc.listForUnit(req, req.params.id),
  });
  r.put('/api/admin/units/:id/notification-templates/:event', {
    schema: {
      operationId: 'updateUnitNotificationTemplate',
      tags,
      summary: 'The unit\'s own wording of one event, used for its orders, bookings and personnel requests (same checks as the center\'s template)',
      params: unitParams.extend({ event: z.string().max(64) }),
      body: templateBody,
      response: { 200: templateView, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.updateForUnit(req, req.params.id, req.params.event, req.body),
  });
  r.delete('/api/admin/units/:id/notification-templates/:event', {
    schema: {
      operationId: 'resetUnitNotificationTemplate',
      tags,
      summary: '恢复中心模板: the unit uses the center\'s template of this event again; answers that template',
      params: unitParams.extend({ event: z.string().max(64) }),
      response: { 200: templateView, ...errors(400, 401, 404) },
    },
    handler: (req) => svc.resetForUnit(req, req.params.id, req.params.event),
  });
}
