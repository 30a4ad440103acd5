/**
 * The admin console's system pages: the development SMS outbox (短信发件箱), the job queue
 * (任务队列) and the audit log (审计日志). Administrators only. The 首页 is modules/dashboard.
 */
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { jobs, smsMessages } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { maskPhone } from '../../../../contracts/identity.js';
import { audit } from '../audit/audit.js';
import { listAuditLog } from '../audit/audit-log.service.js';
import { requireActor } from '../identity/session.js';

/** 任务队列 counts jobs up to this many: beyond, its total reads "more than 10,000" */
export const JOBS_COUNTED = 10_000;

export interface Page {
  page: number;
  pageSize: number;
}
const pageWindow = (p: Page) => ({ limit: p.pageSize, offset: (p.page - 1) * p.pageSize });
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class AdminService {
  constructor(private readonly ctx: AppContext) {}

  /** 短信发件箱: every SMS and voice call the system queued, newest first, with full content. Reading is audited. */
  async listSmsOutbox(req: FastifyRequest, q: Page & { phone?: string; channel?: 'sms' | 'voice' | 'wecom' }) {
    const actor = requireActor(req, 'admin');
    const conds: SQL[] = [];
    if (q.phone) conds.push(sql`${smsMessages.phone} like ${'%' + likeEscape(q.phone) + '%'}`);
    if (q.channel) conds.push(eq(smsMessages.channel, q.channel));
    const where = conds.length ? and(...conds) : undefined;
    return this.ctx.db.transaction(async (tx) => {
      const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(smsMessages).where(where);
      const items = await tx
        .select()
        .from(smsMessages)
        .where(where)
        .orderBy(desc(smsMessages.createdAt), desc(smsMessages.id))
        .limit(pageWindow(q).limit)
        .offset(pageWindow(q).offset);
      await audit(tx, actor, 'sms_outbox.read', { type: 'sms_outbox' }, {
        page: q.page,
        shown: items.length,
        ...(q.channel ? { channel: q.channel } : {}),
        ...(q.phone ? { phoneFilter: q.phone.length === 11 ? maskPhone(q.phone) : `*${q.phone.length} digits*` } : {}),
      });
      return { items, total: Number(total), page: q.page, pageSize: q.pageSize };
    });
  }

  /** 任务队列: jobs newest first. Payloads are not shown (they can hold codes and personal data). */
  async listJobs(req: FastifyRequest, q: Page & { status?: string; type?: string }) {
    requireActor(req, 'admin');
    const conds: SQL[] = [];
    if (q.status) conds.push(eq(jobs.status, q.status));
    if (q.type) conds.push(eq(jobs.type, q.type));
    const where = conds.length ? and(...conds) : undefined;
    const { db } = this.ctx;
    // counted up to JOBS_COUNTED (a page of a million finished jobs should not count them all): beyond, the total says "more than"
    const upTo = db.select({ one: sql`1` }).from(jobs).where(where).limit(JOBS_COUNTED + 1).as('upto');
    const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(upTo);
    const items = await db
      .select({
        id: jobs.id,
        type: jobs.type,
        key: jobs.key,
        status: jobs.status,
        attempts: jobs.attempts,
        maxAttempts: jobs.maxAttempts,
        runAt: jobs.runAt,
        lastError: jobs.lastError,
        createdAt: jobs.createdAt,
        finishedAt: jobs.finishedAt,
      })
      .from(jobs)
      .where(where)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(pageWindow(q).limit)
      .offset(pageWindow(q).offset);
    return { items, total: Math.min(Number(n), JOBS_COUNTED), totalCapped: Number(n) > JOBS_COUNTED, page: q.page, pageSize: q.pageSize };
  }

  /** 重试: put a failed or dead job back in line now. */
  async retryJob(req: FastifyRequest, id: string) {
    const actor = requireActor(req, 'admin');
    const { ctx } = this;
    const [job] = await ctx.db.select({ id: jobs.id, status: jobs.status, type: jobs.type }).from(jobs).where(eq(jobs.id, id));
    if (!job) throw new AppError('NOT_FOUND');
    if (job.status !== 'failed' && job.status !== 'dead') throw new AppError('JOB_NOT_RETRYABLE');
    // (the queue writes through ctx.db, so it runs outside our transaction: PGlite has one connection)
    if (!(await ctx.queue.retry(id))) throw new AppError('JOB_NOT_RETRYABLE');
    await ctx.db.transaction((tx) => audit(tx, actor, 'job.retry', { type: 'job', id }, { jobType: job.type, from: job.status }));
  }

  /** 审计日志: newest first (the query: audit/audit-log.service.ts). */
  async listAudit(
    req: FastifyRequest,
    q: Page & { action?: string; targetType?: string; targetId?: string; actorType?: string; actorId?: string; from?: Date; to?: Date },
  ) {
    requireActor(req, 'admin');
    // a report: read where reports read (the replica, when there is one — decision 0016)
    return listAuditLog(this.ctx.reports, q);
  }
}
