/**
 * 点名 (A11): during an evacuation, reception staff (the `reception` role) or a 系统管理员 start a
 * roll call, mark each person on site safe (标记安全, once: marking again changes nothing), see who
 * is still unaccounted for, and end it. Every screen that has it open follows live (topic
 * roll_call; the list also changes when people pass a gate: topic visits). Starts, marks, ends and
 * every read of the list (names, masked phones, hosts) are in the audit log.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { rollCallMarks, rollCalls } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { RollCallPerson, RollCallView } from '../../../../contracts/rollcall.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { adminUsernames } from '../identity/identity.service.js';
import { staffRolesOf } from '../people/people.service.js';
import { OnSiteService } from '../visits/on-site.service.js';

type RollCallRow = typeof rollCalls.$inferSelect;

export class RollCallService {
  private readonly onSite: OnSiteService;
  constructor(private readonly ctx: AppContext) {
    this.onSite = new OnSiteService(ctx);
  }

  /** Reception staff only (403 ROLL_CALL_RECEPTION_ONLY for other staff); administrators pass (their route checks the role). */
  async assertMayTake(tx: Tx, actor: Actor): Promise<void> {
    if (actor.type === 'admin') return;
    const me = actor.type === 'staff' ? await staffRolesOf(tx, actor.id) : null;
    if (!me || !me.active || !me.roles.includes('reception')) throw new AppError('ROLL_CALL_RECEPTION_ONLY');
  }

  /** The open roll call (or none) and the people it covers, per building. The read is audited. */
  async view(actor: Actor): Promise<RollCallView> {
    return this.ctx.db.transaction(async (tx) => {
      await this.assertMayTake(tx, actor);
      const [open] = await tx.select().from(rollCalls).where(isNull(rollCalls.endedAt)).limit(1);
      const v = await this.build(tx, open ?? null);
      await audit(tx, actor, 'roll_call.read', { type: 'roll_call', id: open?.id ?? null }, { total: v.total, safe: v.safe });
      return v;
    });
  }

  /** 开始点名: a new roll call, or the one already open (two receptionists pressing at once get one). */
  async start(actor: Actor): Promise<RollCallView> {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      await this.assertMayTake(tx, actor);
      let [open] = await tx.select().from(rollCalls).where(isNull(rollCalls.endedAt)).limit(1);
      if (!open) {
        [open] = await tx
          .insert(rollCalls)
          .values({ startedAt: ctx.clock.now(), startedByType: actor.type, startedById: actor.id })
          .onConflictDoNothing()
          .returning();
        // lost the race to another start: theirs is the open one
        if (!open) [open] = await tx.select().from(rollCalls).where(isNull(rollCalls.endedAt)).limit(1);
        else {
          await audit(tx, actor, 'roll_call.start', { type: 'roll_call', id: open.id });
          ctx.live.changed('roll_call');
        }
      }
      return this.build(tx, open ?? null);
    });
  }

  /** 标记安全: once per person and roll call; again is no change (the first mark stands). 404 for someone the roll call does not cover. */
  async mark(actor: Actor, rollCallId: string, orderId: string): Promise<RollCallView> {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      await this.assertMayTake(tx, actor);
      const rc = await this.lockOpen(tx, rollCallId);
      const covered = (await this.onSite.people(tx, [])).some((p) => p.orderId === orderId);
      const [already] = await tx.select().from(rollCallMarks).where(and(eq(rollCallMarks.rollCallId, rc.id), eq(rollCallMarks.orderId, orderId)));
      if (!already) {
        if (!covered) throw new AppError('NOT_FOUND');
        await tx.insert(rollCallMarks).values({ rollCallId: rc.id, orderId, markedAt: ctx.clock.now(), markedByType: actor.type, markedById: actor.id });
        await audit(tx, actor, 'roll_call.mark', { type: 'visit_order', id: orderId }, { rollCallId: rc.id });
        ctx.live.changed('roll_call');
      }
      return this.build(tx, rc);
    });
  }

  /** 结束点名: the record stays (who was marked, by whom, when). */
  async end(actor: Actor, rollCallId: string): Promise<RollCallView> {
    const { ctx } = this;
    return ctx.db.transaction(async (tx) => {
      await this.assertMayTake(tx, actor);
      const rc = await this.lockOpen(tx, rollCallId);
      await tx.update(rollCalls).set({ endedAt: ctx.clock.now(), endedByType: actor.type, endedById: actor.id }).where(eq(rollCalls.id, rc.id));
      const before = await this.build(tx, rc);
      await audit(tx, actor, 'roll_call.end', { type: 'roll_call', id: rc.id }, { total: before.total, safe: before.safe });
      ctx.live.changed('roll_call');
      return this.build(tx, null);
    });
  }

  private async lockOpen(tx: Tx, id: string): Promise<RollCallRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND');
    const [rc] = await tx.select().from(rollCalls).where(eq(rollCalls.id, id)).for('update');
    if (!rc) throw new AppError('NOT_FOUND');
    if (rc.endedAt) throw new AppError('ROLL_CALL_CLOSED');
    return rc;
  }

  private async build(tx: Tx, rc: RollCallRow | null): Promise<RollCallView> {
    const marks = rc ? await tx.select().from(rollCallMarks).where(eq(rollCallMarks.rollCallId, rc.id)) : [];
    const byOrder = new Map(marks.map((m) => [m.orderId, m]));
    const names = await this.actorNames(tx, [...marks.map((m) => ({ type: m.markedByType, id: m.markedById })), ...(rc ? [{ type: rc.startedByType, id: rc.startedById }] : [])]);
    const people: RollCallPerson[] = (await this.onSite.people(tx, [...byOrder.keys()])).map((p) => {
      const m = byOrder.get(p.orderId);
      return { ...p, markedAt: m ? m.markedAt.toISOString() : null, markedBy: m ? (names.get(`${m.markedByType}:${m.markedById}`) ?? null) : null };
    });
    const groups = new Map<string | null, RollCallPerson[]>();
    for (const p of people) (groups.get(p.buildingName) ?? groups.set(p.buildingName, []).get(p.buildingName)!).push(p);
    const buildings = [...groups.entries()]
      .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'zh-CN')))
      .map(([buildingName, list]) => ({
        buildingName,
        // the unaccounted first, then by name
        people: list.sort((a, b) => Number(!!a.markedAt) - Number(!!b.markedAt) || a.visitorName.localeCompare(b.visitorName, 'zh-CN')),
      }));
    return {
      rollCall: rc ? { id: rc.id, startedAt: rc.startedAt.toISOString(), startedBy: names.get(`${rc.startedByType}:${rc.startedById}`) ?? '' } : null,
      total: people.length,
      safe: people.filter((p) => p.markedAt).length,
      buildings,
    };
  }

  /** Who started or marked: a staff member's name or an administrator's username. */
  private async actorNames(tx: Tx, who: Array<{ type: string; id: string }>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(who.filter((w) => w.type === 'staff').map((w) => w.id))) {
      const s = await staffRolesOf(tx, id);
      if (s) out.set(`staff:${id}`, s.name);
    }
    for (const [id, username] of await adminUsernames(tx, [...new Set(who.filter((w) => w.type === 'admin').map((w) => w.id))])) out.set(`admin:${id}`, username);
    return out;
  }
}
