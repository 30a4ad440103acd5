/**
 * WeCom (企业微信) application messages: a notice whose template channel is `wecom` reaches a staff
 * member as a text card from the app (WECOM_AGENT_ID) — title the event, description the rendered
 * template, 详情 opening the staff app's page (through WeCom sign-in). Like voice calls
 * (docs/decisions/0009-voice-calls.md) it is a row in sms_messages, here with channel "wecom", and
 * its own job, `wecom.send`, retried with backoff. WeCom saying the member is unknown (81013, or
 * the userid in invaliduser/unlicenseduser) is not retried: the same text goes by SMS instead.
 * docs/decisions/0013-wecom-notices.md.
 */
import { and, eq } from 'drizzle-orm';
import { smsMessages } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import type { WecomAnswer } from '../../platform/wecom.js';
import { EVENT_LABELS, isVisitEvent } from '../../../../contracts/notify.js';
import { queueSms } from './sms.service.js';

export const WECOM_JOB = 'wecom.send';
/** WeCom's limits on a text card */
const TITLE_MAX_BYTES = 128;
const DESCRIPTION_MAX_BYTES = 512;
/** the card's button (at most 4 characters) */
export const WECOM_BUTTON = '详情';
/** "all recipients invalid or out of the app's visible range" */
const NOT_A_MEMBER = 81013;

/** What the job needs besides the row; encrypted in the payload (the userid and the SMS parameters are personal). */
interface WecomData {
  touser: string;
  title: string;
  url: string;
  /** for the SMS sent instead when WeCom does not know the member */
  params: Record<string, string>;
}

type SendAnswer = WecomAnswer & { msgid?: string; invaliduser?: string; unlicenseduser?: string };

/** The card's title: the event's name (without the 语音 note some names carry). */
export function wecomTitle(template: string): string {
  const label = isVisitEvent(template) ? EVENT_LABELS[template]['zh-CN'].replace(/（语音）$/, '') : template;
  return clipBytes(label, TITLE_MAX_BYTES);
}

/** Cut a text to at most `max` UTF-8 bytes, on a character boundary, with … when cut. */
export function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch + '…') > max) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * Queue one WeCom message in the caller's transaction; the `wecom.send` job sends it after commit.
 * `dedupeKey` is the job key: the same key → one message. `phone` is the member's, for 短信发件箱
 * and the SMS sent instead if WeCom does not know them.
 */
export async function queueWecomMessage(
  ctx: AppContext,
  tx: Tx,
  m: { phone: string; userId: string; template: string; content: string; url: string; params?: Record<string, string>; dedupeKey: string },
) {
  const [row] = await tx
    .insert(smsMessages)
    .values({ channel: 'wecom', phone: m.phone, template: m.template, content: m.content, provider: 'wecom' })
    .returning({ id: smsMessages.id });
  const data: WecomData = { touser: m.userId, title: wecomTitle(m.template), url: m.url, params: m.params ?? {} };
  await ctx.queue.enqueue(tx, { type: WECOM_JOB, key: m.dedupeKey, payload: { messageId: row!.id, data: ctx.crypto.encrypt(JSON.stringify(data)) } });
  return row!.id;
}

const listed = (list: string | undefined, userId: string) => (list ?? '').split('|').includes(userId);

export function registerWecomJobs(ctx: AppContext) {
  ctx.queue.register(WECOM_JOB, async (payload: { messageId: string; data: string }, job) => {
    const [msg] = await ctx.db
      .select()
      .from(smsMessages)
      .where(and(eq(smsMessages.id, payload.messageId), eq(smsMessages.channel, 'wecom')));
    // sent already (a worker died after WeCom answered and this row was written): never twice
    if (!msg || msg.status === 'sent') return;
    const d = JSON.parse(ctx.crypto.decrypt(payload.data)) as WecomData;
    const fail = async (error: string) => {
      await ctx.db.update(smsMessages).set({ status: 'failed', error }).where(eq(smsMessages.id, msg.id));
      return new Error(error);
    };
    if (!ctx.wecom || !ctx.config.WECOM_AGENT_ID) throw await fail('WeCom is not configured (WECOM_CORP_ID, WECOM_CORP_SECRET, WECOM_AGENT_ID)');
    let r: SendAnswer;
    try {
      r = await ctx.wecom.post<SendAnswer>('/cgi-bin/message/send', {
        touser: d.touser,
        msgtype: 'textcard',
        agentid: Number(ctx.config.WECOM_AGENT_ID),
        textcard: { title: d.title, description: clipBytes(msg.content, DESCRIPTION_MAX_BYTES), url: d.url, btntxt: WECOM_BUTTON },
        // a retry after WeCom accepted the first try (the answer lost) is not shown twice
        enable_duplicate_check: 1,
        duplicate_check_interval: 1800,
      });
    } catch (err) {
      throw await fail(err instanceof Error ? err.message : String(err));
    }
    if (r.errcode === NOT_A_MEMBER || (!r.errcode && (listed(r.invaliduser, d.touser) || listed(r.unlicenseduser, d.touser)))) {
      // WeCom does not know this member (left, wrong userid, outside the app's range): the SMS instead
      const why = r.errcode ? `errcode ${r.errcode}` : listed(r.invaliduser, d.touser) ? 'invaliduser' : 'unlicenseduser';
      await ctx.db.transaction(async (tx) => {
        await tx.update(smsMessages).set({ status: 'failed', error: `WeCom does not know this member (${why}); sent by SMS instead` }).where(eq(smsMessages.id, msg.id));
        await queueSms(ctx, tx, { phone: msg.phone, template: msg.template, content: msg.content, params: d.params, dedupeKey: job.key.replace(/^wecom:/, 'sms:') });
      });
      ctx.log.warn({ messageId: msg.id, template: msg.template, reason: why }, 'WeCom notice sent by SMS instead');
      return;
    }
    if (r.errcode) throw await fail(`WeCom message/send refused: errcode ${r.errcode}`);
    await ctx.db.update(smsMessages).set({ status: 'sent', sentAt: ctx.clock.now(), providerRef: r.msgid ?? null, error: null }).where(eq(smsMessages.id, msg.id));
  });
}
