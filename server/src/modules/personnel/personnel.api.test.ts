/**
 * 人员审核 (S8), 修改个人信息 (S9), 代登记人员 (S10): a change of one's own data waits for the
 * personnel reviewers of one's unit and changes nothing until approved (a new phone proven by an
 * SMS code sent to it); any staff member registers a colleague, whose record appears only on
 * approval, with an SMS telling them how to sign in; only reviewers of the request's unit decide
 * (CC recipients see, everyone else 404); rejecting needs a comment; approval is one transaction.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, consents, jobs, personnelRequests, smsMessages, staff } from '../../db/schema/index.js';
import { Client, createTestApp, lastCode, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, randomPhone, validIdNumber } from '../../test/factories.js';
import { isJpeg, makeImage, multipart } from '../../test/images.js';
import { NOTIFY_JOB } from '../notify/notify.service.js';

let t: TestApp;
let admin: Client;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2026-12-07T01:00:00Z'));
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

/** Sends a submission as the staff app does: multipart with `data` JSON and an optional photo. */
async function submit(c: Client, url: string, data: unknown, photo?: { data: Buffer; consent?: boolean }) {
  const fields: Record<string, string> = { data: JSON.stringify(data) };
  if (photo?.consent !== false && photo) fields.consentConfirmed = 'true';
  const m = await multipart(fields, photo ? { data: photo.data } : undefined);
  return c.req('POST', url, m.payload, m.headers);
}
const change = (c: Client, data: unknown, photo?: { data: Buffer; consent?: boolean }) => submit(c, '/api/staff/me/info-change', data, photo);
const proxy = (c: Client, data: unknown, photo?: { data: Buffer; consent?: boolean }) => submit(c, '/api/personnel/proxy', data, photo);
const review = (c: Client, id: string, decision: 'approve' | 'reject', comment?: string) => c.post(`/api/personnel/requests/${id}/review`, { decision, ...(comment ? { comment } : {}) });
const staffRow = async (id: string) => (await t.ctx.db.select().from(staff).where(eq(staff.id, id)))[0]!;
const requestRow = async (id: string) => (await t.ctx.db.select().from(personnelRequests).where(eq(personnelRequests.id, id)))[0]!;
const smsTo = async (phone: string, template: string) => {
  await t.ctx.queue.drain();
  return (await t.ctx.db.select().from(smsMessages).where(and(eq(smsMessages.phone, phone), eq(smsMessages.template, template)))).map((m) => m.content);
};
/** The staff-app pages the WeCom cards of an event about a request open (the notice's data is encrypted). */
const cardPages = async (event: string, requestId: string) =>
  (await t.ctx.db.select().from(jobs).where(eq(jobs.type, NOTIFY_JOB)))
    .map((j) => j.payload as { event: string; orderId: string; data: string })
    .filter((p) => p.event === event && p.orderId === requestId)
    .map((p) => (JSON.parse(t.ctx.crypto.decrypt(p.data)) as { page?: string }).page);
const audits = (action: string, targetId: string) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)));
/** The next SMS code to the same phone needs the 60-second gap. */
const later = () => t.ctx.clock.advance(61_000);

/** A unit with a personnel reviewer, a CC recipient, an applicant and an outsider (same unit, no role). */
async function scene() {
  const unit = await newUnit(t);
  const reviewer = await newStaff(t, { unitId: unit.id, name: '人事员' });
  const copied = await newStaff(t, { unitId: unit.id, name: '抄送员' });
  const applicant = await newStaff(t, { unitId: unit.id, name: '姜柠檬', employeeNo: `E${Math.floor(Math.random() * 1e9)}` });
  const outsider = await newStaff(t, { unitId: unit.id, name: '路人甲' });
  const set = await admin.put('/api/admin/unit-reviewers', { unitId: unit.id, kind: 'personnel', reviewerIds: [reviewer.id], ccIds: [copied.id] });
  expect(set.statusCode).toBe(200);
  return {
    unit,
    reviewer,
    copied,
    applicant,
    outsider,
    as: {
      reviewer: await signInStaff(t, reviewer.phone),
      copied: await signInStaff(t, copied.phone),
      applicant: await signInStaff(t, applicant.phone),
      outsider: await signInStaff(t, outsider.phone),
    },
  };
}

describe('修改个人信息 (S9)', () => {
  it('a new phone is proven by an SMS code sent to it; the old values stay until approval; then the new phone signs in', async () => {
    const s = await scene();
    const newPhone = randomPhone();
    // the code goes to the new phone, never the old one
    expect((await s.as.applicant.post('/api/staff/me/phone-code', { phone: newPhone })).json()).toEqual({ ok: true });
    const code = await lastCode(t, newPhone);
    expect((await smsTo(newPhone, 'login_code'))[0]).toContain('设为智慧通行登录手机号');
    // without the code, with a wrong one
    expect((await change(s.as.applicant, { phone: newPhone })).json().error.code).toBe('REQUIRED_FIELD_MISSING');
    expect((await change(s.as.applicant, { phone: newPhone, phoneCode: code === '000000' ? '111111' : '000000' })).json().error.code).toBe('SMS_CODE_INVALID');

    const res = await change(s.as.applicant, { name: '姜柠檬', phone: newPhone, phoneCode: code });
    expect(res.statusCode).toBe(201);
    const req = res.json();
    expect(req).toMatchObject({ kind: 'info_change', status: 'pending', canWithdraw: true, canReview: false, unitId: s.unit.id, comment: null, createdStaffId: null });
    // only what differs is proposed: the name is the same
    expect(req.proposed).toMatchObject({ name: null, phone: newPhone, idNumberMasked: null, employeeNo: null, hasPhoto: false });
    expect(req.current).toMatchObject({ name: '姜柠檬', phone: s.applicant.phone });
    // nothing changed yet
    expect((await s.as.applicant.get('/api/staff/me/profile')).json().phone).toBe(s.applicant.phone);
    expect((await s.as.applicant.get('/api/staff/me/info-change')).json()).toMatchObject({ current: { phone: s.applicant.phone }, latest: { id: req.id, status: 'pending' } });
    // the unit's reviewer is told (not the CC recipient)
    expect((await smsTo(s.reviewer.phone, 'personnel_submitted'))[0]).toBe(`【市行政中心】姜柠檬提交了个人信息修改（姜柠檬，${s.unit.name}），请在审批中心“人员审核”中处理。`);
    expect(await smsTo(s.copied.phone, 'personnel_submitted')).toEqual([]);
    // a WeCom card opens the request itself in the staff app, where the reviewer decides
    expect(await cardPages('personnel_submitted', req.id)).toEqual([`/personnel/${req.id}`]);

    const ok = await review(s.as.reviewer, req.id, 'approve');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', reviewer: { id: s.reviewer.id, name: '人事员' }, canReview: false, current: { phone: s.applicant.phone } });
    expect((await staffRow(s.applicant.id)).phone).toBe(newPhone);
    // the applicant hears at the new phone; the new phone signs in
    expect((await smsTo(newPhone, 'personnel_decided'))[0]).toBe('【市行政中心】您提交的个人信息修改（姜柠檬）审核结果：已通过。');
    expect(await cardPages('personnel_decided', req.id)).toEqual([`/personnel/${req.id}`]);
    later();
    const again = await signInStaff(t, newPhone);
    expect((await again.get('/api/staff/me/profile')).json().id).toBe(s.applicant.id);
    expect(await audits('personnel.approve', req.id)).toHaveLength(1);
    expect(await audits('staff.update', s.applicant.id)).toHaveLength(1);
  });

  it('a phone another staff member has is refused (PHONE_TAKEN) before any code is sent; one’s own phone is nothing to change', async () => {
    const s = await scene();
    const res = await s.as.applicant.post('/api/staff/me/phone-code', { phone: s.outsider.phone });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PHONE_TAKEN');
    expect((await s.as.applicant.post('/api/staff/me/phone-code', { phone: s.applicant.phone })).json().error.code).toBe('NOTHING_TO_CHANGE');
    expect((await s.as.applicant.post('/api/staff/me/phone-code', { phone: '123' })).json().error.code).toBe('PHONE_INVALID');
    // and at submission too (a code is never reached)
    expect((await change(s.as.applicant, { phone: s.outsider.phone, phoneCode: '123456' })).json().error.code).toBe('PHONE_TAKEN');
  });

  it('nothing different → NOTHING_TO_CHANGE; one pending change at a time; bad values with their own codes', async () => {
    const s = await scene();
    const same = await change(s.as.applicant, { name: ' 姜柠檬 ', employeeNo: s.applicant.employeeNo });
    expect(same.statusCode).toBe(400);
    expect(same.json().error.code).toBe('NOTHING_TO_CHANGE');
    expect((await change(s.as.applicant, { idNumber: '330302199001011234' })).json().error.code).toBe('ID_NUMBER_INVALID');
    expect((await change(s.as.applicant, { name: '' })).json().error.code).toBe('REQUIRED_FIELD_MISSING');
    expect((await change(s.as.applicant, { employeeNo: s.reviewer.employeeNo ?? undefined, name: 'x'.repeat(51) })).statusCode).toBe(400);
    const bad = await s.as.applicant.req('POST', '/api/staff/me/info-change', (await multipart({ data: '{oops' })).payload, (await multipart({ data: '{oops' })).headers);
    expect(bad.statusCode).toBe(400);

    expect((await change(s.as.applicant, { name: '姜小柠' })).statusCode).toBe(201);
    const second = await change(s.as.applicant, { employeeNo: null });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('PERSONNEL_REQUEST_PENDING');
  });

  it('an ID number is kept encrypted, shown masked, applied with its blind index; 工号 cleared; a plain JSON body works too', async () => {
    const s = await scene();
    const id = validIdNumber();
    const res = await s.as.applicant.post('/api/staff/me/info-change', { idNumber: id, employeeNo: '' });
    expect(res.statusCode).toBe(201);
    const req = res.json();
    expect(req.proposed).toMatchObject({ idType: 'prc_id', employeeNo: '' });
    expect(req.proposed.idNumberMasked).toMatch(/^\d{3}\*+\d{4}$|^\d+\*+\w+$/);
    expect(JSON.stringify(req)).not.toContain(id);
    expect((await requestRow(req.id)).payload).not.toContain(id);
    expect((await review(s.as.reviewer, req.id, 'approve')).statusCode).toBe(200);
    const row = await staffRow(s.applicant.id);
    expect(t.ctx.crypto.decrypt(row.idNumberEnc!)).toBe(id);
    expect(row.idNumberIdx).toBe(t.ctx.crypto.blindIndex(id));
    expect(row.employeeNo).toBeNull();
  });

  it('a photo needs the consent confirmation; reviewers read it (audited); approval gives the record the photo and the consent', async () => {
    const s = await scene();
    const img = await makeImage({ width: 600, height: 800 });
    const refused = await change(s.as.applicant, {}, { data: img, consent: false });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('CONSENT_REQUIRED');
    const notImage = await change(s.as.applicant, {}, { data: Buffer.from('not an image') });
    expect(notImage.json().error.code).toBe('PHOTO_NOT_IMAGE');

    const res = await change(s.as.applicant, {}, { data: img });
    expect(res.statusCode).toBe(201);
    const req = res.json();
    expect(req.proposed.hasPhoto).toBe(true);
    const mine = await s.as.applicant.get(`/api/personnel/requests/${req.id}/photo`);
    expect(isJpeg(mine.rawPayload)).toBe(true);
    expect(await audits('personnel.photo.read', req.id)).toHaveLength(0);
    const seen = await s.as.reviewer.get(`/api/personnel/requests/${req.id}/photo`);
    expect(seen.statusCode).toBe(200);
    expect(seen.headers['cache-control']).toContain('no-store');
    expect(await audits('personnel.photo.read', req.id)).toHaveLength(1);
    expect((await s.as.outsider.get(`/api/personnel/requests/${req.id}/photo`)).statusCode).toBe(404);
    // nothing on the record yet
    expect((await staffRow(s.applicant.id)).photoKey).toBeNull();

    expect((await review(s.as.reviewer, req.id, 'approve')).statusCode).toBe(200);
    const row = await staffRow(s.applicant.id);
    expect(row.photoKey).toBe((await requestRow(req.id)).photoKey);
    const c = await t.ctx.db.select().from(consents).where(and(eq(consents.subjectType, 'staff'), eq(consents.subjectId, s.applicant.id)));
    expect(c).toHaveLength(1);
    expect(c[0]!.withdrawnAt).toBeNull();
    expect(isJpeg((await s.as.applicant.get('/api/staff/me/photo')).rawPayload)).toBe(true);
  });
});

describe('人员审核 (S8): who may see and decide', () => {
  it('the reviewer sees it under 待处理; the CC recipient under 抄送我 and may open it; others get 404 everywhere', async () => {
    const s = await scene();
    const req = (await change(s.as.applicant, { name: '姜小柠' })).json();
    const pending = (await s.as.reviewer.get('/api/approvals/personnel?tab=pending')).json();
    expect(pending.items.map((i: { id: string }) => i.id)).toEqual([req.id]);
    expect(pending.items[0].canReview).toBe(true);
    expect((await s.as.copied.get('/api/approvals/personnel?tab=cc')).json().items.map((i: { id: string }) => i.id)).toEqual([req.id]);
    expect((await s.as.copied.get('/api/approvals/personnel?tab=pending')).json().items).toEqual([]);
    const ccView = await s.as.copied.get(`/api/personnel/requests/${req.id}`);
    expect(ccView.statusCode).toBe(200);
    expect(ccView.json().canReview).toBe(false);
    expect(await audits('personnel.read', req.id)).toHaveLength(1);

    // neither reviewer nor CC of any unit: the list itself is 404
    expect((await s.as.outsider.get('/api/approvals/personnel?tab=pending')).statusCode).toBe(404);
    expect((await s.as.outsider.get(`/api/personnel/requests/${req.id}`)).statusCode).toBe(404);
    for (const c of [s.as.copied, s.as.outsider]) {
      const r = await review(c, req.id, 'approve');
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('NOT_FOUND');
    }
    expect((await s.as.outsider.post(`/api/personnel/requests/${req.id}/withdraw`)).statusCode).toBe(404);
    expect((await s.as.reviewer.post(`/api/personnel/requests/${req.id}/withdraw`)).statusCode).toBe(404);
    // a reviewer of another unit
    const other = await scene();
    expect((await review(other.as.reviewer, req.id, 'approve')).statusCode).toBe(404);
    expect((await other.as.reviewer.get(`/api/personnel/requests/${req.id}`)).statusCode).toBe(404);
    expect((await s.as.outsider.get('/api/personnel/requests/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await new Client(t).get(`/api/personnel/requests/${req.id}`)).statusCode).toBe(401);
  });

  it('rejecting needs a comment, which the applicant sees; nothing changes; a decided request can’t be decided again', async () => {
    const s = await scene();
    const req = (await change(s.as.applicant, { name: '姜小柠' })).json();
    const bare = await review(s.as.reviewer, req.id, 'reject');
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error.code).toBe('COMMENT_REQUIRED');
    expect((await review(s.as.reviewer, req.id, 'reject', '   ')).json().error.code).toBe('COMMENT_REQUIRED');
    const no = await review(s.as.reviewer, req.id, 'reject', '姓名与证件不符');
    expect(no.json()).toMatchObject({ status: 'rejected', comment: '姓名与证件不符' });
    expect((await staffRow(s.applicant.id)).name).toBe('姜柠檬');
    expect((await s.as.applicant.get('/api/staff/me/info-change')).json().latest).toMatchObject({ status: 'rejected', comment: '姓名与证件不符', canWithdraw: false });
    expect((await smsTo(s.applicant.phone, 'personnel_decided'))[0]).toBe('【市行政中心】您提交的个人信息修改（姜柠檬）审核结果：未通过。姓名与证件不符');
    const twice = await review(s.as.reviewer, req.id, 'approve');
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('PERSONNEL_NOT_REVIEWABLE');
    expect((await s.as.reviewer.get('/api/approvals/personnel?tab=done')).json().items[0]).toMatchObject({ id: req.id, status: 'rejected' });
    // a new change may follow
    expect((await change(s.as.applicant, { name: '姜小柠' })).statusCode).toBe(201);
  });

  it('nobody reviews their own request (PERSONNEL_SELF_REVIEW); it is not in their 待处理', async () => {
    const s = await scene();
    const own = (await change(s.as.reviewer, { name: '人事员甲' })).json();
    expect((await s.as.reviewer.get('/api/approvals/personnel?tab=pending')).json().items).toEqual([]);
    const r = await review(s.as.reviewer, own.id, 'approve');
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('PERSONNEL_SELF_REVIEW');
    expect(own.canReview).toBe(false);
  });

  it('the applicant withdraws a pending request (its photo deleted); then it can’t be reviewed or withdrawn again', async () => {
    const s = await scene();
    const req = (await change(s.as.applicant, { name: '姜小柠' }, { data: await makeImage() })).json();
    const key = (await requestRow(req.id)).photoKey!;
    expect(await t.ctx.storage.get(key)).not.toBeNull();
    const w = await s.as.applicant.post(`/api/personnel/requests/${req.id}/withdraw`);
    expect(w.json()).toMatchObject({ status: 'withdrawn', canWithdraw: false });
    expect(await t.ctx.storage.get(key)).toBeNull();
    expect((await s.as.applicant.get(`/api/personnel/requests/${req.id}/photo`)).statusCode).toBe(404);
    expect((await review(s.as.reviewer, req.id, 'approve')).json().error.code).toBe('PERSONNEL_NOT_REVIEWABLE');
    expect((await s.as.applicant.post(`/api/personnel/requests/${req.id}/withdraw`)).json().error.code).toBe('PERSONNEL_NOT_REVIEWABLE');
    expect(await audits('personnel.withdraw', req.id)).toHaveLength(1);
    // withdrawn requests are not under 抄送我 or 已处理
    expect((await s.as.copied.get('/api/approvals/personnel?tab=cc')).json().items).toEqual([]);
  });

  it('approval is one transaction: a failure midway (the notice) leaves the record and the request as they were', async () => {
    const s = await scene();
    const req = (await change(s.as.applicant, { name: '姜小柠', employeeNo: 'NEW-1' })).json();
    const enqueue = t.ctx.queue.enqueue.bind(t.ctx.queue);
    const spy = vi.spyOn(t.ctx.queue, 'enqueue').mockImplementation(async (tx, job) => {
      if (job.type === NOTIFY_JOB) throw new Error('queue down');
      return enqueue(tx, job);
    });
    try {
      expect((await review(s.as.reviewer, req.id, 'approve')).statusCode).toBe(500);
    } finally {
      spy.mockRestore();
    }
    const row = await staffRow(s.applicant.id);
    expect(row.name).toBe('姜柠檬');
    expect(row.employeeNo).toBe(s.applicant.employeeNo);
    expect((await requestRow(req.id)).status).toBe('pending');
    expect(await audits('personnel.approve', req.id)).toHaveLength(0);
    // and it can still be approved
    expect((await review(s.as.reviewer, req.id, 'approve')).json().status).toBe('approved');
    expect((await staffRow(s.applicant.id)).name).toBe('姜小柠');
  });

  it('a phone taken between submission and approval is refused again (PHONE_TAKEN), nothing applied', async () => {
    const s = await scene();
    const newPhone = randomPhone();
    await s.as.applicant.post('/api/staff/me/phone-code', { phone: newPhone });
    const req = (await change(s.as.applicant, { name: '姜小柠', phone: newPhone, phoneCode: await lastCode(t, newPhone) })).json();
    await newStaff(t, { unitId: s.unit.id, phone: newPhone });
    const r = await review(s.as.reviewer, req.id, 'approve');
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('PHONE_TAKEN');
    expect((await staffRow(s.applicant.id)).name).toBe('姜柠檬');
    expect((await requestRow(req.id)).status).toBe('pending');
  });

  it('审批中心 counts: the reviewer’s badge, and who sees the 人员审核 tile', async () => {
    const s = await scene();
    await change(s.as.applicant, { name: '姜小柠' });
    await change(s.as.outsider, { name: '路人乙' });
    expect((await s.as.reviewer.get('/api/approvals/counts')).json()).toMatchObject({ personnelPending: 2, personnelReviewer: true });
    expect((await s.as.copied.get('/api/approvals/counts')).json()).toMatchObject({ personnelPending: 0, personnelReviewer: true });
    expect((await s.as.applicant.get('/api/approvals/counts')).json()).toMatchObject({ personnelPending: 0, personnelReviewer: false });
  });
});

describe('代登记人员 (S10)', () => {
  it('any staff member registers a colleague into another unit; its reviewers decide; approval creates the record, tells the colleague, who then signs in', async () => {
    const s = await scene();
    const target = await scene();
    const org = (await s.as.outsider.get('/api/personnel/org')).json();
    const u = org.units.find((x: { id: string }) => x.id === target.unit.id);
    expect(u.departments).toEqual([{ id: target.unit.departmentId, name: '办公室' }]);

    const phone = randomPhone();
    const id = validIdNumber();
    const res = await proxy(s.as.outsider, { name: '黄波', phone, idNumber: id, unitId: target.unit.id, departmentId: target.unit.departmentId, employeeNo: `P${Date.now()}` }, { data: await makeImage() });
    expect(res.statusCode).toBe(201);
    const req = res.json();
    expect(req).toMatchObject({ kind: 'proxy_registration', status: 'pending', unitId: target.unit.id, current: null, createdStaffId: null });
    expect(req.proposed).toMatchObject({ name: '黄波', phone, unitName: target.unit.name, departmentName: '办公室', hasPhoto: true });
    expect(JSON.stringify(req)).not.toContain(id);
    // not in the system until approved
    expect(await t.ctx.db.select().from(staff).where(eq(staff.phone, phone))).toEqual([]);
    expect((await smsTo(target.reviewer.phone, 'personnel_submitted'))[0]).toContain('路人甲提交了代登记人员（黄波');
    // the registering unit's reviewer has no say
    expect((await review(s.as.reviewer, req.id, 'approve')).statusCode).toBe(404);

    const ok = await review(target.as.reviewer, req.id, 'approve');
    expect(ok.statusCode).toBe(200);
    const created = ok.json().createdStaffId;
    expect(created).toBeTruthy();
    const row = await staffRow(created);
    expect(row).toMatchObject({ name: '黄波', phone, unitId: target.unit.id, departmentId: target.unit.departmentId, visitPermission: false, roles: ['staff'] });
    expect(t.ctx.crypto.decrypt(row.idNumberEnc!)).toBe(id);
    expect(row.photoKey).toBeTruthy();
    expect(await t.ctx.db.select().from(consents).where(and(eq(consents.subjectType, 'staff'), eq(consents.subjectId, created)))).toHaveLength(1);
    const [told] = await smsTo(phone, 'staff_registered');
    expect(told).toMatch(new RegExp(`^【市行政中心】黄波您好，路人甲已为您在${target.unit.name}登记智慧通行账号。请打开 http://localhost:\\d+/staff/ ，使用本手机号和短信验证码登录。$`));
    expect((await smsTo(s.outsider.phone, 'personnel_decided'))[0]).toBe('【市行政中心】您提交的代登记人员（黄波）审核结果：已通过。');
    later();
    const colleague = await signInStaff(t, phone);
    expect((await colleague.get('/api/staff/me/profile')).json()).toMatchObject({ id: created, name: '黄波', visitPermission: false });
    expect((await audits('personnel.approve', req.id))[0]!.detail).toMatchObject({ kind: 'proxy_registration', createdStaffId: created });
  });

  it('checks the phone (PHONE_TAKEN), ID, unit and department; a photo needs consent', async () => {
    const s = await scene();
    const base = { name: '黄波', phone: randomPhone(), unitId: s.unit.id };
    expect((await proxy(s.as.applicant, { ...base, phone: s.outsider.phone })).json().error.code).toBe('PHONE_TAKEN');
    expect((await proxy(s.as.applicant, { ...base, phone: '1234' })).json().error.code).toBe('PHONE_INVALID');
    expect((await proxy(s.as.applicant, { ...base, idNumber: '330302199001011234' })).json().error.code).toBe('ID_NUMBER_INVALID');
    expect((await proxy(s.as.applicant, { ...base, unitId: '00000000-0000-4000-8000-000000000000' })).json().error.code).toBe('UNIT_NOT_FOUND');
    const other = await newUnit(t);
    expect((await proxy(s.as.applicant, { ...base, departmentId: other.departmentId })).json().error.code).toBe('DEPARTMENT_NOT_IN_UNIT');
    expect((await proxy(s.as.applicant, { ...base, unitId: 'nope' })).json().error.code).toBe('VALIDATION_FAILED');
    expect((await proxy(s.as.applicant, { ...base, employeeNo: s.applicant.employeeNo })).json().error.code).toBe('EMPLOYEE_NO_TAKEN');
    expect((await proxy(s.as.applicant, base, { data: await makeImage(), consent: false })).json().error.code).toBe('CONSENT_REQUIRED');
    expect(await t.ctx.db.select().from(personnelRequests).where(eq(personnelRequests.applicantId, s.applicant.id))).toEqual([]);
  });

  it('my list: 全部 / 待审核 / 已通过 / 未通过, only mine; a rejected registration creates nobody', async () => {
    const s = await scene();
    const a = (await proxy(s.as.applicant, { name: '甲', phone: randomPhone(), unitId: s.unit.id })).json();
    const b = (await proxy(s.as.applicant, { name: '乙', phone: randomPhone(), unitId: s.unit.id })).json();
    const c = (await proxy(s.as.applicant, { name: '丙', phone: randomPhone(), unitId: s.unit.id })).json();
    await review(s.as.reviewer, a.id, 'approve');
    await review(s.as.reviewer, b.id, 'reject', '查无此人');
    const ids = async (status: string) => (await s.as.applicant.get(`/api/personnel/proxy?status=${status}`)).json().items.map((i: { id: string }) => i.id);
    expect(await ids('all')).toEqual([c.id, b.id, a.id]);
    expect(await ids('pending')).toEqual([c.id]);
    expect(await ids('approved')).toEqual([a.id]);
    expect(await ids('rejected')).toEqual([b.id]);
    expect((await s.as.outsider.get('/api/personnel/proxy?status=all')).json()).toEqual({ items: [], total: 0 });
    expect((await s.as.applicant.get('/api/personnel/proxy?status=nope')).statusCode).toBe(400);
    expect(await t.ctx.db.select().from(staff).where(eq(staff.name, '乙'))).toEqual([]);
    // the registering staff member is not its reviewer: the CC recipient sees all three
    expect((await s.as.copied.get('/api/approvals/personnel?tab=cc')).json().total).toBe(3);
  });

  it('bad input gets a clear error, never 500', async () => {
    const s = await scene();
    for (const bad of [{}, { name: '甲', phone: '123', unitId: s.unit.id }, { name: '甲', phone: randomPhone(), unitId: 'not-a-uuid' }, { name: '', phone: randomPhone(), unitId: s.unit.id }]) {
      const res = await s.as.outsider.post('/api/personnel/proxy', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
    }
    expect((await new Client(t).post('/api/personnel/proxy', { name: '甲' })).statusCode).toBe(401);
    // JSON nested deeper than the stack: 400, not 500
    const deep = `{"name":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    for (const url of ['/api/personnel/proxy', '/api/staff/me/info-change']) {
      const res = await s.as.outsider.req('POST', url, deep, { 'content-type': 'application/json' });
      expect(res.statusCode, url).toBe(400);
    }
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
