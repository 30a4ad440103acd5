import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Client, createTestApp, signInStaff, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newVisitor, validIdNumber } from '../../test/factories.js';
import { auditLog, consents, sessions, settings, smsCodes, smsMessages, visitOrders, visitors } from '../../db/schema/index.js';
import { ERASED_CONTENT } from '../notify/sms.service.js';
import { maskPhone } from '../../../../contracts/identity.js';
import { TERMS_VERSION } from '../../../../contracts/consent.js';
import { auditDetailPairs } from '../../../../contracts/audit.js';
import { insertOrder } from '../notify/test-orders.js';
import { makeImage, signInNewPhone, uploadPhoto } from '../visitors/test-helpers.js';
import { RETENTION_JOB } from './retention.service.js';

const DAY = 24 * 3600_000;
const DAYS = 30;
let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp({ env: { VISITOR_RETENTION_DAYS: String(DAYS) } });
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

const T0 = new Date('2026-03-02T02:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const visitorRow = async (id: string) => (await t.ctx.db.select().from(visitors).where(eq(visitors.id, id)))[0];
const orderRow = async (id: string) => (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, id)))[0]!;

/** A visitor registered through the app with a photo, signed in (at the clock's time). */
async function registered(name = '林晓燕') {
  const { c, phone } = await signInNewPhone(t);
  const up = await uploadPhoto(c, await makeImage());
  expect(up.statusCode).toBe(200);
  const idNumber = validIdNumber();
  const res = await c.post('/api/visitor/register', { name, idType: 'prc_id', idNumber, company: '温州建设集团', position: '工程师', photoUploadId: up.json().uploadId, termsVersion: TERMS_VERSION });
  expect(res.statusCode).toBe(200);
  const v = (await t.ctx.db.select().from(visitors).where(eq(visitors.phone, phone)))[0]!;
  return { c, phone, idNumber, v };
}

/** An order of the visitor whose window is [start, start + 2 h]. */
function orderOf(v: { id: string; phone: string }, start: Date, o: Partial<typeof visitOrders.$inferInsert> = {}) {
  return insertOrder(t, { visitorId: v.id, visitorPhone: v.phone, startAt: start, endAt: new Date(start.getTime() + 2 * 3600_000), status: 'cancelled', cancelReason: 'expired', ...o });
}

describe('retention purge (VISITOR_RETENTION_DAYS, moved clock)', () => {
  it('purges photo and ID number after the period since the last visit, deletes unused registrations and old invitee ID numbers; keeps recent, open and blocked; preview = run; second run removes nothing', async () => {
    t.ctx.clock.set(T0);
    try {
      const old = await registered('钱多多'); // visited on day 0, left on day 0
      const oldOrder = await orderOf(old.v, at(0), { status: 'arrived', cancelReason: null, arrivedAt: at(0), leftAt: new Date(at(0).getTime() + 3 * 3600_000) });
      const recent = await registered('孙小美'); // last visit on day 20
      await orderOf(recent.v, at(0));
      await orderOf(recent.v, at(20));
      const open = await registered('阿土伯'); // an order still confirmed
      await orderOf(open.v, at(0), { status: 'confirmed', cancelReason: null });
      const onSite = await newVisitor(t, { name: '金贝贝', updatedAt: T0 }); // arrived, never left
      await orderOf(onSite, at(0), { status: 'arrived', cancelReason: null, arrivedAt: at(0) });
      const blocked = await newVisitor(t, { name: '黑名单', blocked: true, blockedReason: '冒用', updatedAt: T0 });
      await orderOf(blocked, at(0));
      const unused = await registered('沙隆巴斯'); // registered on day 0, never booked
      const invOrder = await orderOf(recent.v, at(1), { inviteeName: '同行甲', inviteeIdType: 'prc_id', inviteeIdNumberEnc: t.ctx.crypto.encrypt(validIdNumber()) });
      const invOpen = await orderOf(open.v, at(1), { status: 'pending', cancelReason: null, inviteeName: '同行乙', inviteeIdNumberEnc: t.ctx.crypto.encrypt(validIdNumber()) });
      t.ctx.clock.set(at(25));
      const stillUnused = await registered('大老千'); // registered on day 25: inside the period

      t.ctx.clock.set(at(DAYS + 2)); // day 32: day 0 and day 1 are past the 30 days, day 20 and 25 are not
      const preview = await admin.get('/api/admin/retention');
      expect(preview.statusCode).toBe(200);
      const p = preview.json();
      expect(p).toMatchObject({ days: DAYS, cutoff: at(2).toISOString(), lastRun: null });
      expect(p.counts).toEqual({ photos: 1, idNumbers: 1, unusedRegistrations: 1, inviteeIdNumbers: 1 });
      expect(p.items.map((i: { kind: string; id: string }) => [i.kind, i.id]).sort()).toEqual(
        [
          ['purge', old.v.id],
          ['unused', unused.v.id],
          ['invitee', invOrder],
        ].sort(),
      );
      // names masked in the list
      expect(p.items.find((i: { id: string }) => i.id === old.v.id)).toMatchObject({ nameMasked: '钱*多', photo: true, idNumber: true });
      expect(preview.body).not.toContain('钱多多');
      expect(preview.body).not.toContain(old.idNumber);

      const run = await admin.post('/api/admin/retention/run');
      expect(run.statusCode).toBe(200);
      expect(run.json()).toMatchObject({ trigger: 'admin', days: DAYS, counts: p.counts });

      // the old visitor: no photo, no ID number or blind index, face consent withdrawn; name, phone and order stay
      const o = (await visitorRow(old.v.id))!;
      expect(o).toMatchObject({ photoKey: null, idNumberEnc: null, idNumberIdx: null, name: '钱多多', phone: old.phone, purgedAt: at(DAYS + 2) });
      expect(await t.ctx.storage.get(old.v.photoKey!)).toBeNull();
      const face = await t.ctx.db.select().from(consents).where(and(eq(consents.subjectId, old.v.id), eq(consents.kind, 'face')));
      expect(face.every((c) => c.withdrawnAt)).toBe(true);
      expect(await orderRow(oldOrder)).toMatchObject({ status: 'arrived', visitorId: old.v.id });
      // the unused registration is gone, with its photo and consents; the recent one stays
      expect(await visitorRow(unused.v.id)).toBeUndefined();
      expect(await t.ctx.storage.get(unused.v.photoKey!)).toBeNull();
      expect(await t.ctx.db.select().from(consents).where(eq(consents.subjectId, unused.v.id))).toEqual([]);
      expect((await visitorRow(stillUnused.v.id))!.idNumberEnc).not.toBeNull();
      // invitee ID number cleared on the finished order, kept on the open one
      expect((await orderRow(invOrder)).inviteeIdNumberEnc).toBeNull();
      expect((await orderRow(invOpen)).inviteeIdNumberEnc).not.toBeNull();
      // recent visit, open order, on site, blocked: untouched
      for (const v of [recent.v, open.v]) expect(await visitorRow(v.id)).toMatchObject({ photoKey: v.photoKey, idNumberIdx: v.idNumberIdx });
      for (const v of [onSite, blocked]) expect((await visitorRow(v.id))!.idNumberIdx).toBe(v.idNumberIdx);
      expect(await t.ctx.storage.get(recent.v.photoKey!)).not.toBeNull();

      // one audit entry with counts only
      const entries = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'retention.run'));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actorType: 'admin', targetType: 'retention', detail: { trigger: 'admin', retentionDays: DAYS, ...p.counts } });
      expect(JSON.stringify(entries[0]!.detail)).not.toMatch(/钱|[0-9]{17}/);
      // 审计日志 shows it in words
      expect(auditDetailPairs(entries[0]!.detail, 'zh-CN').map((x) => `${x.label}：${x.value}`)).toEqual(expect.arrayContaining(['触发方式：管理员立即执行', '删除照片：1', '删除证件号码：1']));

      // idempotent: the preview is empty and a second run removes nothing
      const after = (await admin.get('/api/admin/retention')).json();
      expect(after.counts).toEqual({ photos: 0, idNumbers: 0, unusedRegistrations: 0, inviteeIdNumbers: 0 });
      expect(after.items).toEqual([]);
      expect(after.lastRun).toMatchObject({ trigger: 'admin', counts: p.counts });
      expect((await admin.post('/api/admin/retention/run')).json().counts).toEqual({ photos: 0, idNumbers: 0, unusedRegistrations: 0, inviteeIdNumbers: 0 });

      // ten days on, the day-20 visit is past too
      t.ctx.clock.set(at(DAYS + 21));
      expect((await admin.get('/api/admin/retention')).json().items.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([recent.v.id]));
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('the daily job runs from the queue at 03:00 in the center, as the system, and puts the next day in line', async () => {
    t.ctx.clock.set(new Date('2026-09-01T00:00:00Z')); // 08:00 in Shanghai
    try {
      const v = await newVisitor(t, { name: '定时清理', updatedAt: new Date('2026-01-01T00:00:00Z') });
      await orderOf(v, new Date('2026-01-01T00:00:00Z'));
      // onReady scheduled a run; the one for tomorrow 03:00 Shanghai is enqueued by the app's start or here
      t.ctx.clock.set(new Date('2026-09-01T19:00:30Z')); // 03:00:30 on 09-02 in Shanghai
      await t.ctx.db.transaction((tx) => t.ctx.queue.enqueue(tx, { type: RETENTION_JOB, key: `${RETENTION_JOB}:2026-09-02`, runAt: new Date('2026-09-01T19:00:00Z') }));
      await t.ctx.queue.drain();
      expect((await visitorRow(v.id))!.idNumberEnc).toBeNull();
      const [last] = await t.ctx.db.select().from(settings).where(eq(settings.key, 'retention.last_run'));
      expect(last!.value).toMatchObject({ trigger: 'schedule', at: '2026-09-01T19:00:30.000Z' });
      const runs = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'retention.run'), eq(auditLog.actorType, 'system')));
      expect(runs.length).toBeGreaterThanOrEqual(1);
      const next = (await t.ctx.db.execute(`select run_at from jobs where key = '${RETENTION_JOB}:2026-09-03'`)) as unknown as { rows: Array<{ run_at: unknown }> };
      expect(new Date(String(next.rows[0]!.run_at)).toISOString()).toBe('2026-09-02T19:00:00.000Z');
    } finally {
      t.ctx.clock.set(null);
    }
  });

  it('system administrators only: no session / a visitor / a staff member → 401', async () => {
    const { c } = await registered();
    const s = await newStaff(t);
    const staff = await signInStaff(t, s.phone);
    for (const who of [new Client(t), c, staff]) {
      expect((await who.get('/api/admin/retention')).statusCode).toBe(401);
      expect((await who.post('/api/admin/retention/run')).statusCode).toBe(401);
    }
  });

  it('a 单位管理员 → 403 SYSTEM_ADMIN_ONLY; nothing runs', async () => {
    const s = await newStaff(t);
    const unitAdmin = await newAdminClient(t, undefined, undefined, s.unitId);
    expect((await unitAdmin.get('/api/admin/retention')).json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    const before = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'retention.run'))).length;
    const res = await unitAdmin.post('/api/admin/retention/run');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('SYSTEM_ADMIN_ONLY');
    expect((await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'retention.run'))).length).toBe(before);
  });

  it('the period is public configuration (the apps render the consent texts with it)', async () => {
    const res = await new Client(t).get('/api/config');
    expect(res.json().visitorRetentionDays).toBe(DAYS);
  });
});

describe('我的数据', () => {
  it('shows what is stored, the retention date, and who read it (role and action, never the reader’s name)', async () => {
    const me = await registered('周芷若');
    await orderOf(me.v, new Date(Date.now() - 3 * DAY));
    const adminName = (await admin.get(`/api/admin/visitors/${me.v.id}`)).json();
    expect(adminName.id ?? adminName.visitor?.id).toBeTruthy();
    const res = await me.c.get('/api/visitor/me/data');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.visitor).toMatchObject({ name: '周芷若', phone: me.phone, idType: 'prc_id', company: '温州建设集团', position: '工程师', wechatBound: false });
    expect(d.visitor.idNumberMasked).toMatch(/^3303\*+\d{3}[\dX]$/);
    expect(res.body).not.toContain(me.idNumber);
    expect(d.photo.held).toBe(true);
    expect(d.photo.since).toEqual(expect.any(String));
    expect(d.consents.map((c: { kind: string }) => c.kind).sort()).toEqual(['face', 'terms']);
    expect(d.orders).toEqual({ total: 1, open: 0 });
    expect(d.retention.days).toBe(DAYS);
    // the registration (now) is later than the visit: the period runs from it
    expect(new Date(d.retention.purgeAfter).getTime()).toBeGreaterThan(Date.now() + (DAYS - 1) * DAY);
    expect(d.readings[0]).toMatchObject({ role: 'admin', action: 'visitor.read', subject: 'visitor' });
    expect(d.readingsTotal).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(d.readings)).not.toMatch(/admin[0-9a-z]{4,}/); // no administrator's username
  });

  it('a staff member reading the order shows as 工作人员 on the order', async () => {
    const host = await newStaff(t);
    const me = await registered('张无忌');
    const orderId = await orderOf(me.v, new Date(Date.now() + DAY), { hostId: host.id, unitId: host.unitId, status: 'pending', cancelReason: null });
    const staff = await signInStaff(t, host.phone);
    expect((await staff.get(`/api/visits/${orderId}`)).statusCode).toBe(200);
    const d = (await me.c.get('/api/visitor/me/data')).json();
    expect(d.readings).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'staff', subject: 'visit_order' })]));
    expect(d.orders).toEqual({ total: 1, open: 1 });
    expect(d.retention.purgeAfter).toBeNull(); // an open order: nothing is purged
  });

  it('export: a JSON file of everything, with the full ID number and the photo; audited; another visitor’s export has none of it', async () => {
    const me = await registered('赵敏');
    const orderId = await orderOf(me.v, new Date(Date.now() - 5 * DAY));
    const res = await me.c.get('/api/visitor/me/data/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const f = JSON.parse(res.body);
    expect(f).toMatchObject({ format: 'safeguard.my-data.v1', visitor: { name: '赵敏', phone: me.phone, idNumber: me.idNumber } });
    expect(f.orders).toEqual([expect.objectContaining({ id: orderId, status: 'cancelled', reason: '商务洽谈' })]);
    expect(f.orders[0].hostName).toContain('*');
    const jpeg = Buffer.from(f.photo.jpegBase64, 'base64');
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'visitor.data_export'), eq(auditLog.targetId, me.v.id)));
    expect(entry).toMatchObject({ actorType: 'visitor', actorId: me.v.id });

    const other = await registered('小昭');
    const theirs = await other.c.get('/api/visitor/me/data/export');
    expect(theirs.statusCode).toBe(200);
    expect(theirs.body).not.toContain(me.phone);
    expect(theirs.body).not.toContain(me.idNumber);
    expect(theirs.body).not.toContain(orderId);
  });

  it('no session, a verified phone not registered, a staff member, an administrator → 401', async () => {
    const { c: phoneOnly } = await signInNewPhone(t);
    const s = await newStaff(t);
    const staff = await signInStaff(t, s.phone);
    for (const who of [new Client(t), phoneOnly, staff, admin]) {
      expect((await who.get('/api/visitor/me/data')).statusCode).toBe(401);
      expect((await who.get('/api/visitor/me/data/export')).statusCode).toBe(401);
      expect((await who.delete('/api/visitor/me')).statusCode).toBe(401);
    }
  });
});

describe('注销 (DELETE /api/visitor/me)', () => {
  it('refused while an order is pending, or arrived and on site; accepted once it is over: personal data gone, anonymous orders remain, signed out; the phone registers afresh', async () => {
    const me = await registered('谢逊');
    const pending = await orderOf(me.v, new Date(Date.now() + DAY), { status: 'pending', cancelReason: null, plate: '浙C12345', inviteeName: '谢逊' });
    const refused = await me.c.delete('/api/visitor/me');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'ACCOUNT_HAS_OPEN_ORDER', message: { 'zh-CN': expect.stringContaining('注销'), en: expect.stringContaining('delete') } });
    await t.ctx.db.update(visitOrders).set({ status: 'arrived', arrivedAt: new Date() }).where(eq(visitOrders.id, pending));
    expect((await me.c.delete('/api/visitor/me')).json().error.code).toBe('ACCOUNT_HAS_OPEN_ORDER');
    expect((await visitorRow(me.v.id))!.name).toBe('谢逊');
    await t.ctx.db.update(visitOrders).set({ leftAt: new Date() }).where(eq(visitOrders.id, pending));
    const past = await orderOf(me.v, new Date(Date.now() - 10 * DAY));

    const res = await me.c.delete('/api/visitor/me');
    expect(res.statusCode).toBe(200);
    expect(res.cookies.some((c: { name: string; value: string }) => c.name === 'sg_visitor' && c.value === '')).toBe(true);
    expect((await me.c.get('/api/visitor/me')).statusCode).toBe(401);
    expect(await t.ctx.db.select().from(sessions).where(eq(sessions.subjectId, me.v.id))).toEqual([]);

    const row = (await visitorRow(me.v.id))!;
    expect(row).toMatchObject({ name: '已注销', phone: `deleted:${me.v.id}`, idNumberEnc: null, idNumberIdx: null, company: null, position: null, photoKey: null, wechatOpenId: null });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(row)).not.toMatch(/谢逊|温州|工程师/);
    expect(JSON.stringify(row)).not.toContain(me.phone);
    expect(await t.ctx.storage.get(me.v.photoKey!)).toBeNull();
    // the orders remain, without the phone or anything typed about the person
    for (const id of [pending, past]) {
      const o = await orderRow(id);
      expect(o).toMatchObject({ visitorId: me.v.id, visitorPhone: '', inviteeName: null, plate: null });
    }
    const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'visitor.account_deleted'), eq(auditLog.targetId, me.v.id)));
    expect(entry!.detail).toMatchObject({ photoDeleted: true, ordersAnonymised: 2 });
    // 短信发件箱 keeps the lines (when, which template) without the phone or the text; the codes are gone
    expect(await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, me.phone))).toEqual([]);
    const erased = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.content, ERASED_CONTENT));
    expect(erased.length).toBeGreaterThanOrEqual(1);
    expect((entry!.detail as { messagesErased: number }).messagesErased).toBe(erased.length);
    expect(erased.every((m) => m.phone === maskPhone(me.phone) && m.status !== 'queued')).toBe(true);
    expect(await t.ctx.db.select().from(smsCodes).where(eq(smsCodes.phone, me.phone))).toEqual([]);
    // the 访客库 no longer lists or opens them
    expect((await admin.get(`/api/admin/visitors/${me.v.id}`)).statusCode).toBe(404);
    expect((await admin.get(`/api/admin/visitors?q=${encodeURIComponent('已注销')}`)).json().total).toBe(0);

    // the same phone starts fresh (a minute later: one code a minute)
    t.ctx.clock.set(new Date(Date.now() + 2 * 60_000));
    const again = await signInNewPhone(t, me.phone).finally(() => t.ctx.clock.set(null));
    expect((await again.c.get('/api/visitor/me')).statusCode).toBe(401); // a phone session, not a visitor
    const reg = await again.c.post('/api/visitor/register', { name: '新谢逊', idType: 'prc_id', idNumber: validIdNumber(), termsVersion: TERMS_VERSION });
    expect(reg.statusCode).toBe(200);
    expect(reg.json().id).not.toBe(me.v.id);
    expect((await again.c.get('/api/visitor/me/data')).json().orders).toEqual({ total: 0, open: 0 });
  });

  it('deleting one account leaves another visitor’s untouched; 首页 counts one visitor fewer', async () => {
    const a = await registered('殷离');
    const b = await registered('蛛儿');
    const before = (await admin.get('/api/admin/dashboard')).json().visitors;
    expect((await a.c.delete('/api/visitor/me')).statusCode).toBe(200);
    expect((await admin.get('/api/admin/dashboard')).json().visitors).toBe(before - 1);
    expect(await visitorRow(b.v.id)).toMatchObject({ name: '蛛儿', phone: b.phone, deletedAt: null });
    expect((await b.c.get('/api/visitor/me/data')).statusCode).toBe(200);
  });
});
