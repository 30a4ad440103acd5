/**
 * Visit notifications (SPEC X2): the API the visits module calls inside its business transaction,
 * and the job that renders the admin's template (A4) and hands the message to the channel the
 * template names after commit: an SMS delivered (and retried with backoff) by `sms.send`, a voice
 * call placed by `voice.call` (docs/decisions/0009-voice-calls.md), or a WeCom text card sent by
 * `wecom.send` to a staff member who has a WeCom userid — anyone else gets the SMS
 * (docs/decisions/0013-wecom-notices.md).
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { notificationTemplates, staff, unitNotificationTemplates } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { logPhone } from '../../platform/logger.js';
import { DEFAULT_TEMPLATES, MASKED_FOR_VISITORS, VISIT_EVENTS, isVisitEvent, placeholdersOf, renderTemplate, staffPagePath, type NotifyChannel, type VisitEvent } from '../../../../contracts/notify.js';
import { maskName } from '../../../../contracts/identity.js';
import { FORMER_DEFAULTS } from './former-defaults.js';
import { eventTemplateMap } from './sms-params.js';
import { queueSms } from './sms.service.js';
import { queueVoiceCall } from './voice.service.js';
import { queueWecomMessage } from './wecom.service.js';

export type { VisitEvent } from '../../../../contracts/notify.js';

export interface VisitNotice {
  event: VisitEvent;
  orderId: string;
  /** `page`: the staff-app path a WeCom card opens for this recipient, when not the event's own (STAFF_PAGES) */
  recipient: { kind: 'visitor' | 'staff' | 'phone'; id?: string; phone: string; page?: string };
  vars: Record<string, string>;
  link?: string;
  /** the unit whose order/booking/request this is: its own template (A4) is used when it has one */
  unitId?: string | null;
}

export const NOTIFY_JOB = 'notify.visit';

/** What travels in the job payload; the personal part (phone, names, link) is encrypted. */
interface NoticePayload {
  event: VisitEvent;
  orderId: string;
  recipientKind: VisitNotice['recipient']['kind'];
  recipientId: string | null;
  data: string;
  /** absent in jobs queued before unit templates: the center's template */
  unitId?: string | null;
}
interface NoticeData {
  phone: string;
  vars: Record<string, string>;
  link: string | null;
  page?: string;
}

export const noticeKey = (n: Pick<VisitNotice, 'event' | 'orderId'> & { phone: string }) => `notify:${n.event}:${n.orderId}:${n.phone}`;

/** Call inside the business transaction; the message is rendered and sent by a job after commit. Idempotent per (event, order, recipient phone). */
export async function notifyVisit(ctx: AppContext, tx: Tx, n: VisitNotice): Promise<void> {
  if (!isVisitEvent(n.event)) throw new Error(`notifyVisit: unknown event ${String(n.event)}`);
  const phone = n.recipient.phone?.trim();
  if (!phone) {
    ctx.log.warn({ event: n.event, orderId: n.orderId, recipient: n.recipient.kind }, 'notification skipped: recipient has no phone');
    return;
  }
  const data: NoticeData = { phone, vars: varsFor(n.recipient.kind, n.vars ?? {}), link: n.link ?? null, ...(n.recipient.page ? { page: n.recipient.page } : {}) };
  const payload: NoticePayload = {
    event: n.event,
    orderId: n.orderId,
    recipientKind: n.recipient.kind,
    recipientId: n.recipient.id ?? null,
    data: ctx.crypto.encrypt(JSON.stringify(data)),
    ...(n.unitId ? { unitId: n.unitId } : {}),
  };
  await ctx.queue.enqueue(tx, { type: NOTIFY_JOB, key: noticeKey({ event: n.event, orderId: n.orderId, phone }), payload });
}

/** What a recipient may read: a visitor (or a phone not yet registered) sees staff and inviters masked, as on the visitor's pages. */
export function varsFor(kind: VisitNotice['recipient']['kind'], vars: Record<string, string>): Record<string, string> {
  if (kind === 'staff') return vars;
  const out = { ...vars };
  for (const k of MASKED_FOR_VISITORS) if (out[k]) out[k] = maskName(out[k]);
  return out;
}

/** The public base of links in messages: PUBLIC_URL, or this process on localhost. */
export function publicBase(ctx: AppContext): string {
  return (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/+$/, '');
}

/**
 * The staff-app page a WeCom card opens. `from=wecom` makes the staff app, when nobody is signed in,
 * sign in through WeCom and come back to this page (web/src/staff/router.ts).
 */
export function staffLink(ctx: AppContext, path: string): string {
  return `${publicBase(ctx)}/staff${path.startsWith('/') ? path : `/${path}`}${path.includes('?') ? '&' : '?'}from=wecom`;
}

/** 访客预约码 link for a confirmed order (V8). */
export const codeLink = (ctx: AppContext, orderId: string) => `${publicBase(ctx)}/v/orders/${orderId}/code`;

export interface TemplateRow {
  channel: NotifyChannel | string;
  content: string;
  appendCodeLink: boolean;
  enabled: boolean;
}

/**
 * Render one notice with its template: null when nothing is to be sent (disabled, channel none).
 * `params` are what a real provider's approved template receives: the template's variables in
 * order of appearance (a leading 【{centerName}】 is the provider's signature and left out), then
 * the links.
 */
export function renderNotice(
  ctx: AppContext,
  tpl: TemplateRow,
  n: { event: VisitEvent; orderId: string; recipientKind: string; vars: Record<string, string>; link: string | null },
): { content: string; params: Record<string, string> } | null {
  if (!tpl.enabled || tpl.channel === 'none') return null;
  const vars: Record<string, string> = { centerName: ctx.config.CENTER_NAME, ...n.vars };
  // The appointment code belongs to the visitor: never put it in a staff member's message.
  const code = tpl.appendCodeLink && n.event === 'order_approved' && n.recipientKind !== 'staff' ? codeLink(ctx, n.orderId) : null;
  const content = renderTemplate(tpl.content, vars, [n.link, code]);
  const params: Record<string, string> = {};
  for (const name of placeholdersOf(tpl.content.replace(/^【\{centerName\}】/, ''))) params[name] = vars[name] ?? '';
  if (n.link) params.link = n.link;
  if (code) params.codeLink = code;
  return { content, params };
}

export function registerNotifyJobs(ctx: AppContext) {
  ctx.queue.register(NOTIFY_JOB, async (p: NoticePayload, job) => {
    const d = JSON.parse(ctx.crypto.decrypt(p.data)) as NoticeData;
    const smsKey = `sms:${job.key}`;
    const voiceKey = `voice:${job.key}`;
    const wecomKey = `wecom:${job.key}`;
    await ctx.db.transaction(async (tx) => {
      // A re-run (a worker died after this committed) must not write the message twice, on
      // any channel (the admin may have switched the template's channel in between).
      if (await ctx.queue.enqueuedAny(tx, [smsKey, voiceKey, wecomKey])) return;
      const tpl = await templateFor(tx, p.event, p.unitId ?? null);
      const out = renderNotice(ctx, tpl, { event: p.event, orderId: p.orderId, recipientKind: p.recipientKind, vars: d.vars, link: d.link });
      if (!out) return;
      let channel = tpl.channel;
      const target = channel === 'wecom' ? await wecomTarget(ctx, tx, p, d) : null;
      if (channel === 'voice') {
        await queueVoiceCall(ctx, tx, { phone: d.phone, template: p.event, content: out.content, params: out.params, dedupeKey: voiceKey });
      } else if (target) {
        await queueWecomMessage(ctx, tx, { phone: d.phone, userId: target.userId, template: p.event, content: out.content, url: target.url, params: out.params, dedupeKey: wecomKey });
      } else {
        // WeCom for someone who can't get it (a visitor, no WeCom userid, WeCom not configured): the SMS
        channel = 'sms';
        await queueSms(ctx, tx, { phone: d.phone, template: p.event, content: out.content, params: out.params, dedupeKey: smsKey });
      }
      ctx.log.info({ event: p.event, orderId: p.orderId, phone: logPhone(d.phone), channel, ...(channel !== tpl.channel ? { templateChannel: tpl.channel } : {}) }, 'notification queued');
    });
  });
}

/** The template of an event for a unit: the unit's own when it has one, else the center's (else the default). */
export async function templateFor(tx: Tx, event: VisitEvent, unitId: string | null): Promise<TemplateRow> {
  if (unitId) {
    const [own] = await tx
      .select()
      .from(unitNotificationTemplates)
      .where(and(eq(unitNotificationTemplates.unitId, unitId), eq(unitNotificationTemplates.event, event)));
    if (own) return own;
  }
  const [row] = await tx.select().from(notificationTemplates).where(eq(notificationTemplates.event, event));
  return row ?? DEFAULT_TEMPLATES[event];
}

/**
 * Who a WeCom notice goes to and what its card opens, or null when it can't go by WeCom: WeCom
 * messages not configured, the recipient not an active staff member with a WeCom userid, or the
 * event has no staff page.
 */
async function wecomTarget(ctx: AppContext, tx: Tx, p: NoticePayload, d: NoticeData): Promise<{ userId: string; url: string } | null> {
  if (!ctx.config.wecomMessagesEnabled || p.recipientKind !== 'staff' || !p.recipientId) return null;
  const path = d.page ?? staffPagePath(p.event, p.orderId);
  if (!path) return null;
  const [s] = await tx
    .select({ userId: staff.wecomUserId })
    .from(staff)
    .where(and(eq(staff.id, p.recipientId), eq(staff.active, true), isNull(staff.deletedAt)));
  return s?.userId ? { userId: s.userId, url: staffLink(ctx, path) } : null;
}

/**
 * Insert the default template of every event that has none, and bring a stored template that is
 * still an earlier release's default to today's wording (former-defaults.ts); admin edits stay.
 * Idempotent. Returns how many were inserted.
 */
export async function ensureDefaultTemplates(ctx: AppContext): Promise<number> {
  const rows = VISIT_EVENTS.map((event) => ({ event, ...DEFAULT_TEMPLATES[event] }));
  const inserted = await ctx.db
    .insert(notificationTemplates)
    .values(rows)
    .onConflictDoNothing({ target: notificationTemplates.event })
    .returning({ event: notificationTemplates.event });
  const mapped = providerMappedEvents(ctx);
  for (const [event, former] of Object.entries(FORMER_DEFAULTS) as Array<[VisitEvent, readonly string[]]>) {
    if (mapped.has(event)) continue;
    await ctx.db
      .update(notificationTemplates)
      .set({ content: DEFAULT_TEMPLATES[event].content })
      .where(and(eq(notificationTemplates.event, event), inArray(notificationTemplates.content, [...former])));
  }
  return inserted.length;
}

/** Events whose text a real provider's approved template decides (their parameters are positional). */
function providerMappedEvents(ctx: AppContext): Set<string> {
  const c = ctx.config;
  const maps = [c.SMS_PROVIDER === 'aliyun' ? c.ALIYUN_SMS_EVENT_TEMPLATES : undefined, c.SMS_PROVIDER === 'tencent' ? c.TENCENT_SMS_EVENT_TEMPLATES : undefined, c.VOICE_PROVIDER === 'aliyun' ? c.ALIYUN_VOICE_EVENT_TTS_CODES : undefined];
  const out = new Set(maps.flatMap((m) => Object.keys(eventTemplateMap(m))));
  // one TTS template for every voice event: keep the voice events as they are
  if (c.VOICE_PROVIDER === 'aliyun') for (const e of VISIT_EVENTS) if (DEFAULT_TEMPLATES[e].channel === 'voice') out.add(e);
  return out;
}

/** For tests and the admin list: the stored templates by event. */
export async function loadTemplates(tx: Tx) {
  const rows = await tx.select().from(notificationTemplates);
  return new Map(rows.map((r) => [r.event, r]));
}
