/**
 * 人员审核 (S8), 修改个人信息 (S9), 代登记人员 (S10): the request rules and who may see and decide
 * what (contracts/personnel.ts). Nothing on a staff record changes before a personnel reviewer of
 * the unit approves; approval applies it in one transaction; rejection needs a comment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { Client, createTestApp, lastCode, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone, validIdNumber } from '../../test/factories.js';
import { makeImage, multipart } from '../../test/images.js';
import { auditLog, consents, personnelRequests, smsMessages, staff } from '../../db/schema/index.js';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp();
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

/** a unit with a personnel reviewer and a CC recipient (A6), an applicant, and a stranger */
async function setup() {
  const unit = await newUnit(t);
  const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬', employeeNo: null });
  const reviewer = await newStaff(t, { unitId: unit.id, name: '人事员', phone: randomPhone() });
  const copied = await newStaff(t, { name: '抄送员', phone: randomPhone() });
  const stranger = await newStaff(t, { name: '路人', phone: randomPhone() });
  const set = await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'personnel', reviewerIds: [reviewer.id], ccIds: [copied.id] });
  expect(set.statusCode).toBe(200);
  return {
    unit,
    applicant,
    reviewer,
    me: await signInStaff(t, applicant.phone),
    rev: await signInStaff(t, reviewer.phone),
    cc: await signInStaff(t, copied.phone),
    other: await signInStaff(t, stranger.phone),
  };
}

const outbox = async (phone: string, template: string) => {
  await t.ctx.queue.drain();
  return t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, template))).orderBy(desc(smsMessages.createdAt));
};
const staffRow = async (id: string) => (await t.ctx.db.select().from(staff).where(eq(staff.id, id)))[0]!;

describe('S9 修改个人信息', () => {
  it('a new phone is proven by an SMS code to it; the old values stay until a reviewer approves; approval applies them', async () => {
    const s = await setup();
    const phone = randomPhone();
    // without the code → refused, nothing stored
    const noCode = await s.me.post('/api/staff/me/info-change', { phone });
    expect(noCode.statusCode).toBe(400);
    expect(noCode.json().error.code).toBe('REQUIRED_FIELD_MISSING');
    expect((await s.me.post('/api/staff/me/phone-code', { phone })).statusCode).toBe(200);
    const wrong = await s.me.post('/api/staff/me/info-change', { phone, phoneCode: '000000' });
    expect(wrong.json().error.code).toMatch(/^SMS_CODE_/);
    const code = await lastCode(t, phone);
    const sent = await s.me.post('/api/staff/me/info-change', { phone, phoneCode: code, employeeNo: 'GH-2041' });
    expect(sent.statusCode).toBe(201);
    const req = sent.json();
    expect(req).toMatchObject({ kind: 'info_change', status: 'pending', canWithdraw: true, canReview: false, proposed: { phone, employeeNo: 'GH-2041', name: null }, current: { phone: s.applicant.phone } });
    // the record is untouched; my state shows the request
    expect((await staffRow(s.applicant.id)).phone).toBe(s.applicant.phone);
    expect((await s.me.get('/api/staff/me/info-change')).json()).toMatchObject({ current: { phone: s.applicant.phone }, latest: { id: req.id, status: 'pending' } });
    // the reviewer was told, sees the badge and the request
    expect(await outbox(s.reviewer.phone, 'personnel_submitted')).toHaveLength(1);
    expect((await s.rev.get('/api/approvals/counts')).json()).toMatchObject({ personnelPending: 1, personnelReviewer: true });
    expect((await s.rev.get('/api/approvals/personnel?tab=pending')).json().items.map((x: { id: string }) => x.id)).toEqual([req.id]);
    // approve → applied, the applicant told; they now sign in with the new phone
    const ok = await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', reviewer: { name: '人事员' }, canReview: false });
    expect(await staffRow(s.applicant.id)).toMatchObject({ phone, employeeNo: 'GH-2041' });
    expect(await outbox(s.applicant.phone, 'personnel_decided')).toHaveLength(0);
    expect(await outbox(phone, 'personnel_decided')).toHaveLength(1);
    t.ctx.clock.set(new Date(Date.now() + 61_000)); // past the 60 s gap between codes to one phone
    try {
      await signInStaff(t, phone);
    } finally {
      t.ctx.clock.set(null);
    }
    expect((await s.rev.get('/api/approvals/personnel?tab=done')).json().items.map((x: { id: string }) => x.id)).toContain(req.id);
    const [a] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'personnel.approve'), eq(auditLog.targetId, req.id)));
    expect(a).toBeTruthy();
  });

  it('a phone another staff member has → PHONE_TAKEN before any code is sent; nothing different → NOTHING_TO_CHANGE', async () => {
    const s = await setup();
    const taken = await s.me.post('/api/staff/me/phone-code', { phone: s.reviewer.phone });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'PHONE_TAKEN']);
    expect((await s.me.post('/api/staff/me/info-change', { name: '姜柠檬' })).json().error.code).toBe('NOTHING_TO_CHANGE');
    expect((await s.me.post('/api/staff/me/phone-code', { phone: s.applicant.phone })).json().error.code).toBe('NOTHING_TO_CHANGE');
    expect((await s.me.post('/api/staff/me/info-change', { idType: 'prc_id', idNumber: '110105194912310021' })).json().error.code).toBe('ID_NUMBER_INVALID');
  });

  it('one pending change at a time; withdrawn it frees the way; the withdrawn one can no longer be reviewed', async () => {
    const s = await setup();
    const first = (await s.me.post('/api/staff/me/info-change', { name: '姜柠' })).json();
    const second = await s.me.post('/api/staff/me/info-change', { name: '姜檬' });
    expect([second.statusCode, second.json().error.code]).toEqual([409, 'PERSONNEL_REQUEST_PENDING']);
    // only the applicant withdraws
    expect((await s.other.post(`/api/personnel/requests/${first.id}/withdraw`, {})).statusCode).toBe(404);
    expect((await s.me.post(`/api/personnel/requests/${first.id}/withdraw`, {})).json().status).toBe('withdrawn');
    expect((await s.rev.post(`/api/personnel/requests/${first.id}/review`, { decision: 'approve' })).json().error.code).toBe('PERSONNEL_NOT_REVIEWABLE');
    expect((await s.me.post('/api/staff/me/info-change', { name: '姜檬' })).statusCode).toBe(201);
  });

  it('a new photo needs the consent confirmation; approved, it becomes the staff photo with a consent on record', async () => {
    const s = await setup();
    const png = await makeImage({ width: 240, height: 320, format: 'png' });
    const without = await multipart({ data: JSON.stringify({}) }, { data: png, name: 'me.png', type: 'image/png', field: 'photo' });
    expect((await s.me.req('POST', '/api/staff/me/info-change', without.payload, without.headers)).json().error.code).toBe('CONSENT_REQUIRED');
    const form = await multipart({ data: JSON.stringify({}), consentConfirmed: 'true' }, { data: png, name: 'me.png', type: 'image/png', field: 'photo' });
    const res = await s.me.req('POST', '/api/staff/me/info-change', form.payload, form.headers);
    expect(res.statusCode).toBe(201);
    const req = res.json();
    expect(req.proposed.hasPhoto).toBe(true);
    // the reviewer (and the applicant) can see the proposed photo; a stranger can't
    expect((await s.rev.get(`/api/personnel/requests/${req.id}/photo`)).headers['content-type']).toBe('image/jpeg');
    expect((await s.other.get(`/api/personnel/requests/${req.id}/photo`)).statusCode).toBe(404);
    expect((await staffRow(s.applicant.id)).photoKey).toBeNull();
    await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' });
    expect((await staffRow(s.applicant.id)).photoKey).toBeTruthy();
    expect(await t.ctx.db.select().from(consents).where(eq(consents.subjectId, s.applicant.id))).toHaveLength(1);
  });
});

describe('S8 人员审核: who sees and decides', () => {
  it('reviewer decides; CC sees under 抄送我 but cannot decide; a stranger gets 404 everywhere; nobody reviews their own', async () => {
    const s = await setup();
    const req = (await s.me.post('/api/staff/me/info-change', { name: '姜小柠' })).json();
    expect((await s.cc.get('/api/approvals/personnel?tab=cc')).json().items.map((x: { id: string }) => x.id)).toEqual([req.id]);
    expect((await s.cc.get(`/api/personnel/requests/${req.id}`)).json()).toMatchObject({ id: req.id, canReview: false });
    expect((await s.cc.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' })).statusCode).toBe(404);
    expect((await s.cc.get('/api/approvals/counts')).json()).toMatchObject({ personnelPending: 0, personnelReviewer: true });
    expect((await s.other.get('/api/approvals/personnel?tab=pending')).statusCode).toBe(404);
    expect((await s.other.get(`/api/personnel/requests/${req.id}`)).statusCode).toBe(404);
    expect((await s.other.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' })).statusCode).toBe(404);
    expect((await s.other.get('/api/approvals/counts')).json()).toMatchObject({ personnelReviewer: false });
    // a reviewer's own change goes to the unit's other reviewers, not to them
    const own = (await s.rev.post('/api/staff/me/info-change', { name: '人事员甲' })).json();
    expect((await s.rev.post(`/api/personnel/requests/${own.id}/review`, { decision: 'approve' })).json().error.code).toBe('PERSONNEL_SELF_REVIEW');
  });

  it('rejecting needs a comment, which the applicant sees; the record is unchanged', async () => {
    const s = await setup();
    const req = (await s.me.post('/api/staff/me/info-change', { name: '姜大柠' })).json();
    const bare = await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'reject' });
    expect([bare.statusCode, bare.json().error.code]).toEqual([400, 'COMMENT_REQUIRED']);
    expect((await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'reject', comment: '请与身份证姓名一致' })).json().status).toBe('rejected');
    expect((await s.me.get('/api/staff/me/info-change')).json().latest).toMatchObject({ status: 'rejected', comment: '请与身份证姓名一致' });
    expect((await staffRow(s.applicant.id)).name).toBe('姜柠檬');
    expect((await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' })).json().error.code).toBe('PERSONNEL_NOT_REVIEWABLE');
  });

  it('approval is one transaction: when applying fails (the phone taken meanwhile), nothing changes and the request stays pending', async () => {
    const s = await setup();
    const phone = randomPhone();
    await s.me.post('/api/staff/me/phone-code', { phone });
    const req = (await s.me.post('/api/staff/me/info-change', { phone, phoneCode: await lastCode(t, phone), name: '姜新名' })).json();
    // someone else gets the number before the review
    await newStaff(t, { phone });
    const res = await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'PHONE_TAKEN']);
    expect(await staffRow(s.applicant.id)).toMatchObject({ name: '姜柠檬', phone: s.applicant.phone });
    const [row] = await t.ctx.db.select().from(personnelRequests).where(eq(personnelRequests.id, req.id));
    expect(row!.status).toBe('pending');
  });
});

describe('S10 代登记人员', () => {
  it('any staff member registers a colleague; approval creates the record (访问权限 off) and tells them how to sign in', async () => {
    const s = await setup();
    const org = (await s.other.get('/api/personnel/org')).json();
    const unit = org.units.find((u: { id: string }) => u.id === s.unit.id);
    expect(unit.departments.map((d: { id: string }) => d.id)).toContain(s.unit.departmentId);
    const phone = randomPhone();
    const body = { name: '新同事', phone, idType: 'prc_id', idNumber: validIdNumber(771), unitId: s.unit.id, departmentId: s.unit.departmentId, employeeNo: 'NEW-1' };
    const sent = await s.other.post('/api/personnel/proxy', body);
    expect(sent.statusCode).toBe(201);
    const req = sent.json();
    expect(req).toMatchObject({ kind: 'proxy_registration', status: 'pending', unitId: s.unit.id, proposed: { name: '新同事', phone, idNumberMasked: expect.stringMatching(/\*{4,}/) }, current: null });
    expect(JSON.stringify(req)).not.toContain(body.idNumber);
    expect((await s.other.get('/api/personnel/proxy?status=pending')).json().items.map((x: { id: string }) => x.id)).toEqual([req.id]);
    expect((await s.other.get('/api/personnel/proxy?status=approved')).json().items).toHaveLength(0);
    // the same phone twice while a staff member has it → PHONE_TAKEN; a department of another unit → refused
    expect((await s.other.post('/api/personnel/proxy', { ...body, phone: s.reviewer.phone })).json().error.code).toBe('PHONE_TAKEN');
    const elsewhere = await newUnit(t);
    expect((await s.other.post('/api/personnel/proxy', { ...body, phone: randomPhone(), departmentId: elsewhere.departmentId })).json().error.code).toBe('DEPARTMENT_NOT_IN_UNIT');
    // the target unit's reviewer approves
    const ok = (await s.rev.post(`/api/personnel/requests/${req.id}/review`, { decision: 'approve' })).json();
    expect(ok).toMatchObject({ status: 'approved', createdStaffId: expect.any(String) });
    expect(await staffRow(ok.createdStaffId)).toMatchObject({ name: '新同事', phone, unitId: s.unit.id, departmentId: s.unit.departmentId, employeeNo: 'NEW-1', visitPermission: false });
    const [told] = await outbox(phone, 'staff_registered');
    expect(told!.content).toContain('/staff/');
    await signInStaff(t, phone);
    expect((await s.other.get('/api/personnel/proxy?status=approved')).json().items.map((x: { id: string }) => x.id)).toEqual([req.id]);
  });

  it('bad input gets a clear error, never 500', async () => {
    const s = await setup();
    for (const bad of [{}, { name: '甲', phone: '123', unitId: s.unit.id }, { name: '甲', phone: randomPhone(), unitId: 'not-a-uuid' }, { name: '', phone: randomPhone(), unitId: s.unit.id }]) {
      const res = await s.other.post('/api/personnel/proxy', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
    }
    expect((await new Client(t).post('/api/personnel/proxy', { name: '甲' })).statusCode).toBe(401);
  });
});

describe('demo data (npm start)', () => {
  it('each demo unit has personnel reviewers: 姜柠檬’s own change waits for her colleague, who sees the tile and the badge', async () => {
    const { seedDemo, seedDemoReviewers, DEMO_STAFF_PHONE } = await import('../../db/seed-demo.js');
    await seedDemo(t.ctx);
    expect(await seedDemoReviewers(t.ctx)).toBe(false); // once per database
    const me = await signInStaff(t, DEMO_STAFF_PHONE);
    expect((await me.get('/api/approvals/counts')).json()).toMatchObject({ personnelReviewer: true });
    const req = (await me.post('/api/staff/me/info-change', { employeeNo: 'DEMO-NEW-1' })).json();
    const [self] = await t.ctx.db.select().from(staff).where(eq(staff.phone, DEMO_STAFF_PHONE));
    const [colleague] = await t.ctx.db.select().from(staff).where(eq(staff.employeeNo, self!.employeeNo!.replace(/001$/, '002')));
    const c = await signInStaff(t, colleague!.phone);
    expect((await c.get('/api/approvals/personnel?tab=pending')).json().items.map((x: { id: string }) => x.id)).toContain(req.id);
    expect((await me.get('/api/approvals/personnel?tab=pending')).json().items.map((x: { id: string }) => x.id)).not.toContain(req.id);
  });
});
