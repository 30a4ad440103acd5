import { and, eq, ne } from 'drizzle-orm';
import { maskPhone } from '../../../../contracts/identity.js';
import { smsMessages } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';

/**
 * Template parameters (which may hold a one-time code) travel encrypted in the job payload, so the
 * jobs table never holds a code in clear.
 *
 * Queue one SMS in the caller's transaction; the `sms.send` job delivers it after commit.
 * `dedupeKey` makes the send idempotent (same key → one message).
 */
export async function queueSms(ctx: AppContext, tx: Tx, m: { phone: string; template: string; content: string; params?: Record<string, string>; dedupeKey?: string }) {
  const [row] = await tx
    .insert(smsMessages)
    .values({ phone: m.phone, template: m.template, content: storedContent(ctx, m), provider: ctx.sms.name })
    .returning({ id: smsMessages.id });
  await ctx.queue.enqueue(tx, { type: 'sms.send', key: m.dedupeKey ?? `sms:${row!.id}`, payload: { messageId: row!.id, params: ctx.crypto.encrypt(JSON.stringify(m.params ?? {})) } });
  return row!.id;
}

/**
 * What sms_messages keeps of a message's text. A real provider gets a login code from the
 * template parameters (encrypted in the job), so the row holds it masked from the start, whether
 * the send then succeeds or fails; only the development outbox keeps it, for 短信发件箱.
 * Notifications hold no codes, and their links must stay readable.
 */
function storedContent(ctx: AppContext, m: { template: string; content: string }): string {
  return ctx.sms.name === 'outbox' || m.template !== 'login_code' ? m.content : m.content.replace(/\d{6}/g, '******');
}

/** What 短信发件箱 keeps of a message to someone who deleted their account (注销). */
export const ERASED_CONTENT = '（账号已注销，内容已删除）';

/**
 * 注销 (PIPL art. 47): the messages sent to this phone keep their line in 短信发件箱 (when, which
 * template, how it went) with the phone masked and the text — names, links, codes — gone; one not
 * yet sent is not sent (cancelled). Returns how many rows were changed.
 */
export async function eraseMessagesTo(tx: Tx, phone: string): Promise<number> {
  await tx.update(smsMessages).set({ status: 'cancelled' }).where(and(eq(smsMessages.phone, phone), eq(smsMessages.status, 'queued')));
  const rows = await tx
    .update(smsMessages)
    .set({ phone: maskPhone(phone), content: ERASED_CONTENT })
    .where(and(eq(smsMessages.phone, phone), ne(smsMessages.content, ERASED_CONTENT)))
    .returning({ id: smsMessages.id });
  return rows.length;
}

export function registerSmsJobs(ctx: AppContext) {
  ctx.queue.register('sms.send', async (payload: { messageId: string; params: string }) => {
    const [msg] = await ctx.db.select().from(smsMessages).where(eq(smsMessages.id, payload.messageId));
    if (!msg || msg.status === 'sent' || msg.status === 'cancelled') return;
    try {
      const { ref } = await ctx.sms.send({ id: msg.id, phone: msg.phone, template: msg.template, content: msg.content, params: JSON.parse(ctx.crypto.decrypt(payload.params)) as Record<string, string> });
      // (rows queued before codes were masked at insert are masked now, whichever way the send goes)
      await ctx.db.update(smsMessages).set({ status: 'sent', sentAt: ctx.clock.now(), providerRef: ref ?? null, error: null, content: storedContent(ctx, msg) }).where(eq(smsMessages.id, msg.id));
    } catch (err) {
      await ctx.db.update(smsMessages).set({ status: 'failed', error: err instanceof Error ? err.message : String(err), content: storedContent(ctx, msg) }).where(eq(smsMessages.id, msg.id));
      throw err;
    }
  });
}
