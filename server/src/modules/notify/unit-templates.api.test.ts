/**
 * A unit's own notification templates (A4 with A10, decision 0015): a unit may word an event its own
 * way; its orders' messages use that wording, other units' the center's; going back to the center's
 * template is one call. Its 单位管理员 edits only their unit's; the center's templates stay the
 * 系统管理员's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { auditLog, smsMessages } from '../../db/schema/index.js';

let t: TestApp;
let system: Client;
let adminA: Client;
let unitA: Awaited<ReturnType<typeof newUnit>>;
let unitB: Awaited<ReturnType<typeof newUnit>>;
let hostA: Awaited<ReturnType<typeof newStaff>>;
let hostB: Awaited<ReturnType<typeof newStaff>>;
let visitor: Client;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  system = await newAdminClient(t, 'tpl-system');
  unitA = await newUnit(t, { name: '发改局' });
  unitB = await newUnit(t, { name: '财政局' });
  adminA = await newAdminClient(t, 'tpl-unit-a', undefined, unitA.id);
  hostA = await newStaff(t, { unitId: unitA.id, name: '发改甲' });
  hostB = await newStaff(t, { unitId: unitB.id, name: '财政甲' });
  const me = await newVisitor(t, { name: '陈小春' });
  visitor = await signInVisitor(t, me.phone);
});
afterAll(() => t.close());

const HOUR = 3600_000;
/** Submit an appointment to a host and return the order_submitted message the host received. */
async function submittedMessageTo(host: { phone: string }) {
  const s = new Date(Date.now() + 3 * HOUR);
  const res = await visitor.post('/api/visits/appointments', {
    hostPhone: host.phone,
    reason: '商务洽谈',
    startAt: s.toISOString(),
    endAt: new Date(s.getTime() + HOUR).toISOString(),
    companionPhones: [],
    idempotencyKey: `tpl-${Date.now()}-${seq++}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  await t.ctx.queue.drain();
  const msgs = await t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, host.phone), eq(smsMessages.template, 'order_submitted')));
  return msgs.map((m) => m.content).at(-1);
}

const own = { channel: 'sms', content: '【{centerName}】发改局：{visitorName}预约来访，事由{reason}，请审核。', appendCodeLink: false, enabled: true };

describe("a unit's own notification templates", () => {
  it('lists every event with the center\'s wording until the unit has its own', async () => {
    const res = await adminA.get(`/api/admin/units/${unitA.id}/notification-templates`);
    expect(res.statusCode, res.body).toBe(200);
    const list = res.json() as Array<{ event: string; source: string }>;
    expect(list.length).toBeGreaterThan(10);
    expect(list.every((x) => x.source === 'center')).toBe(true);
  });

  it("the unit's wording is used for its orders only; resetting goes back to the center's; both audited", async () => {
    const before = await submittedMessageTo(hostA);
    expect(before).toContain('请及时审核');

    const put = await adminA.put(`/api/admin/units/${unitA.id}/notification-templates/order_submitted`, own);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ event: 'order_submitted', source: 'unit', content: own.content });
    const listed = (await adminA.get(`/api/admin/units/${unitA.id}/notification-templates`)).json() as Array<{ event: string; source: string }>;
    expect(listed.find((x) => x.event === 'order_submitted')!.source).toBe('unit');

    expect(await submittedMessageTo(hostA)).toBe('【市行政中心】发改局：陈小春预约来访，事由商务洽谈，请审核。');
    // another unit's orders keep the center's wording
    expect(await submittedMessageTo(hostB)).toContain('请及时审核');

    const reset = await adminA.delete(`/api/admin/units/${unitA.id}/notification-templates/order_submitted`);
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ event: 'order_submitted', source: 'center' });
    expect(await submittedMessageTo(hostA)).toContain('请及时审核');

    const actions = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, unitA.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['notification_template.unit.update', 'notification_template.unit.reset']));
  });

  it('the same checks as the center\'s templates: unknown placeholder, unknown event', async () => {
    const bad = await adminA.put(`/api/admin/units/${unitA.id}/notification-templates/order_submitted`, { ...own, content: '【{centerName}】{nosuch}' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('TEMPLATE_VARIABLE_UNKNOWN');
    const unknown = await adminA.put(`/api/admin/units/${unitA.id}/notification-templates/no_such_event`, own);
    expect(unknown.statusCode).toBe(404);
  });

  it("a 单位管理员 cannot read or change another unit's templates (404) nor the center's (403); a 系统管理员 can do both", async () => {
    for (const res of [
      await adminA.get(`/api/admin/units/${unitB.id}/notification-templates`),
      await adminA.put(`/api/admin/units/${unitB.id}/notification-templates/order_submitted`, own),
      await adminA.delete(`/api/admin/units/${unitB.id}/notification-templates/order_submitted`),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await adminA.get('/api/admin/notification-templates')).json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    expect((await adminA.put('/api/admin/notification-templates/order_submitted', own)).statusCode).toBe(403);

    const bySystem = await system.put(`/api/admin/units/${unitB.id}/notification-templates/order_submitted`, { ...own, content: '【{centerName}】财政局：{visitorName}来访待审核。' });
    expect(bySystem.statusCode, bySystem.body).toBe(200);
    expect(await submittedMessageTo(hostB)).toBe('【市行政中心】财政局：陈小春来访待审核。');
  });
});
