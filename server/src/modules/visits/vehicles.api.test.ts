/**
 * 车辆审核 (S8, A6): a plate on an order waits for the vehicle reviewers set for the order's unit,
 * apart from the order's review; only they review it (others: 404); rejecting needs a comment; the
 * card shows 车辆通行状态 throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { smsMessages } from '../../db/schema/index.js';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../../test/factories.js';

let t: TestApp;
let admin: Client;
const HOUR = 3600_000;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2026-12-07T01:00:00Z'));
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

async function scene(plate: string | null = '浙C·12345') {
  const unit = await newUnit(t);
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const reviewer = await newStaff(t, { unitId: unit.id, name: '车管员' });
  const copied = await newStaff(t, { unitId: unit.id, name: '抄送员' });
  const outsider = await newStaff(t, { unitId: unit.id, name: '路人甲' });
  const set = await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'vehicle', reviewerIds: [reviewer.id], ccIds: [copied.id] });
  expect(set.statusCode).toBe(200);
  const v = await newVisitor(t, { name: '陈小春' });
  const visitor = await signInVisitor(t, v.phone);
  const start = new Date(t.ctx.clock.now().getTime() + 2 * HOUR);
  const res = await visitor.post('/api/visits/appointments', {
    hostPhone: host.phone,
    reason: '送货',
    startAt: start.toISOString(),
    endAt: new Date(start.getTime() + 2 * HOUR).toISOString(),
    plate,
    companionPhones: [],
    idempotencyKey: `veh-${seq++}-${Date.now()}`,
  });
  return { unit, host, reviewer, copied, outsider, v, visitor, res, order: res.json() as { id: string } };
}

describe('车辆审核', () => {
  it('refuses a plate that is not a PRC plate with its own code, in words', async () => {
    const s = await scene('ABC123');
    expect(s.res.statusCode).toBe(400);
    expect(s.res.json().error.code).toBe('PLATE_INVALID');
    expect(s.res.json().error.message['zh-CN']).toContain('车牌号');
  });

  it('a submitted plate waits (待确认) for the unit’s vehicle reviewers, who are told; the plate is stored normalised', async () => {
    const s = await scene('浙c·12345');
    expect(s.res.statusCode).toBe(201);
    expect(s.res.json().vehicle).toMatchObject({ plate: '浙C12345', status: 'pending' });
    await t.ctx.queue.drain();
    const sms = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, s.reviewer.phone));
    expect(sms.some((m) => m.content.includes('浙C12345') && m.content.includes('车辆审核'))).toBe(true);
    const reviewer = await signInStaff(t, s.reviewer.phone);
    expect((await reviewer.get('/api/approvals/counts')).json().vehiclesPending).toBe(1);
    const pending = (await reviewer.get('/api/approvals/vehicles?tab=pending')).json();
    expect(pending.items.map((i: { id: string }) => i.id)).toEqual([s.order.id]);
    // the reviewer may open the order (to review it)
    expect((await reviewer.get(`/api/visits/${s.order.id}`)).statusCode).toBe(200);
  });

  it('only a vehicle reviewer of the unit reviews (host, cc, others: 404); rejecting needs a comment; twice → 409', async () => {
    const s = await scene();
    const host = await signInStaff(t, s.host.phone);
    const cc = await signInStaff(t, s.copied.phone);
    const outsider = await signInStaff(t, s.outsider.phone);
    for (const c of [host, cc, outsider]) expect((await c.post(`/api/visits/${s.order.id}/vehicle-review`, { decision: 'approve' })).statusCode).toBe(404);
    expect((await outsider.get('/api/approvals/vehicles?tab=pending')).json().items).toEqual([]);
    expect((await cc.get('/api/approvals/vehicles?tab=cc')).json().items.map((i: { id: string }) => i.id)).toEqual([s.order.id]);

    const reviewer = await signInStaff(t, s.reviewer.phone);
    const noComment = await reviewer.post(`/api/visits/${s.order.id}/vehicle-review`, { decision: 'reject' });
    expect(noComment.json().error.code).toBe('COMMENT_REQUIRED');
    const ok = await reviewer.post(`/api/visits/${s.order.id}/vehicle-review`, { decision: 'approve' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().vehicle).toMatchObject({ status: 'approved', plate: '浙C12345' });
    expect(ok.json().status).toBe('pending'); // the order's own review is apart
    expect(ok.json().trail.at(-1).label['zh-CN']).toBe('车辆审核人：车辆审核通过');
    expect((await reviewer.post(`/api/visits/${s.order.id}/vehicle-review`, { decision: 'reject', comment: '晚了' })).statusCode).toBe(409);
    expect((await reviewer.get('/api/approvals/vehicles?tab=done')).json().items[0].vehicle.status).toBe('approved');
    // the visitor sees it on the card
    const mine = (await s.visitor.get(`/api/visits/${s.order.id}`)).json();
    expect(mine.vehicle.status).toBe('approved');
  });

  it('a rejection with its comment is shown on the order; an order without a plate shows 无', async () => {
    const s = await scene();
    const reviewer = await signInStaff(t, s.reviewer.phone);
    const res = await reviewer.post(`/api/visits/${s.order.id}/vehicle-review`, { decision: 'reject', comment: '车位已满' });
    expect(res.json().vehicle).toMatchObject({ status: 'rejected', comment: '车位已满' });
    const none = await scene(null);
    expect(none.res.json().vehicle).toMatchObject({ plate: null, status: 'none' });
  });

  it('admin: reviewers must be active staff of a real unit; the list shows them', async () => {
    const unit = await newUnit(t);
    expect((await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'vehicle', reviewerIds: ['00000000-0000-4000-8000-000000000000'] })).json().error.code).toBe('STAFF_NOT_FOUND');
    const p = await newStaff(t, { unitId: unit.id, name: '人事员' });
    expect((await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'personnel', reviewerIds: [p.id] })).statusCode).toBe(200);
    const list = (await admin.get('/api/admin/unit-reviewers')).json().items;
    expect(list).toContainEqual({ unitId: unit.id, kind: 'personnel', reviewers: [{ id: p.id, name: '人事员' }], cc: [] });
    expect((await new Client(t).get('/api/admin/unit-reviewers')).statusCode).toBe(401);
  });
});
