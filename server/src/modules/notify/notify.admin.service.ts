/** 通知模板 (A4): the admin reads and edits the template of each visit event. */
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { notificationTemplates } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { requireActor } from '../identity/session.js';
import {
  DEFAULT_TEMPLATES,
  EVENT_LABELS,
  EVENT_RECIPIENTS,
  EVENT_VARIABLES,
  EVENTS_WITH_LINK,
  VISIT_EVENTS,
  WECOM_EVENTS,
  isVisitEvent,
  unknownPlaceholders,
  type NotifyChannel,
  type VisitEvent,
} from '../../../../contracts/notify.js';
import { loadTemplates } from './notify.service.js';

export interface TemplateInput {
  channel: NotifyChannel;
  content: string;
  appendCodeLink: boolean;
  enabled: boolean;
}

type Row = typeof notificationTemplates.$inferSelect;

/**
 * Whether this event's template can use the WeCom channel: `available`, `not_configured` (WeCom
 * application messages need WECOM_CORP_ID, WECOM_CORP_SECRET and WECOM_AGENT_ID) or `not_for_event`
 * (the message is for visitors).
 */
export type WecomAvailability = 'available' | 'not_configured' | 'not_for_event';
const wecomAvailability = (ctx: AppContext, event: VisitEvent): WecomAvailability =>
  !WECOM_EVENTS.includes(event) ? 'not_for_event' : ctx.config.wecomMessagesEnabled ? 'available' : 'not_configured';

function view(ctx: AppContext, event: VisitEvent, row: Row | undefined) {
  const t = row ?? { ...DEFAULT_TEMPLATES[event], updatedAt: null };
  return {
    event,
    label: EVENT_LABELS[event],
    recipients: EVENT_RECIPIENTS[event],
    channel: t.channel as NotifyChannel,
    content: t.content,
    appendCodeLink: t.appendCodeLink,
    enabled: t.enabled,
    variables: [...EVENT_VARIABLES[event]],
    hasLink: EVENTS_WITH_LINK.includes(event),
    codeLinkAvailable: event === 'order_approved',
    wecom: wecomAvailability(ctx, event),
    updatedAt: t.updatedAt ? t.updatedAt.toISOString() : null,
  };
}

export class NotifyAdminService {
  constructor(private readonly ctx: AppContext) {}

  async list(req: FastifyRequest) {
    requireActor(req, 'admin');
    const rows = await loadTemplates(this.ctx.db);
    return VISIT_EVENTS.map((e) => view(this.ctx, e, rows.get(e)));
  }

  async update(req: FastifyRequest, event: string, input: TemplateInput) {
    const actor = requireActor(req, 'admin');
    if (!isVisitEvent(event)) throw new AppError('NOT_FOUND');
    const unknown = unknownPlaceholders(event, input.content);
    if (unknown.length) throw new AppError('TEMPLATE_VARIABLE_UNKNOWN', { variables: unknown, allowed: EVENT_VARIABLES[event] });
    if (input.appendCodeLink && event !== 'order_approved') {
      throw new AppError('VALIDATION_FAILED', [{ path: '/appendCodeLink', message: 'only the order_approved message can carry the appointment-code link' }]);
    }
    const wecom = wecomAvailability(this.ctx, event);
    if (input.channel === 'wecom' && wecom === 'not_for_event') {
      throw new AppError('VALIDATION_FAILED', [{ path: '/channel', message: 'this message is for visitors: WeCom reaches staff only' }]);
    }
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(notificationTemplates).where(eq(notificationTemplates.event, event)).for('update');
      // switching to WeCom needs it configured; a template already on WeCom keeps it (its notices go by SMS meanwhile)
      if (input.channel === 'wecom' && wecom === 'not_configured' && before?.channel !== 'wecom') {
        throw new AppError('VALIDATION_FAILED', [{ path: '/channel', message: 'WeCom is not configured (WECOM_CORP_ID, WECOM_CORP_SECRET, WECOM_AGENT_ID)' }]);
      }
      const values = { channel: input.channel, content: input.content, appendCodeLink: input.appendCodeLink, enabled: input.enabled, updatedAt: now };
      const [row] = await tx
        .insert(notificationTemplates)
        .values({ event, ...values })
        .onConflictDoUpdate({ target: notificationTemplates.event, set: values })
        .returning();
      const brief = (t: Pick<Row, 'channel' | 'content' | 'appendCodeLink' | 'enabled'> | undefined) =>
        t ? { channel: t.channel, content: t.content, appendCodeLink: t.appendCodeLink, enabled: t.enabled } : null;
      await audit(tx, actor, 'notification_template.update', { type: 'notification_template', id: event }, { before: brief(before), after: brief(row) });
      return view(this.ctx, event, row);
    });
  }
}
