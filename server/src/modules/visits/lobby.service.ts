/**
 * The lobby (K2, check-out, on site): a kiosk finds today's appointment by its code, an ID card or a
 * phone; checks the visitor (and companions) in — 已到达 with the trail entry 访客机：签到, the host
 * told — and out again. Every attempt carries the kiosk's idempotency key, so that a retried or
 * offline-replayed attempt is applied once and answers what the first one did.
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { checkIdNumber, maskIdNumber, maskName, maskPhone, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import type { CheckInResult, CheckOutResult, LobbyFindResult, LobbyGroup, LobbyOrder, LobbyRefusal } from '../../../../contracts/lobby.js';
import type { OrderStatus } from '../../../../contracts/visits.js';
import { audit } from '../audit/audit.js';
import { raiseAlert } from '../alerts/alerts.service.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import * as lobby from './lobby.repository.js';
import { verifyCode } from './codes.js';
import { presenceOf } from './presence.js';
import { VisitsCore } from './visits.core.js';
import { VisitorsService } from '../visitors/visitors.service.js';
import { deletePhotoNow } from '../../platform/photos.js';

/** The kiosk a request comes from (KioskService.requireKiosk). */
export interface KioskDevice {
  id: string;
  name: string;
  buildingId: string | null;
}
export type LobbyQuery = { code: string } | { idType?: IdType; idNumber: string } | { phone: string };

/** An offline kiosk's check-in may be sent up to this long after it happened. */
const OFFLINE_MAX_AGE_MS = 24 * 3600_000;

export class LobbyService {
  private readonly core: VisitsCore;
  private readonly visitors: VisitorsService;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
    this.visitors = new VisitorsService(ctx);
  }

  private today() {
    const { clock } = this.ctx;
    const dayStart = clock.startOfDay(clock.today());
    const dayEnd = clock.startOfDay(clock.dayOf(new Date(dayStart.getTime() + 36 * 3600_000)));
    return { dayStart, dayEnd };
  }

  /** Why this order can't be checked in now (null: it can). */
  refusalOf(o: OrderRow, blocked: boolean, at: Date): LobbyRefusal | null {
    const { dayStart, dayEnd } = this.today();
    if (blocked) return 'VISITOR_BLOCKED';
    const status = o.status as OrderStatus;
    if (status === 'cancelled') return 'CANCELLED';
    if (status === 'arrived') return o.leftAt ? 'ALREADY_LEFT' : 'ALREADY_ARRIVED';
    if (o.endAt.getTime() <= dayStart.getTime() || o.startAt.getTime() >= dayEnd.getTime()) return 'NOT_TODAY';
    if (status !== 'confirmed') return 'NOT_CONFIRMED';
    if (o.endAt.getTime() <= at.getTime()) return 'WINDOW_OVER';
    return null;
  }

  /** Orders as the kiosk shows them, with what stops each from checking in. */
  private async views(tx: Tx, rows: OrderRow[], at: Date, refusalFor?: (o: OrderRow, blocked: boolean) => LobbyRefusal | null): Promise<Map<string, LobbyOrder>> {
    const { ctx } = this;
    const hosts = new Map((await lobby.hostsByIds(tx, [...new Set(rows.map((r) => r.hostId))])).map((h) => [h.id, h]));
    const people = new Map((await lobby.visitorsByIds(tx, [...new Set(rows.map((r) => r.visitorId).filter((x): x is string => !!x))])).map((v) => [v.id, v]));
    const meetings = new Map((await repo.findMeetingsForCards(tx, [...new Set(rows.map((r) => r.meetingId).filter((x): x is string => !!x))])).map((m) => [m.id, m]));
    const out = new Map<string, LobbyOrder>();
    for (const o of rows) {
      const v = o.visitorId ? people.get(o.visitorId) : undefined;
      const h = hosts.get(o.hostId);
      const m = o.meetingId ? meetings.get(o.meetingId) : undefined;
      const idEnc = v?.idNumberEnc ?? o.inviteeIdNumberEnc;
      // where to go: the meeting room, or the host's building and office room
      const place = m ? [m.buildingName, m.floor, m.location, m.roomName].filter(Boolean).join(' ') : [h?.buildingName, h?.officeRoom].filter(Boolean).join(' ');
      const blocked = !!v?.blocked;
      out.set(o.id, {
        id: o.id,
        parentId: o.parentId,
        kind: o.kind as LobbyOrder['kind'],
        status: o.status as LobbyOrder['status'],
        visitor: {
          name: v?.name ?? o.inviteeName ?? '',
          idNumberMasked: idEnc ? maskIdNumber(ctx.crypto.decrypt(idEnc)) : null,
          phoneMasked: maskPhone(o.visitorPhone),
          company: v?.company ?? o.inviteeCompany ?? null,
          position: v?.position ?? o.inviteePosition ?? null,
          hasPhoto: !!v?.photoKey,
        },
        reason: o.reason,
        remark: o.remark,
        startAt: o.startAt.toISOString(),
        endAt: o.endAt.toISOString(),
        // a lobby screen: the host's name masked, as on the walk-in and the slip
        host: { name: maskName(h?.name ?? ''), unitName: h?.unitName ?? '', departmentName: h?.departmentName ?? null },
        place: place || null,
        presence: presenceOf(o, ctx.clock.now(), ctx.config.VISIT_OVERSTAY_MINUTES),
        refusal: refusalFor ? refusalFor(o, blocked) : this.refusalOf(o, blocked, at),
      });
    }
    return out;
  }

  /** The blocked among these orders' visitors raise an alert at the desk (once per person in a few minutes). */
  private async alertBlocked(tx: Tx, device: KioskDevice, views: LobbyOrder[], rows: OrderRow[]) {
    for (const o of rows) {
      const view = views.find((x) => x.id === o.id);
      if (view?.refusal !== 'VISITOR_BLOCKED') continue;
      await raiseAlert(this.ctx, tx, {
        kind: 'blocked_visitor',
        source: 'kiosk',
        deviceName: device.name,
        buildingIds: device.buildingId ? [device.buildingId] : [],
        orderId: o.id,
        visitorId: o.visitorId,
        personName: view.visitor.name,
        reason: 'VISITOR_BLOCKED',
      });
    }
  }

  /** Who a query names: a code's order, or the visitors with this ID number, or a phone. */
  private async who(tx: Tx, q: LobbyQuery): Promise<{ orderId?: string; visitorIds?: string[]; phone?: string }> {
    if ('code' in q) return { orderId: await verifyCode(this.ctx, q.code.trim()) };
    if ('idNumber' in q) {
      const type = q.idType ?? 'prc_id';
      const err = checkIdNumber(type, q.idNumber);
      if (err) throw new AppError(err);
      return { visitorIds: await lobby.visitorIdsByIdIndex(tx, this.ctx.crypto.blindIndex(normaliseIdNumber(q.idNumber))) };
    }
    return { phone: q.phone.trim() };
  }

  /**
   * K2: today's orders for a scanned 访客预约码 (or slip), an ID card, or a phone — each with its main
   * order's group (companions are checked in together). Nothing today but a later order → that one,
   * refused as "not today". Nothing at all → 404 LOBBY_NOT_FOUND. A blocklisted person is refused and
   * the desk alerted, as at the gates.
   */
  async find(actor: Actor, device: KioskDevice, q: LobbyQuery): Promise<LobbyFindResult> {
    const { ctx } = this;
    const now = ctx.clock.now();
    return ctx.db.transaction(async (tx) => {
      const who = await this.who(tx, q);
      let matched: OrderRow[];
      if (who.orderId) {
        const o = await repo.findOrder(tx, who.orderId);
        matched = o ? [o] : [];
      } else {
        const { dayStart, dayEnd } = this.today();
        matched = await lobby.ordersOverlapping(tx, who, dayStart, dayEnd);
        if (!matched.length) {
          const next = await lobby.nextLiveOrder(tx, who, dayEnd);
          if (next) matched = [next];
        }
      }
      if (!matched.length) throw new AppError('LOBBY_NOT_FOUND');
      const groups = await this.groups(tx, matched, now);
      await this.alertBlocked(tx, device, groups.flatMap((g) => [g.main, ...g.companions]), matched);
      await audit(tx, actor, 'visit.lobby_find', { type: 'visit_order', id: matched[0]!.id }, { by: 'code' in q ? 'code' : 'idNumber' in q ? 'id_card' : 'phone', count: matched.length });
      return { groups };
    });
  }

  /** Each matched order with its main and the main's companions; actionable groups first. */
  private async groups(tx: Tx, matched: OrderRow[], at: Date): Promise<LobbyGroup[]> {
    const mainIds = [...new Set(matched.map((o) => o.parentId ?? o.id))];
    const mains = await lobby.ordersByIds(tx, mainIds);
    const subs = await repo.listSubs(tx, mainIds);
    const views = await this.views(tx, [...mains, ...subs], at);
    const groups: LobbyGroup[] = [];
    for (const id of mainIds) {
      const main = views.get(id);
      if (!main) continue;
      const companions = subs.filter((s) => s.parentId === id).map((s) => views.get(s.id)!);
      groups.push({ main, companions, matchedId: matched.find((o) => (o.parentId ?? o.id) === id)!.id });
    }
    const rank = (g: LobbyGroup) => ([g.main, ...g.companions].some((o) => o.refusal === null) ? 0 : 1);
    return groups.sort((a, b) => rank(a) - rank(b) || a.main.startAt.localeCompare(b.main.startAt));
  }

  private occurredAt(raw: string | null | undefined): Date {
    const now = this.ctx.clock.now();
    if (!raw) return now;
    const t = new Date(raw);
    // a kiosk's clock may be off: the moment is kept only when it is plausible
    if (Number.isNaN(t.getTime()) || t.getTime() > now.getTime() || now.getTime() - t.getTime() > OFFLINE_MAX_AGE_MS) return now;
    return t;
  }

  /**
   * 签到: each chosen order that can be checked in becomes 已到达 (访客机：签到, the host told);
   * the others answer their refusal. A fever or a health code that is not green stops it all.
   */
  async checkIn(
    actor: Actor,
    device: KioskDevice,
    body: { orderIds: string[]; temperature?: number | null; healthCode?: 'green' | 'yellow' | 'red' | null; photoUploadId?: string | null; idempotencyKey?: string | null; occurredAt?: string | null; code?: string | null },
  ): Promise<CheckInResult> {
    const { ctx } = this;
    if (body.temperature != null && body.temperature >= ctx.config.KIOSK_FEVER_THRESHOLD_C) throw new AppError('TEMPERATURE_ABNORMAL');
    if (ctx.config.KIOSK_HEALTH_CODE && body.healthCode && body.healthCode !== 'green') throw new AppError('HEALTH_CODE_ABNORMAL');
    const at = this.occurredAt(body.occurredAt);
    if (body.code) {
      // an offline check-in: the code was verified at the kiosk when it was shown; so here
      const codeOrder = await verifyCode(ctx, body.code.trim(), at);
      if (!body.orderIds.includes(codeOrder)) throw new AppError('LOBBY_CODE_MISMATCH');
    }
    const ids = [...new Set(body.orderIds)];
    const oldKeys: string[] = [];
    const result = await this.once(device, body.idempotencyKey, 'check_in', async (tx) => {
      const rows = (await Promise.all(ids.map((id) => repo.findOrder(tx, id, { forUpdate: true })))).filter((x): x is OrderRow => !!x);
      if (rows.length !== ids.length) throw new AppError('NOT_FOUND');
      const views = await this.views(tx, rows, at);
      await this.alertBlocked(tx, device, [...views.values()], rows);
      const results: Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null }> = [];
      const comment = [device.name, body.temperature != null ? `体温 ${body.temperature.toFixed(1)}℃` : null, body.occurredAt && at.getTime() !== ctx.clock.now().getTime() ? '离线签到' : null].filter(Boolean).join(' · ');
      for (const o of rows) {
        const refusal = views.get(o.id)!.refusal;
        if (refusal) {
          results.push({ orderId: o.id, ok: false, refusal });
          continue;
        }
        await this.core.arrive(tx, o, { actor, role: 'kiosk', action: 'check_in', comment, at, via: 'kiosk', where: device.name });
        results.push({ orderId: o.id, ok: true, refusal: null });
      }
      const first = rows.find((o) => o.visitorId && results.find((r) => r.orderId === o.id)?.ok);
      if (body.photoUploadId && first?.visitorId) oldKeys.push(...(await this.visitors.replacePhotoAtKiosk(tx, actor, first.visitorId, body.photoUploadId)));
      await audit(tx, actor, 'visit.check_in', { type: 'visit_order', id: rows[0]!.id }, { count: rows.length, checkedIn: results.filter((r) => r.ok).length, offline: !!body.occurredAt });
      return { results, temperature: body.temperature ?? null, healthCode: body.healthCode ?? null, occurredAt: body.occurredAt ? at : null };
    });
    for (const k of oldKeys) await deletePhotoNow(ctx, k).catch(() => {});
    return result;
  }

  /**
   * 签离 at the kiosk: the orders on site (已到达, not left) of a scanned code or slip, an ID card, a
   * phone or chosen ids record when and where they left; the gates drop them.
   */
  async checkOut(actor: Actor, device: KioskDevice, q: LobbyQuery | { orderIds: string[] }, idempotencyKey?: string | null): Promise<CheckOutResult> {
    const { ctx } = this;
    return this.once(device, idempotencyKey, 'check_out', async (tx) => {
      let rows: OrderRow[];
      if ('orderIds' in q) rows = await lobby.onSiteOf(tx, { orderIds: q.orderIds });
      else {
        const who = await this.who(tx, q);
        rows = who.orderId ? await lobby.onSiteOf(tx, { orderIds: [who.orderId] }) : await lobby.onSiteOf(tx, who);
        if (!rows.length) {
          // say why: already checked out, or never checked in
          const ids = who.orderId ? [who.orderId] : (await lobby.ordersOverlapping(tx, who, ...Object.values(this.today()) as [Date, Date])).map((o) => o.id);
          const known = await lobby.ordersByIds(tx, ids);
          if (!known.length) throw new AppError('LOBBY_NOT_FOUND');
          const refusal: LobbyRefusal = known.some((o) => o.leftAt) ? 'ALREADY_LEFT' : 'NOT_ON_SITE';
          return { results: known.map((o) => ({ orderId: o.id, ok: false, refusal })), temperature: null, healthCode: null, occurredAt: null };
        }
      }
      if (!rows.length) throw new AppError('LOBBY_NOT_FOUND');
      const now = ctx.clock.now();
      for (const o of rows) {
        const locked = await repo.findOrder(tx, o.id, { forUpdate: true });
        if (!locked || locked.status !== 'arrived' || locked.leftAt) continue;
        await this.core.leave(tx, locked, { actor, role: 'kiosk', action: 'check_out', comment: device.name, at: now, via: 'kiosk', where: device.name });
      }
      await audit(tx, actor, 'visit.check_out', { type: 'visit_order', id: rows[0]!.id }, { count: rows.length });
      return { results: rows.map((o) => ({ orderId: o.id, ok: true, refusal: null })), temperature: null, healthCode: null, occurredAt: null };
    });
  }

  /**
   * Run an attempt once per (kiosk, key): the first records its results; a replay answers them again
   * (with the orders as they are now). Without a key it simply runs.
   */
  private async once(
    device: KioskDevice,
    key: string | null | undefined,
    kind: 'check_in' | 'check_out',
    fn: (tx: Tx) => Promise<{ results: Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null }>; temperature: number | null; healthCode: string | null; occurredAt: Date | null }>,
  ): Promise<CheckInResult> {
    const { ctx } = this;
    const answer = async (tx: Tx, results: Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null }>, replay: boolean): Promise<CheckInResult> => {
      const rows = await lobby.ordersByIds(tx, results.map((r) => r.orderId));
      const views = await this.views(tx, rows, ctx.clock.now());
      return { results: results.map((r) => ({ ...r, order: views.get(r.orderId)! })), ...(replay ? { replay: true } : {}) };
    };
    const replayed = async () =>
      key
        ? ctx.db.transaction(async (tx) => {
            const prev = await lobby.findCheck(tx, device.id, key);
            return prev ? answer(tx, prev.results as Array<{ orderId: string; ok: boolean; refusal: LobbyRefusal | null }>, true) : null;
          })
        : null;
    const prev = await replayed();
    if (prev) return prev;
    try {
      return await ctx.db.transaction(async (tx) => {
        const r = await fn(tx);
        if (key) {
          await lobby.insertCheck(tx, {
            deviceId: device.id,
            idempotencyKey: key,
            kind,
            at: ctx.clock.now(),
            occurredAt: r.occurredAt,
            temperature: r.temperature != null ? r.temperature.toFixed(1) : null,
            healthCode: r.healthCode,
            results: r.results,
          });
        }
        return answer(tx, r.results, false);
      });
    } catch (e) {
      // the same attempt twice at once: the second finds the first's answer
      const again = isUniqueViolation(e) ? await replayed() : null;
      if (again) return again;
      throw e;
    }
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}
