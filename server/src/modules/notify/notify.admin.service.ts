/**
 * 通知模板 (A4): the 系统管理员 reads and edits the center's template of each visit event; a unit
 * (its 单位管理员 or a 系统管理员) may word any event its own way for its orders, bookings and
 * personnel requests, and go back to the center's (decision 0015).
 */
import { and, eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { notificationTemplates, unitNotificationTemplates, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { audit } from '../audit/audit.js';
import { adminUnitScope, assertInUnitScope, requireActor, requireAdmin } from '../../platform/actor.js';
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

type Row = Pick<typeof notificationTemplates.$inferSelect, 'channel' | 'content' | 'appendCodeLink' | 'enabled' | 'updatedAt'>;

/**
 * Whether this event's template can use the WeCom channel: `available`, `not_configured` (WeCom
 * application messages need WECOM_CORP_ID, WECOM_CORP_SECRET and WECOM_AGENT_ID) or `not_for_event`
 * (the message is for visitors).
 */
export type WecomAvailability = 'available' | 'not_configured' | 'not_for_event';
const wecomAvailability = (ctx: AppContext, event: VisitEvent): WecomAvailability =>
  !WECOM_EVENTS.includes(event) ? 'not_for_event' : ctx.config.wecomMessagesEnabled ? 'available' : 'not_configured';

function view(ctx: AppContext, event: VisitEvent, row: Row | undefined, source: 'center' | 'unit' = 'center') {
  const t = row ?? { ...DEFAULT_TEMPLATES[event], updatedAt: null };
  return {
    event,
    source,
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

  /** The checks every template edit passes (center's or a unit's). */
  private validate(event: string, input: TemplateInput): asserts event is VisitEvent {
    if (!isVisitEvent(event)) throw new AppError('NOT_FOUND');
    const unknown = unknownPlaceholders(event, input.content);
    if (unknown.length) throw new AppError('TEMPLATE_VARIABLE_UNKNOWN', { variables: unknown, allowed: EVENT_VARIABLES[event] });
    if (input.appendCodeLink && event !== 'order_approved') {
      throw new AppError('VALIDATION_FAILED', [{ path: '/appendCodeLink', message: 'only the order_approved message can carry the appointment-code link' }]);
    }
    if (input.channel === 'wecom' && wecomAvailability(this.ctx, event) === 'not_for_event') {
      throw new AppError('VALIDATION_FAILED', [{ path: '/channel', message: 'this message is for visitors: WeCom reaches staff only' }]);
    }
  }

  private assertWecom(event: VisitEvent, input: TemplateInput, before: Row | undefined) {
    // switching to WeCom needs it configured; a template already on WeCom keeps it (its notices go by SMS meanwhile)
    if (input.channel === 'wecom' && wecomAvailability(this.ctx, event) === 'not_configured' && before?.channel !== 'wecom') {
      throw new AppError('VALIDATION_FAILED', [{ path: '/channel', message: 'WeCom is not configured (WECOM_CORP_ID, WECOM_CORP_SECRET, WECOM_AGENT_ID)' }]);
    }
  }

  async update(req: FastifyRequest, event: string, input: TemplateInput) {
    const actor = requireActor(req, 'admin');
    this.validate(event, input);
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(notificationTemplates).where(eq(notificationTemplates.event, event)).for('update');
      this.assertWecom(event, input, before);
      const values = { channel: input.channel, content: input.content, appendCodeLink: input.appendCodeLink, enabled: input.enabled, updatedAt: now };
      const [row] = await tx
        .insert(notificationTemplates)
        .values({ event, ...values })
        .onConflictDoUpdate({ target: notificationTemplates.event, set: values })
        .returning();
      await audit(tx, actor, 'notification_template.update', { type: 'notification_template', id: event }, { before: brief(before), after: brief(row) });
      return view(this.ctx, event, row);
    });
  }

  // ------------------------------------------------------------ a unit's own templates

  /** The unit (404 NOT_FOUND when it does not exist or is another unit's for a 单位管理员). */
  private async unitInScope(req: FastifyRequest, unitId: string) {
    const scope = adminUnitScope(req);
    assertInUnitScope(scope, unitId);
    const [u] = await this.ctx.db.select({ id: units.id }).from(units).where(eq(units.id, unitId));
    if (!u) throw new AppError('NOT_FOUND');
  }

  /** GET /api/admin/units/:id/notification-templates: what the unit's messages say — its own wording or the center's. */
  async listForUnit(req: FastifyRequest, unitId: string) {
    await this.unitInScope(req, unitId);
    const center = await loadTemplates(this.ctx.db);
    const own = new Map(
      (await this.ctx.db.select().from(unitNotificationTemplates).where(eq(unitNotificationTemplates.unitId, unitId))).map((r) => [r.event, r]),
    );
    return VISIT_EVENTS.map((e) => (own.has(e) ? view(this.ctx, e, own.get(e), 'unit') : view(this.ctx, e, center.get(e), 'center')));
  }

  /** PUT /api/admin/units/:id/notification-templates/:event: the unit's own wording of one event. */
  async updateForUnit(req: FastifyRequest, unitId: string, event: string, input: TemplateInput) {
    const actor = requireAdmin(req);
    await this.unitInScope(req, unitId);
    this.validate(event, input);
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const here = and(eq(unitNotificationTemplates.unitId, unitId), eq(unitNotificationTemplates.event, event));
      const [before] = await tx.select().from(unitNotificationTemplates).where(here).for('update');
      this.assertWecom(event, input, before);
      const values = { channel: input.channel, content: input.content, appendCodeLink: input.appendCodeLink, enabled: input.enabled, updatedAt: now };
      const [row] = await tx
        .insert(unitNotificationTemplates)
        .values({ unitId, event, ...values })
        .onConflictDoUpdate({ target: [unitNotificationTemplates.unitId, unitNotificationTemplates.event], set: values })
        .returning();
      await audit(tx, actor, 'notification_template.unit.update', { type: 'unit', id: unitId }, { event, before: brief(before), after: brief(row) });
      return view(this.ctx, event, row, 'unit');
    });
  }

  /** DELETE /api/admin/units/:id/notification-templates/:event: back to the center's template (a no-op when already). */
  async resetForUnit(req: FastifyRequest, unitId: string, event: string) {
    const actor = requireAdmin(req);
    await this.unitInScope(req, unitId);
    if (!isVisitEvent(event)) throw new AppError('NOT_FOUND');
    return this.ctx.db.transaction(async (tx) => {
      const [gone] = await tx
        .delete(unitNotificationTemplates)
        .where(and(eq(unitNotificationTemplates.unitId, unitId), eq(unitNotificationTemplates.event, event)))
        .returning();
      if (gone) await audit(tx, actor, 'notification_template.unit.reset', { type: 'unit', id: unitId }, { event, before: brief(gone) });
      const [center] = await tx.select().from(notificationTemplates).where(eq(notificationTemplates.event, event));
      return view(this.ctx, event, center, 'center');
    });
  }
}

const brief = (t: Pick<Row, 'channel' | 'content' | 'appendCodeLink' | 'enabled'> | undefined) =>
  t ? { channel: t.channel, content: t.content, appendCodeLink: t.appendCodeLink, enabled: t.enabled } : null;
