/**
 * Who is on site (arrived, not seen leaving): the admin 在场访客 list, and the minute sweep that
 * tells the host and reception once when someone overstays (VISIT_OVERSTAY_MINUTES past the window's
 * end) and checks people out automatically VISIT_AUTO_CHECKOUT_MINUTES after it (0: never).
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { maskPhone } from '../../../../contracts/identity.js';
import type { OnSiteList } from '../../../../contracts/lobby.js';
import { audit } from '../audit/audit.js';
import { receptionStaff } from '../alerts/alerts.service.js';
import type { Actor } from '../identity/session.js';
import * as repo from './visits.repository.js';
import type { OrderRow } from './visits.repository.js';
import * as lobby from './lobby.repository.js';
import { presenceOf } from './presence.js';
import { VisitsCore } from './visits.core.js';

const LIST_LIMIT = 2000;
const SWEEP_BATCH = 200;

export class OnSiteService {
  private readonly core: VisitsCore;
  constructor(private readonly ctx: AppContext) {
    this.core = new VisitsCore(ctx);
  }

  /** 在场访客: everyone on site now, overstaying first (the longest past their end first). */
  async list(actor: Actor): Promise<OnSiteList> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const threshold = ctx.config.VISIT_OVERSTAY_MINUTES;
    return ctx.db.transaction(async (tx) => {
      const rows = await lobby.onSiteAll(tx, LIST_LIMIT);
      const counts = await lobby.countOnSite(tx, new Date(now.getTime() - threshold * 60_000));
      const who = await personOf(tx, rows);
      await audit(tx, actor, 'visit.on_site_read', { type: 'visit_order' }, { count: rows.length });
      return {
        items: rows.map((o) => ({ ...who(o), startAt: o.startAt.toISOString(), endAt: o.endAt.toISOString(), presence: presenceOf(o, now, threshold) })),
        total: counts.total,
        overstaying: counts.overstaying,
      };
    });
  }

  /**
   * 打印 for an evacuation (A11): the phones of everyone on site and of their hosts in full, so that
   * whoever holds the sheet can call them (系统管理员 only, as the whole on-site list). The read is
   * audited with its count; the screen keeps showing masked phones.
   */
  async evacuationPhones(actor: Actor): Promise<{ items: Array<{ orderId: string; phone: string; hostPhone: string }> }> {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      const rows = await lobby.onSiteAll(tx, LIST_LIMIT);
      const hosts = new Map((await lobby.hostsByIds(tx, [...new Set(rows.map((r) => r.hostId))])).map((h) => [h.id, h]));
      const items = rows.map((o) => ({ orderId: o.id, phone: o.visitorPhone, hostPhone: hosts.get(o.hostId)?.phone ?? '' }));
      await audit(tx, actor, 'visit.evacuation_phones_read', { type: 'visit_order' }, { count: items.length });
      return { items };
    });
  }

  /**
   * Who a roll call covers (点名, A11): everyone on site now, and the orders in `alsoIds` (marked in
   * the roll call) even if they have left since. Masked phones; the caller audits the read.
   */
  async people(tx: Tx, alsoIds: string[]): Promise<Array<{ orderId: string; visitorName: string; phoneMasked: string; company: string | null; hostName: string; hostPhoneMasked: string; unitName: string; buildingName: string | null; left: boolean }>> {
    const onSite = await lobby.onSiteAll(tx, LIST_LIMIT);
    const have = new Set(onSite.map((o) => o.id));
    const rows = [...onSite, ...(await lobby.ordersByIds(tx, alsoIds.filter((id) => !have.has(id))))];
    const who = await personOf(tx, rows);
    return rows.map((o) => ({ ...who(o), left: !!o.leftAt }));
  }

  /** The minute sweep. Returns how many were told about and how many were checked out. */
  async sweep(): Promise<{ overstay: number; autoLeft: number }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const auto = ctx.config.VISIT_AUTO_CHECKOUT_MINUTES;
    const threshold = ctx.config.VISIT_OVERSTAY_MINUTES;
    return ctx.db.transaction(async (tx) => {
      let autoLeft = 0;
      if (auto > 0) {
        for (const o of await lobby.onSiteEndedBefore(tx, new Date(now.getTime() - auto * 60_000), {}, SWEEP_BATCH)) {
          await this.core.leave(tx, o, { actor: { type: 'system', id: 'auto-checkout' }, role: 'system', action: 'check_out', comment: `超过离开时间${auto}分钟，自动签离`, at: now, via: 'auto', where: null });
          autoLeft++;
        }
      }
      let overstay = 0;
      for (const o of await lobby.onSiteEndedBefore(tx, new Date(now.getTime() - threshold * 60_000), { notNotified: true }, SWEEP_BATCH)) {
        await this.tellOverstay(tx, o, Math.floor((now.getTime() - o.endAt.getTime()) / 60_000));
        await repo.updateOrder(tx, o.id, { overstayNotifiedAt: now });
        overstay++;
      }
      return { overstay, autoLeft };
    });
  }

  /** The host (not for an internal meeting attendee) and reception of the host's building, once. */
  private async tellOverstay(tx: Tx, o: OrderRow, minutes: number) {
    const [host] = await lobby.hostsByIds(tx, [o.hostId]);
    const extra = { overstayMinutes: String(minutes) };
    const told = new Set<string>();
    if (host && !o.attendeeStaffId) {
      await this.core.notify(tx, 'visitor_overstay', o, { kind: 'staff', id: host.id, phone: host.phone }, extra);
      told.add(host.id);
    }
    for (const s of await receptionStaff(tx, host?.unitBuildingId ? [host.unitBuildingId] : [])) {
      if (told.has(s.id)) continue;
      // reception can't open someone else's order: a WeCom card takes them to the staff app's home
      await this.core.notify(tx, 'visitor_overstay', o, { kind: 'staff', id: s.id, phone: s.phone, page: '/' }, extra);
      told.add(s.id);
    }
  }
}

/**
 * Who an on-site order is, as 在场访客 and the roll call show it: the visitor (or invitee), masked
 * phones, the host with unit and building. Reads the hosts and visitors of all `rows` at once.
 */
async function personOf(tx: Tx, rows: OrderRow[]) {
  const hosts = new Map((await lobby.hostsByIds(tx, [...new Set(rows.map((r) => r.hostId))])).map((h) => [h.id, h]));
  const people = new Map((await lobby.visitorsByIds(tx, [...new Set(rows.map((r) => r.visitorId).filter((x): x is string => !!x))])).map((v) => [v.id, v]));
  return (o: OrderRow) => {
    const v = o.visitorId ? people.get(o.visitorId) : undefined;
    const h = hosts.get(o.hostId);
    return {
      orderId: o.id,
      visitorName: v?.name ?? o.inviteeName ?? '',
      phoneMasked: maskPhone(o.visitorPhone),
      company: v?.company ?? o.inviteeCompany ?? null,
      hostName: h?.name ?? '',
      hostPhoneMasked: maskPhone(h?.phone ?? ''),
      unitName: h?.unitName ?? '',
      buildingName: h?.buildingName ?? null,
    };
  };
}
