/**
 * 点名 (A11): reception starts a roll call on the phone, marks people on site safe (once: a second
 * mark changes nothing), sees who is still unaccounted for per building, and ends it; every open
 * screen hears each change over server-sent events. Only reception staff (and a 系统管理员) may.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { Client, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { auditLog, visitOrders } from '../../db/schema/index.js';
import { newBuilding, startAccessApp } from '../access/test-helpers.js';

let t: TestApp;
let admin: Client;
let reception: Client;
let plainStaff: Client;
const ids: Record<'east1' | 'east2' | 'west' | 'gone', string> = {} as never;
let eastName: string;
let westName: string;

async function onSite(hostId: string, unitId: string, name: string, left = false) {
  const now = t.ctx.clock.now();
  const [o] = await t.ctx.db
    .insert(visitOrders)
    .values({
      kind: 'appointment',
      status: 'arrived',
      visitorPhone: randomPhone(),
      inviteeName: name,
      hostId,
      unitId,
      reason: '商务洽谈',
      startAt: new Date(now.getTime() - 3600_000),
      endAt: new Date(now.getTime() + 3600_000),
      arrivedAt: new Date(now.getTime() - 1800_000),
      ...(left ? { leftAt: new Date(now.getTime() - 600_000) } : {}),
    })
    .returning({ id: visitOrders.id });
  return o!.id;
}

beforeAll(async () => {
  ({ t, admin } = await startAccessApp());
  const east = await newBuilding(t);
  const west = await newBuilding(t);
  eastName = east.name;
  westName = west.name;
  const eu = await newUnit(t, { buildingId: east.id });
  const wu = await newUnit(t, { buildingId: west.id });
  const eh = await newStaff(t, { unitId: eu.id, name: '东楼主人' });
  const wh = await newStaff(t, { unitId: wu.id, name: '西楼主人' });
  ids.east1 = await onSite(eh.id, eu.id, '甲');
  ids.east2 = await onSite(eh.id, eu.id, '乙');
  ids.west = await onSite(wh.id, wu.id, '丙');
  ids.gone = await onSite(wh.id, wu.id, '丁', true);
  reception = await signInStaff(t, (await newStaff(t, { name: '前台小王', roles: ['staff', 'reception'] })).phone);
  plainStaff = await signInStaff(t, (await newStaff(t, { name: '普通职员' })).phone);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t?.close());

type View = { rollCall: { id: string; startedBy: string } | null; total: number; safe: number; buildings: Array<{ buildingName: string | null; people: Array<{ orderId: string; visitorName: string; phoneMasked: string; markedAt: string | null; markedBy: string | null; left: boolean }> }> };
const people = (v: View) => v.buildings.flatMap((b) => b.people);

describe('点名 (A11)', () => {
  it('shows who is on site per building, with masked phones, before any roll call', async () => {
    const res = await reception.get('/api/staff/roll-call');
    expect(res.statusCode).toBe(200);
    const v = res.json() as View;
    expect(v.rollCall).toBeNull();
    expect(v.total).toBe(3); // 丁 has left
    expect(v.buildings.find((b) => b.buildingName === eastName)!.people.map((p) => p.visitorName).sort()).toEqual(['乙', '甲']);
    expect(v.buildings.find((b) => b.buildingName === westName)!.people.map((p) => p.visitorName)).toEqual(['丙']);
    for (const p of people(v)) expect(p.phoneMasked).toMatch(/^\d{3}\*{4}\d{4}$/);
  });

  it('is for reception staff: other staff 403 ROLL_CALL_RECEPTION_ONLY, no session 401', async () => {
    for (const res of [await plainStaff.get('/api/staff/roll-call'), await plainStaff.post('/api/staff/roll-call'), await plainStaff.get('/api/staff/roll-call/live')]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('ROLL_CALL_RECEPTION_ONLY');
    }
    expect((await new Client(t).get('/api/staff/roll-call')).statusCode).toBe(401);
    expect((await new Client(t).get('/api/staff/roll-call/live')).statusCode).toBe(401);
  });

  it('starts one roll call (starting again answers the open one), marks safe once, lists the unaccounted, and is audited', async () => {
    const started = (await reception.post('/api/staff/roll-call')).json() as View;
    expect(started.rollCall?.startedBy).toBe('前台小王');
    expect((await reception.post('/api/staff/roll-call')).json().rollCall.id).toBe(started.rollCall!.id);
    const id = started.rollCall!.id;

    const once = (await reception.post(`/api/staff/roll-call/${id}/marks`, { orderId: ids.east1 })).json() as View;
    expect({ safe: once.safe, total: once.total }).toEqual({ safe: 1, total: 3 });
    const marked = people(once).find((p) => p.orderId === ids.east1)!;
    expect(marked.markedBy).toBe('前台小王');
    const again = await reception.post(`/api/staff/roll-call/${id}/marks`, { orderId: ids.east1 });
    expect(again.statusCode).toBe(200);
    expect(again.json().safe).toBe(1);
    expect(people(again.json()).find((p) => p.orderId === ids.east1)!.markedAt).toBe(marked.markedAt);
    // still unaccounted for: 乙 and 丙, listed first in their buildings
    const v = (await reception.get('/api/staff/roll-call')).json() as View;
    expect(people(v).filter((p) => !p.markedAt).map((p) => p.visitorName).sort()).toEqual(['丙', '乙']);
    expect(v.buildings.find((b) => b.buildingName === eastName)!.people.map((p) => p.visitorName)).toEqual(['乙', '甲']);

    const marks = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'roll_call.mark'), eq(auditLog.targetId, ids.east1)));
    expect(marks).toHaveLength(1);
    expect((await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'roll_call.read'))).length).toBeGreaterThan(0);
  });

  it('refuses to mark someone the roll call does not cover (left, or no such order): 404; a bad id: 400', async () => {
    const id = ((await reception.get('/api/staff/roll-call')).json() as View).rollCall!.id;
    for (const orderId of [ids.gone, '01900000-0000-7000-8000-000000000000']) {
      const res = await reception.post(`/api/staff/roll-call/${id}/marks`, { orderId });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await reception.post(`/api/staff/roll-call/${id}/marks`, { orderId: 'nope' })).statusCode).toBe(400);
    expect((await reception.post(`/api/staff/roll-call/not-a-roll-call/marks`, { orderId: ids.west })).statusCode).toBe(404);
    expect((await plainStaff.post(`/api/staff/roll-call/${id}/marks`, { orderId: ids.west })).statusCode).toBe(403);
  });

  it('tells every open screen when someone is marked (server-sent events, no personal data)', async () => {
    const id = ((await reception.get('/api/staff/roll-call')).json() as View).rollCall!.id;
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const ac = new AbortController();
    const res = await fetch(`${base}/api/staff/roll-call/live`, { headers: { cookie: [...reception.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: ac.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    const reader = res.body!.getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      } catch {
        /* aborted */
      }
    })();
    await vi.waitFor(() => expect(text).toContain('event: ready'), { timeout: 5000, interval: 20 });
    await admin.post(`/api/admin/roll-call/${id}/marks`, { orderId: ids.west });
    await vi.waitFor(() => expect(text).toMatch(/event: change\ndata: \{"topic":"roll_call","at":"[^"]+"\}/), { timeout: 5000, interval: 20 });
    expect(text).not.toContain('丙');
    ac.abort();
  });

  it('keeps a marked person who has left since in the count, shown as left', async () => {
    await t.ctx.db.update(visitOrders).set({ leftAt: t.ctx.clock.now() }).where(eq(visitOrders.id, ids.west));
    const v = (await reception.get('/api/staff/roll-call')).json() as View;
    expect({ safe: v.safe, total: v.total }).toEqual({ safe: 2, total: 3 });
    expect(people(v).find((p) => p.orderId === ids.west)!.left).toBe(true);
  });

  it('lets a 系统管理员 take it too, not a 单位管理员 (403 SYSTEM_ADMIN_ONLY)', async () => {
    expect((await admin.get('/api/admin/roll-call')).json().safe).toBe(2);
    const unitAdmin = await newAdminClient(t, undefined, undefined, (await newUnit(t)).id);
    const res = await unitAdmin.get('/api/admin/roll-call');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
  });

  it('ends: no roll call open afterwards, and its marks refused (409 ROLL_CALL_CLOSED)', async () => {
    const id = ((await reception.get('/api/staff/roll-call')).json() as View).rollCall!.id;
    const ended = await reception.post(`/api/staff/roll-call/${id}/end`);
    expect(ended.statusCode).toBe(200);
    expect(ended.json().rollCall).toBeNull();
    const late = await reception.post(`/api/staff/roll-call/${id}/marks`, { orderId: ids.east2 });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('ROLL_CALL_CLOSED');
    // a new roll call starts from nobody marked
    const fresh = (await reception.post('/api/staff/roll-call')).json() as View;
    expect(fresh.rollCall!.id).not.toBe(id);
    expect(fresh.safe).toBe(0);
  });
});
