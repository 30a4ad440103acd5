import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone } from '../../test/factories.js';
import { approvalChains, auditLog, staff } from '../../db/schema/index.js';

let t: TestApp;
let admin: Client;
let others: Array<[string, Client]>;
const NIL = '00000000-0000-7000-8000-000000000000';
const URL = '/api/admin/approval-chains';

beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t, 'chain-admin');
  const s = await newStaff(t);
  others = [
    ['no session', new Client(t)],
    ['staff', await signInStaff(t, s.phone)],
    ['visitor', await signInVisitor(t, randomPhone(), '10.4.0.1')],
  ];
});
afterAll(() => t.close());

const chainCount = async () => Number((await t.ctx.db.select({ n: count() }).from(approvalChains))[0]!.n);
const auditOf = (action: string, id: string) => t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.targetId, id)));

/** a unit with two people in it (one an 审批节点人员) and one CC recipient elsewhere */
async function setup() {
  const unit = await newUnit(t);
  const lead = await newStaff(t, { unitId: unit.id, name: '王主任' });
  const approver = await newStaff(t, { unitId: unit.id, name: '李审批', roles: ['staff', 'approver'] });
  const cc = await newStaff(t, { name: '赵抄送' });
  return { unit, lead, approver, cc };
}

describe('PUT /api/admin/approval-chains', () => {
  it('saves a chain of a unit and kind, answers it with names, and audits it', async () => {
    const { unit, lead, cc } = await setup();
    const body = { unitId: unit.id, kind: 'appointment', nodes: [{ type: 'person', staffId: lead.id }, { type: 'role', role: 'approver' }], ccStaffIds: [cc.id], enabled: true };
    const res = await admin.put(URL, body);
    expect(res.statusCode, res.body).toBe(200);
    const chain = res.json();
    expect(chain).toMatchObject({
      unitId: unit.id,
      unitName: unit.name,
      kind: 'appointment',
      nodes: [
        { type: 'person', staffId: lead.id, staffName: '王主任', staffDeleted: false },
        { type: 'role', role: 'approver', holders: 1 },
      ],
      ccStaffIds: [cc.id],
      ccStaff: [{ id: cc.id, name: '赵抄送', deleted: false }],
      enabled: true,
    });
    const [row] = await t.ctx.db.select().from(approvalChains).where(eq(approvalChains.id, chain.id));
    expect(row!.nodes).toEqual([{ type: 'person', staffId: lead.id }, { type: 'role', role: 'approver' }]);
    const audits = await auditOf('approval_chain.save', chain.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actorType).toBe('admin');
    expect(audits[0]!.detail).toMatchObject({ unitId: unit.id, kind: 'appointment', enabled: true });
  });

  it('replaces the chain of the same unit and kind (one row), and keeps other kinds apart', async () => {
    const { unit, lead, approver } = await setup();
    const first = (await admin.put(URL, { unitId: unit.id, kind: 'invitation', nodes: [{ type: 'person', staffId: lead.id }], ccStaffIds: [], enabled: true })).json();
    const second = await admin.put(URL, { unitId: unit.id, kind: 'invitation', nodes: [{ type: 'person', staffId: approver.id }, { type: 'person', staffId: lead.id }], ccStaffIds: [], enabled: false });
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.id);
    expect(second.json().nodes.map((n: { staffId: string }) => n.staffId)).toEqual([approver.id, lead.id]);
    expect(second.json().enabled).toBe(false);
    const walkIn = (await admin.put(URL, { unitId: unit.id, kind: 'walk_in', nodes: [], ccStaffIds: [lead.id], enabled: true })).json();
    expect(walkIn.id).not.toBe(first.id);
    const rows = await t.ctx.db.select().from(approvalChains).where(eq(approvalChains.unitId, unit.id));
    expect(rows.map((r) => r.kind).sort()).toEqual(['invitation', 'walk_in']);
  });

  it('refuses bad input with a clear code and stores nothing', async () => {
    const { unit, lead, cc } = await setup();
    const deleted = await newStaff(t, { unitId: unit.id, deletedAt: new Date() });
    const base = { unitId: unit.id, kind: 'appointment', nodes: [] as unknown[], ccStaffIds: [] as string[], enabled: true };
    const person = (staffId: string) => ({ type: 'person', staffId });
    const many = await Promise.all(Array.from({ length: 11 }, () => newStaff(t, { unitId: unit.id })));
    const cases: Array<[string, unknown, string]> = [
      ['unknown unit', { ...base, unitId: NIL }, 'UNIT_NOT_FOUND'],
      ['person node that does not exist', { ...base, nodes: [person(NIL)] }, 'STAFF_NOT_FOUND'],
      ['person node deleted', { ...base, nodes: [person(deleted.id)] }, 'STAFF_NOT_FOUND'],
      ['CC recipient that does not exist', { ...base, ccStaffIds: [NIL] }, 'STAFF_NOT_FOUND'],
      ['CC recipient deleted', { ...base, ccStaffIds: [deleted.id] }, 'STAFF_NOT_FOUND'],
      ['the same person twice', { ...base, nodes: [person(lead.id), person(lead.id)] }, 'APPROVAL_NODE_DUPLICATE'],
      ['the same role twice', { ...base, nodes: [{ type: 'role', role: 'approver' }, { type: 'role', role: 'approver' }] }, 'APPROVAL_NODE_DUPLICATE'],
      ['11 nodes', { ...base, nodes: many.map((s) => person(s.id)) }, 'APPROVAL_CHAIN_TOO_LONG'],
      ['21 CC recipients', { ...base, ccStaffIds: Array.from({ length: 21 }, (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`) }, 'CC_TOO_MANY'],
      ['the same CC twice', { ...base, ccStaffIds: [cc.id, cc.id] }, 'CC_DUPLICATE'],
      ['unknown role', { ...base, nodes: [{ type: 'role', role: 'boss' }] }, 'VALIDATION_FAILED'],
      ['unknown node type', { ...base, nodes: [{ type: 'group', id: lead.id }] }, 'VALIDATION_FAILED'],
      ['meeting kind', { ...base, kind: 'meeting' }, 'VALIDATION_FAILED'],
      ['unit id not a uuid', { ...base, unitId: 'x' }, 'VALIDATION_FAILED'],
      ['enabled missing', { unitId: unit.id, kind: 'appointment', nodes: [], ccStaffIds: [] }, 'VALIDATION_FAILED'],
    ];
    const before = await chainCount();
    for (const [name, body, code] of cases) {
      const res = await admin.put(URL, body);
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error.code, name).toBe(code);
    }
    expect(await chainCount()).toBe(before);
  });

  it('answers 401 without an admin session', async () => {
    const { unit } = await setup();
    for (const [who, c] of others) {
      const res = await c.put(URL, { unitId: unit.id, kind: 'appointment', nodes: [], ccStaffIds: [], enabled: true });
      expect(res.statusCode, who).toBe(401);
      expect(res.json().error.code).toBe('AUTH_REQUIRED');
    }
  });
});

describe('GET /api/admin/approval-chains', () => {
  it('lists the chains with unit names and flags a person deleted since', async () => {
    const { unit, lead, approver, cc } = await setup();
    const saved = (await admin.put(URL, { unitId: unit.id, kind: 'walk_in', nodes: [{ type: 'person', staffId: lead.id }, { type: 'person', staffId: approver.id }], ccStaffIds: [cc.id], enabled: true })).json();
    await t.ctx.db.update(staff).set({ deletedAt: new Date() }).where(eq(staff.id, lead.id));
    const res = await admin.get(URL);
    expect(res.statusCode).toBe(200);
    const chain = res.json().find((c: { id: string }) => c.id === saved.id);
    expect(chain).toMatchObject({ unitName: unit.name, kind: 'walk_in' });
    expect(chain.nodes).toEqual([
      { type: 'person', staffId: lead.id, staffName: '王主任', staffDeleted: true },
      { type: 'person', staffId: approver.id, staffName: '李审批', staffDeleted: false },
    ]);
    expect(chain.ccStaff).toEqual([{ id: cc.id, name: '赵抄送', deleted: false }]);
  });

  it('counts the holders of a role node in the chain’s unit only', async () => {
    const { unit } = await setup();
    await newStaff(t, { unitId: unit.id, roles: ['staff', 'unit_admin'] });
    await newStaff(t, { unitId: unit.id, roles: ['unit_admin'] });
    await newStaff(t, { unitId: unit.id, roles: ['unit_admin'], deletedAt: new Date() });
    await newStaff(t, { roles: ['unit_admin'] }); // another unit
    const saved = (await admin.put(URL, { unitId: unit.id, kind: 'appointment', nodes: [{ type: 'role', role: 'unit_admin' }, { type: 'role', role: 'reception' }], ccStaffIds: [], enabled: true })).json();
    const chain = (await admin.get(URL)).json().find((c: { id: string }) => c.id === saved.id);
    expect(chain.nodes).toEqual([
      { type: 'role', role: 'unit_admin', holders: 2 },
      { type: 'role', role: 'reception', holders: 0 },
    ]);
  });

  it('answers 401 without an admin session', async () => {
    for (const [who, c] of others) expect((await c.get(URL)).statusCode, who).toBe(401);
  });
});

describe('DELETE /api/admin/approval-chains/:id', () => {
  it('deletes a chain and audits it', async () => {
    const { unit, lead } = await setup();
    const saved = (await admin.put(URL, { unitId: unit.id, kind: 'appointment', nodes: [{ type: 'person', staffId: lead.id }], ccStaffIds: [], enabled: true })).json();
    const res = await admin.delete(`${URL}/${saved.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(await t.ctx.db.select().from(approvalChains).where(eq(approvalChains.id, saved.id))).toHaveLength(0);
    expect(await auditOf('approval_chain.delete', saved.id)).toHaveLength(1);
    // gone: a second delete is 404
    expect((await admin.delete(`${URL}/${saved.id}`)).statusCode).toBe(404);
  });

  it('answers 404 for an unknown chain and 400 for a malformed id', async () => {
    const unknown = await admin.delete(`${URL}/${NIL}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    const bad = await admin.delete(`${URL}/not-a-uuid`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 401 without an admin session and deletes nothing', async () => {
    const { unit } = await setup();
    const saved = (await admin.put(URL, { unitId: unit.id, kind: 'appointment', nodes: [], ccStaffIds: [], enabled: true })).json();
    for (const [who, c] of others) expect((await c.delete(`${URL}/${saved.id}`)).statusCode, who).toBe(401);
    expect(await t.ctx.db.select().from(approvalChains).where(eq(approvalChains.id, saved.id))).toHaveLength(1);
  });
});
