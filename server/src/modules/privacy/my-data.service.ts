/**
 * 我的数据 (PIPL art. 44–47): what is stored about the signed-in visitor, who read or handled it
 * (from the audit log: the role, the action and the time — not the reader's name), the whole of it
 * as a file (导出我的数据, audited), and 注销 (delete the account). Every method starts from the
 * visitor's own session (actor.id): no id from the request can point at anyone else.
 *
 * 注销 is refused while an order is open (ACCOUNT_HAS_OPEN_ORDER: pending, confirmed, initiated, or
 * arrived and still on site); otherwise one transaction turns the visitor row into a tombstone
 * (privacy.repository.ts eraseVisitor), clears the personal fields typed on their orders, ends
 * their consents and sessions, and records visitor.account_deleted; the photo object is deleted
 * after the commit (and by the queued photos.delete job). The browser's cookie is cleared. A later
 * sign-in with the same phone finds no visitor and registers afresh.
 */
import { eraseMessagesTo } from '../notify/sms.service.js';
import { forgetCodesOf } from '../identity/identity.service.js';
import type { FastifyReply } from 'fastify';
import { maskIdNumber, maskName, type IdType } from '../../../../contracts/identity.js';
import { READINGS_LIMIT, type MyData, type MyDataExport, type MyDataReading, type ReaderRole } from '../../../../contracts/privacy.js';
import type { OrderKind, OrderStatus } from '../../../../contracts/visits.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { deletePhotoNow, enqueuePhotoDeletion } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import { SESSION_COOKIES, type Actor } from '../identity/session.js';
import * as repo from './privacy.repository.js';

const DAY_MS = 24 * 3600_000;

function readerRole(actorType: string, actorId: string): ReaderRole {
  if (actorType === 'system') return actorId.startsWith('device:') ? 'device' : 'system';
  return actorType as ReaderRole;
}

export class MyDataService {
  constructor(private readonly ctx: AppContext) {}

  /** GET /api/visitor/me/data */
  async get(actor: Actor): Promise<MyData> {
    const v = await repo.findLiveVisitor(this.ctx.db, actor.id);
    if (!v) throw new AppError('NOT_FOUND');
    return this.collect(v);
  }

  /** GET /api/visitor/me/data/export: everything, the photo as base64; audited. */
  async export(actor: Actor): Promise<{ data: MyDataExport; fileName: string }> {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      const v = await repo.findLiveVisitor(tx, actor.id);
      if (!v) throw new AppError('NOT_FOUND');
      const mine = await this.collect(v, tx);
      const orders = await repo.listOrdersForExport(tx, v.id);
      const passes = await repo.listPassesOfOrders(tx, orders.map((o) => o.id));
      const photo = v.photoKey ? await ctx.storage.get(v.photoKey) : null;
      const now = ctx.clock.now();
      await audit(tx, actor, 'visitor.data_export', { type: 'visitor', id: v.id }, { count: orders.length, photo: Boolean(photo) });
      const data: MyDataExport = {
        format: 'safeguard.my-data.v1',
        exportedAt: now.toISOString(),
        center: ctx.config.CENTER_NAME,
        visitor: { ...mine.visitor, idNumber: v.idNumberEnc ? ctx.crypto.decrypt(v.idNumberEnc) : null },
        photo: { ...mine.photo, jpegBase64: photo ? photo.toString('base64') : null },
        consents: mine.consents,
        orders: orders.map((o) => ({
          id: o.id,
          kind: o.kind as OrderKind,
          status: o.status as OrderStatus,
          unitName: o.unitName,
          hostName: maskName(o.hostName),
          reason: o.reason,
          startAt: o.startAt.toISOString(),
          endAt: o.endAt.toISOString(),
          plate: o.plate,
          arrivedAt: o.arrivedAt?.toISOString() ?? null,
          leftAt: o.leftAt?.toISOString() ?? null,
          createdAt: o.createdAt.toISOString(),
        })),
        passes: passes.map((p) => ({ orderId: p.orderId, at: p.at.toISOString(), method: p.method, direction: p.direction, result: p.result, device: p.device ?? null })),
        readings: (await repo.listReadings(tx, v.id, 100_000)).map((r) => this.reading(r)),
        retention: mine.retention,
      };
      return { data, fileName: `my-data-${ctx.clock.dayOf(now)}.json` };
    });
  }

  /** DELETE /api/visitor/me (注销): refused while an order is open; otherwise the tombstone, and signed out. */
  async deleteAccount(actor: Actor, reply: FastifyReply): Promise<{ ok: true }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const photoKey = await ctx.db.transaction(async (tx) => {
      const v = await repo.findLiveVisitor(tx, actor.id, true);
      if (!v) throw new AppError('NOT_FOUND');
      const figures = await repo.orderFigures(tx, v.id, now);
      if (figures.open > 0) throw new AppError('ACCOUNT_HAS_OPEN_ORDER');
      const { orders } = await repo.eraseVisitor(tx, v.id, v.phone, now);
      // the SMS sent to the phone and its codes, unless a staff member has the same phone (theirs)
      const colleague = await repo.isStaffPhone(tx, v.phone);
      const messagesErased = colleague ? 0 : await eraseMessagesTo(tx, v.phone);
      if (!colleague) await forgetCodesOf(tx, v.phone);
      if (v.photoKey) await enqueuePhotoDeletion(ctx, tx, v.photoKey);
      await audit(tx, actor, 'visitor.account_deleted', { type: 'visitor', id: v.id }, { photoDeleted: Boolean(v.photoKey), ordersAnonymised: orders, messagesErased });
      return v.photoKey;
    });
    if (photoKey) await deletePhotoNow(ctx, photoKey);
    reply.clearCookie(SESSION_COOKIES.visitor, { path: '/' });
    return { ok: true };
  }

  private async collect(v: repo.VisitorRow, tx: Parameters<typeof repo.listConsents>[0] = this.ctx.db): Promise<MyData> {
    const { ctx } = this;
    const consents = await repo.listConsents(tx, v.id);
    const figures = await repo.orderFigures(tx, v.id, ctx.clock.now());
    const readings = await repo.listReadings(tx, v.id, READINGS_LIMIT);
    const readingsTotal = await repo.countReadings(tx, v.id);
    const activeFace = consents.filter((c) => c.kind === 'face' && !c.withdrawnAt).at(-1);
    const idNumber = v.idNumberEnc ? ctx.crypto.decrypt(v.idNumberEnc) : null;
    const days = ctx.config.VISITOR_RETENTION_DAYS;
    const hasSomethingToPurge = Boolean(v.photoKey || v.idNumberEnc);
    // the same rule as the purge: the later of the last visit and the last change of the details
    const lastActivity = Math.max(v.updatedAt.getTime(), figures.lastVisitAt?.getTime() ?? 0);
    return {
      visitor: {
        name: v.name,
        phone: v.phone,
        idType: v.idType as IdType,
        idNumberMasked: idNumber ? maskIdNumber(idNumber) : null,
        company: v.company,
        position: v.position,
        wechatBound: Boolean(v.wechatOpenId),
        registeredAt: v.createdAt.toISOString(),
        updatedAt: v.updatedAt.toISOString(),
      },
      photo: { held: Boolean(v.photoKey), since: v.photoKey && activeFace ? activeFace.grantedAt.toISOString() : null },
      consents: consents.map((c) => ({
        kind: c.kind as 'face' | 'terms',
        version: c.textVersion,
        grantedAt: c.grantedAt.toISOString(),
        withdrawnAt: c.withdrawnAt?.toISOString() ?? null,
      })),
      orders: { total: figures.total, open: figures.open },
      lastVisitAt: figures.lastPastVisitAt?.toISOString() ?? null,
      retention: {
        days,
        purgeAfter: hasSomethingToPurge && figures.open === 0 && !v.blocked ? new Date(lastActivity + days * DAY_MS).toISOString() : null,
      },
      readings: readings.map((r) => this.reading(r)),
      readingsTotal,
    };
  }

  private reading(r: { at: Date; actorType: string; actorId: string; action: string; targetType: string }): MyDataReading {
    return { at: r.at.toISOString(), role: readerRole(r.actorType, r.actorId), action: r.action, subject: r.targetType as MyDataReading['subject'] };
  }
}
