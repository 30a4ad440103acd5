import { and, eq } from 'drizzle-orm';
import { smsMessages } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';

export const VOICE_JOB = 'voice.call';

/**
 * Queue one voice call in the caller's transaction; the `voice.call` job places it after commit
 * and retries with backoff. `dedupeKey` is the job key: the same key → one call. The template
 * variables travel encrypted in the job payload.
 */
export async function queueVoiceCall(ctx: AppContext, tx: Tx, c: { phone: string; template: string; content: string; params?: Record<string, string>; dedupeKey: string }) {
  const [row] = await tx
    .insert(smsMessages)
    .values({ channel: 'voice', phone: c.phone, template: c.template, content: c.content, provider: ctx.voice.name })
    .returning({ id: smsMessages.id });
  await ctx.queue.enqueue(tx, { type: VOICE_JOB, key: c.dedupeKey, payload: { messageId: row!.id, params: ctx.crypto.encrypt(JSON.stringify(c.params ?? {})) } });
  return row!.id;
}

export function registerVoiceJobs(ctx: AppContext) {
  ctx.queue.register(VOICE_JOB, async (payload: { messageId: string; params: string }) => {
    const [msg] = await ctx.db
      .select()
      .from(smsMessages)
      .where(and(eq(smsMessages.id, payload.messageId), eq(smsMessages.channel, 'voice')));
    // placed already (a worker died after the provider answered and this row was written): never call twice
    if (!msg || msg.status === 'sent') return;
    try {
      const { ref } = await ctx.voice.call({ id: msg.id, phone: msg.phone, template: msg.template, content: msg.content, params: JSON.parse(ctx.crypto.decrypt(payload.params)) as Record<string, string> });
      await ctx.db.update(smsMessages).set({ status: 'sent', sentAt: ctx.clock.now(), providerRef: ref ?? null, error: null }).where(eq(smsMessages.id, msg.id));
    } catch (err) {
      await ctx.db.update(smsMessages).set({ status: 'failed', error: err instanceof Error ? err.message : String(err) }).where(eq(smsMessages.id, msg.id));
      throw err;
    }
  });
}
