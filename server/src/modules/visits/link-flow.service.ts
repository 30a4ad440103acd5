/**
 * What an SMS or forwarded link (/l/<code>, links.ts) does: say what it is for, sign in the phone it
 * was sent to, and submit the order it stands for (or a new forward_fill sub).
 */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { maskName, maskPhone } from '../../../../contracts/identity.js';
import { audit } from '../audit/audit.js';
import { createSession, type Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import { markLinkUsed, resolveLink } from './links.js';
import { meetingInfoOf, type OrderDetail } from './visits.view.js';
import { VisitsCore } from './visits.core.js';
import { OrderIntake } from './order-intake.js';

export class LinkFlowService {
  private readonly core: VisitsCore;
  private readonly intake: OrderIntake;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
    this.intake = new OrderIntake(ctx, this.core);
  }

  private async linkOrder(tx: Tx, token: string) {
    const claims = await resolveLink(this.ctx, tx, token);
    if (claims.used && claims.purpose !== 'forward') throw new AppError('LINK_USED');
    const o = await repo.findOrder(tx, claims.orderId);
    if (!o) throw new AppError('LINK_INVALID');
    if (claims.purpose !== 'forward' && (o.status !== 'initiated' || o.visitorPhone !== claims.phone)) throw new AppError(o.status === 'initiated' ? 'LINK_INVALID' : 'LINK_USED');
    return { claims, order: o };
  }

  async getLink(token: string) {
    return this.ctx.db.transaction(async (tx) => {
      const { claims, order } = await this.linkOrder(tx, token);
      const main = order.parentId ? await repo.findOrder(tx, order.parentId) : order;
      const host = await repo.findStaff(tx, order.hostId);
      const registered = claims.phone ? !!(await repo.findVisitorByPhone(tx, claims.phone)) : false;
      return {
        purpose: claims.purpose,
        order: {
          hostName: maskName(host?.name ?? ''),
          unitName: host?.unitName ?? '',
          reason: order.reason,
          startAt: order.startAt.toISOString(),
          endAt: order.endAt.toISOString(),
          inviterName: maskName(await this.intake.inviterName(tx, main ?? order)),
        },
        meeting: await meetingInfoOf(tx, order),
        phone: claims.phone ? maskPhone(claims.phone) : null,
        registered,
      };
    });
  }

  /** Signed-in-by-link: the phone the link was sent to gets a session (visitor, or 'phone' to register first). */
  async linkSession(token: string, reply: FastifyReply, ua?: string) {
    return this.ctx.db.transaction(async (tx) => {
      const { claims } = await this.linkOrder(tx, token);
      if (!claims.phone) throw new AppError('LINK_INVALID');
      const v = await repo.findVisitorByPhone(tx, claims.phone);
      // a link lives much longer than an SMS code, so the session it opens is short (1 hour)
      if (v) await createSession(this.ctx, tx, reply, { type: 'visitor', id: v.id }, ua, 1);
      else await createSession(this.ctx, tx, reply, { type: 'phone', id: claims.phone }, ua, 1);
      return { registered: !!v };
    });
  }

  /** Submit through a link: own initiated order (companion/invitation) or a new forward_fill sub. */
  async submitLink(actor: Actor, token: string, input: { plate?: string | null }): Promise<OrderDetail> {
    return this.ctx.db.transaction(async (tx) => {
      const { claims, order } = await this.linkOrder(tx, token);
      const me = await this.intake.assertNotBlocked(tx, actor.id);
      let result: OrderRow;
      if (claims.purpose === 'forward') {
        if (order.visitorId === me.id) throw new AppError('COMPANION_DUPLICATE');
        const main = await this.intake.lockMainForSubs(tx, order.id, 1);
        const dup = (await repo.listSubs(tx, [main.id])).find((s) => s.visitorPhone === me.phone && s.status !== 'cancelled');
        if (dup) throw new AppError('COMPANION_DUPLICATE');
        const sub = await this.intake.createOrder(tx, this.intake.subOf(main, 'forward_fill', { visitorId: me.id, phone: me.phone, createdByVisitorId: main.visitorId }), actor, 'visitor');
        result = await this.core.submit(tx, sub, actor, input.plate);
      } else {
        if (me.phone !== claims.phone) throw new AppError('LINK_WRONG_PHONE');
        const locked = (await repo.findOrder(tx, order.id, { forUpdate: true }))!;
        result = await this.core.submit(tx, { ...locked, visitorId: me.id }, actor, input.plate);
        await markLinkUsed(this.ctx, tx, claims);
      }
      await audit(tx, actor, 'visit.submit_link', { type: 'visit_order', id: result.id }, { purpose: claims.purpose });
      return this.core.detail(tx, (await repo.findOrder(tx, result.id))!, actor);
    });
  }
}
