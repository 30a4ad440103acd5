/**
 * Security alerts (A2, X4): raised inside the transaction of whatever saw the problem — a pass
 * record, a kiosk check — so an alert exists iff that record does. Each alert is shown to
 * administrators (安全告警, with a badge) and told to the staff with the `reception` role through the
 * template system (event security_alert), preferring the reception of the buildings the device
 * guards. A person retrying at the same device within a few minutes raises one alert, not many.
 */
import { and, count, desc, eq, gt, inArray, isNull, isNotNull, sql } from 'drizzle-orm';
import { accessDevices, admins, securityAlerts, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { ALERT_KIND_LABELS, refusalLabel, type AlertKind, type AlertRow, type AlertSource, type AlertState } from '../../../../contracts/alerts.js';
import { audit } from '../audit/audit.js';
import { unitScopeOf, type Actor } from '../identity/session.js';
import { notifyVisit } from '../notify/notify.service.js';
import { messageTime } from '../../platform/when.js';
import { emitWebhookEvent } from '../webhooks/webhooks.hooks.js';

/** one alert per (kind, person, device) in this many minutes */
const QUIET_MINUTES = 5;

export interface RaiseAlert {
  kind: AlertKind;
  source: AlertSource;
  deviceId?: string | null;
  deviceName?: string | null;
  /** the buildings the device guards (reception there is told first) */
  buildingIds?: string[];
  orderId?: string | null;
  visitorId?: string | null;
  personName?: string | null;
  eventSeq?: number | null;
  /** refusal code, e.g. VISITOR_BLOCKED, OUTSIDE_WINDOW */
  reason?: string | null;
}

/** Raise an alert in the caller's transaction; returns its id, or null when one was raised moments ago. */
export async function raiseAlert(ctx: AppContext, tx: Tx, a: RaiseAlert): Promise<string | null> {
  const now = ctx.clock.now();
  const who = a.visitorId ? eq(securityAlerts.visitorId, a.visitorId) : a.orderId ? eq(securityAlerts.orderId, a.orderId) : undefined;
  if (who) {
    const [recent] = await tx
      .select({ id: securityAlerts.id })
      .from(securityAlerts)
      .where(
        and(
          eq(securityAlerts.kind, a.kind),
          who,
          a.deviceId ? eq(securityAlerts.deviceId, a.deviceId) : isNull(securityAlerts.deviceId),
          gt(securityAlerts.at, new Date(now.getTime() - QUIET_MINUTES * 60_000)),
        ),
      )
      .limit(1);
    if (recent) return null;
  }
  const [row] = await tx
    .insert(securityAlerts)
    .values({
      kind: a.kind,
      source: a.source,
      at: now,
      deviceId: a.deviceId ?? null,
      deviceName: a.deviceName ?? null,
      orderId: a.orderId ?? null,
      visitorId: a.visitorId ?? null,
      eventSeq: a.eventSeq ?? null,
      reason: a.reason ?? null,
    })
    .returning({ id: securityAlerts.id });
  const id = row!.id;
  // webhooks (X8): a blocklisted person at a gate or the kiosk
  if (a.kind === 'blocked_visitor') {
    await emitWebhookEvent(ctx, tx, 'blocklist.alert', () => ({
      alert: {
        id,
        kind: a.kind,
        source: a.source,
        at: now.toISOString(),
        device: a.deviceId || a.deviceName ? { id: a.deviceId ?? null, name: a.deviceName ?? null } : null,
        orderId: a.orderId ?? null,
        visitorId: a.visitorId ?? null,
        personName: a.personName ?? null,
        reason: a.reason ?? null,
      },
    }));
  }

  const reception = await receptionStaff(tx, a.buildingIds ?? []);
  const where = a.deviceName ?? (a.source === 'kiosk' ? '访客机' : '');
  const person = a.personName || '未知人员';
  const reason = refusalLabel(a.reason, 'zh-CN');
  const alertText = `${ALERT_KIND_LABELS[a.kind]['zh-CN']}${person}${reason && a.reason !== 'VISITOR_BLOCKED' ? `（${reason}）` : ''}`;
  for (const s of reception) {
    await notifyVisit(ctx, tx, {
      event: 'security_alert',
      orderId: id,
      recipient: { kind: 'staff', id: s.id, phone: s.phone },
      vars: { visitorName: person, deviceName: where, alertText, alertAt: messageTime(ctx.config.TZ_CENTER, now) },
    });
  }
  return id;
}

/** Active staff with the reception role: those whose unit is in one of the buildings, else all of them. */
export async function receptionStaff(tx: Tx, buildingIds: string[]) {
  const all = await tx
    .select({ id: staff.id, phone: staff.phone, buildingId: units.buildingId })
    .from(staff)
    .leftJoin(units, eq(units.id, staff.unitId))
    .where(and(sql`'reception' = any(${staff.roles})`, eq(staff.active, true), isNull(staff.deletedAt)));
  const near = all.filter((s) => s.buildingId && buildingIds.includes(s.buildingId));
  return near.length ? near : all;
}

/** A 单位管理员's alerts: those about an order with their unit (a blocklisted person without one is the center's). */
function ofUnit(actor: Actor) {
  const scope = unitScopeOf(actor);
  return scope ? sql`${securityAlerts.orderId} in (select o.id from visit_orders o where o.unit_id = ${scope})` : undefined;
}

export class AlertsService {
  constructor(private readonly ctx: AppContext) {}

  async counts(actor: Actor): Promise<{ open: number }> {
    const [r] = await this.ctx.db.select({ n: count() }).from(securityAlerts).where(and(isNull(securityAlerts.handledAt), ofUnit(actor)));
    return { open: Number(r?.n ?? 0) };
  }

  async list(actor: Actor, q: { state?: AlertState; page: number; pageSize: number }) {
    const where = and(q.state === 'open' ? isNull(securityAlerts.handledAt) : q.state === 'handled' ? isNotNull(securityAlerts.handledAt) : undefined, ofUnit(actor));
    return this.ctx.db.transaction(async (tx) => {
      const [t] = await tx.select({ n: count() }).from(securityAlerts).where(where);
      const attendee = sql<string | null>`(select name from staff where staff.id = ${visitOrders.attendeeStaffId})`;
      const rows = await tx
        .select({
          a: securityAlerts,
          visitorName: visitors.name,
          orderVisitorName: sql<string | null>`(select name from visitors v where v.id = ${visitOrders.visitorId})`,
          attendeeName: attendee,
          inviteeName: visitOrders.inviteeName,
          deviceName: accessDevices.name,
          handledByName: admins.name,
        })
        .from(securityAlerts)
        .leftJoin(visitors, eq(visitors.id, securityAlerts.visitorId))
        .leftJoin(visitOrders, eq(visitOrders.id, securityAlerts.orderId))
        .leftJoin(accessDevices, eq(accessDevices.id, securityAlerts.deviceId))
        .leftJoin(admins, eq(admins.id, securityAlerts.handledBy))
        .where(where)
        .orderBy(desc(securityAlerts.at))
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize);
      // names of people: the read is audited like other lists of people
      await audit(tx, actor, 'alerts.read', { type: 'security_alert' }, { state: q.state ?? null, page: q.page, count: rows.length });
      const items: AlertRow[] = rows.map((r) => ({
        id: r.a.id,
        kind: r.a.kind as AlertKind,
        source: r.a.source as AlertSource,
        at: r.a.at.toISOString(),
        deviceId: r.a.deviceId,
        deviceName: r.deviceName ?? r.a.deviceName,
        orderId: r.a.orderId,
        visitorId: r.a.visitorId,
        personName: r.visitorName ?? r.orderVisitorName ?? r.attendeeName ?? r.inviteeName ?? null,
        reason: r.a.reason,
        state: r.a.handledAt ? 'handled' : 'open',
        handledAt: r.a.handledAt?.toISOString() ?? null,
        handledBy: r.handledByName ?? null,
        comment: r.a.comment,
      }));
      return { items, total: Number(t?.n ?? 0), page: q.page, pageSize: q.pageSize };
    });
  }

  /** 处理: mark one alert (or every open one) handled, with an optional comment. */
  async handle(actor: Actor, input: { ids?: string[]; all?: true; comment?: string | null }): Promise<{ handled: number }> {
    if (!input.all && !input.ids?.length) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'ids' });
    const ids: string[] | 'all' = input.all ? 'all' : input.ids!;
    const comment = input.comment;
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const open = and(ids === 'all' ? isNull(securityAlerts.handledAt) : and(inArray(securityAlerts.id, ids), isNull(securityAlerts.handledAt)), ofUnit(actor));
      if (ids !== 'all') {
        const found = await tx.select({ id: securityAlerts.id }).from(securityAlerts).where(and(inArray(securityAlerts.id, ids), ofUnit(actor)));
        if (found.length !== ids.length) throw new AppError('NOT_FOUND');
      }
      const rows = await tx
        .update(securityAlerts)
        .set({ handledAt: now, handledBy: actor.type === 'admin' ? actor.id : null, comment: comment?.trim() || null })
        .where(open)
        .returning({ id: securityAlerts.id });
      await audit(tx, actor, 'alerts.handle', { type: 'security_alert', id: ids === 'all' || ids.length !== 1 ? null : ids[0] }, { count: rows.length, all: ids === 'all' });
      return { handled: rows.length };
    });
  }
}
