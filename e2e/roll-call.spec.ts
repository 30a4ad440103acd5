/**
 * Journey (issue 12, A11): 点名 during an evacuation. Two visitors are let in through the 1号楼
 * simulator gate. A demo staff member given the reception role opens 在场点名 on the phone
 * (375×667): the people on site per building; 开始点名; 标记安全 for the two — 已确认 n / 共 m counts up.
 * Meanwhile the administrator's 在场访客 page (1440×900), never reloaded, shows the roll call and its
 * count change live and tags the two 已确认安全. Staff without the role see no 在场点名 tile. Then
 * 结束点名. Screenshots of both screens, zh-CN and en.
 */
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { staff } from '../server/src/db/schema/index.js';
import { personIdOf } from '../contracts/access.js';
import { newPhone, phone, prcId, viewShot } from './visit-helpers.js';
import { GATE, GATE_HOST, confirmedVisitNow, ok } from './gate-helpers.js';

/** a demo staff member of 市机关事务管理局 (no password: signs in by SMS code), made reception here */
const RECEPTION = '13900001005';

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const A = { name: '卫安全', phone: newPhone('157'), id: prcId(Date.now() % 971, 24) };
  const B = { name: '韩撤离', phone: newPhone('156'), id: prcId((Date.now() + 7) % 971, 25) };
  const orders = [];
  for (const v of [A, B]) orders.push((await confirmedVisitNow(e2e, { phone: v.phone, register: { name: v.name, idNumber: v.id } }, '疏散演练')).order);
  const [before] = await e2e.db.select({ roles: staff.roles }).from(staff).where(eq(staff.phone, RECEPTION));
  await e2e.db.update(staff).set({ roles: ['staff', 'reception'] }).where(eq(staff.phone, RECEPTION));

  const errors: string[] = [];
  const admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await admin.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const tid = (p: Page | Locator, id: string) => p.locator(`[data-test="${id}"]`);
  const recep = await phone(e2e, errors);
  const host = await phone(e2e, errors);
  try {
    await e2e.adminLogin(page);
    // ———— both in through the 1号楼 gate (the simulator grants once the workers have pushed them)
    const devices = (await ok(await page.request.get(`${baseUrl}/api/admin/devices?pageSize=100`))) as { items: Array<{ id: string; name: string }> };
    const gate = devices.items.find((d) => d.name === GATE)!;
    for (const o of orders) {
      let granted = false;
      for (let i = 0; i < 60 && !granted; i++) {
        const r = await page.request.post(`${baseUrl}/api/admin/devices/${gate.id}/simulate`, { data: { personId: personIdOf(o.id), method: 'id_card', direction: 'in' } });
        granted = r.ok() && (await r.json()).result === 'granted';
        if (!granted) await page.waitForTimeout(250);
      }
      assert.ok(granted, 'the gate lets the visitor in');
    }

    // ———— the administrator's 在场访客: both, in 行政中心1号楼; no roll call yet
    await page.goto(`${baseUrl}/admin/on-site`);
    const table = tid(page, 'on-site-table');
    for (const v of [A, B]) await table.locator('.el-table__row').filter({ hasText: v.name }).waitFor();
    await tid(page, 'roll-call-start').waitFor();
    await page.locator('[data-test="live-badge"][data-state="live"]').waitFor();

    // ———— staff without the role: no 在场点名 tile
    await ok(await host.context.request.post(`${baseUrl}/api/auth/staff/login`, { data: GATE_HOST }));
    await host.page.goto(`${baseUrl}/staff/`);
    await tid(host.page, 'menu-invite').waitFor();
    assert.equal(await tid(host.page, 'menu-rollCall').count(), 0);

    // ———— reception's phone: 在场点名 → 开始点名
    await ok(await recep.context.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: RECEPTION, purpose: 'staff_login' } }));
    await ok(await recep.context.request.post(`${baseUrl}/api/auth/staff/login`, { data: { phone: RECEPTION, code: await e2e.lastSmsCode(RECEPTION) } }));
    const p = recep.page;
    await p.goto(`${baseUrl}/staff/`);
    await tid(p, 'menu-rollCall').click();
    await p.waitForURL(`${baseUrl}/staff/roll-call`);
    await p.locator('[data-test="roll-call-live"][data-state="live"]').waitFor();
    const total = Number((await tid(p, 'roll-call-count').innerText()).match(/共 (\d+)/)![1]);
    assert.ok(total >= 2, 'both on site');
    await p.getByText('行政中心1号楼').first().waitFor();
    await viewShot(p, 'staff-roll-call-idle');
    await tid(p, 'roll-call-start').click();
    await p.locator('.van-dialog').getByRole('button', { name: '开始点名' }).click();
    await tid(p, 'roll-call-count').getByText(`已确认 0 / 共 ${total}`).waitFor();
    // the administrator's page hears it
    await tid(page, 'roll-call-count').getByText(`已确认 0 / 共 ${total}`).waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    // ———— 标记安全: A, then B
    for (const [i, v] of [A, B].entries()) {
      await tid(p, `person-${v.name}`).locator('[data-test="mark-safe"]').click();
      await tid(p, 'roll-call-count').getByText(`已确认 ${i + 1} / 共 ${total}`).waitFor();
      // under 未确认 the person is gone from the list
      await tid(p, `person-${v.name}`).waitFor({ state: 'detached' });
      // the second screen, live
      await tid(page, 'roll-call-count').getByText(`已确认 ${i + 1} / 共 ${total}`).waitFor();
    }
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, 'the admin page was not reloaded');
    for (const v of [A, B]) await tid(table.locator('.el-table__row').filter({ hasText: v.name }), 'on-site-safe').waitFor();
    await page.waitForTimeout(400);
    await screenshot(page, 'admin-on-site-roll-call');
    await viewShot(p, 'staff-roll-call-pending');
    await p.locator('.van-tab').filter({ hasText: '已确认' }).click();
    for (const v of [A, B]) await tid(p, `person-${v.name}`).getByText('✓ 已安全').waitFor();
    await p.waitForTimeout(300);
    await viewShot(p, 'staff-roll-call-done');

    // ———— English
    await p.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await p.reload();
    await tid(p, 'roll-call-count').getByText(`2 of ${total} safe`).waitFor();
    await p.waitForTimeout(300);
    await viewShot(p, 'staff-roll-call-en');
    await p.evaluate(() => localStorage.setItem('sg_locale', 'zh-CN'));
    await p.reload();

    // ———— 结束点名: both screens back to no roll call
    await tid(p, 'roll-call-end').click();
    await p.locator('.van-dialog').getByRole('button', { name: '结束点名' }).click();
    await tid(p, 'roll-call-start').waitFor();
    await tid(page, 'roll-call-start').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    // the journeys after this one find the demo data as seeded (reception hears overstays, opens doors)
    await e2e.db.update(staff).set({ roles: before!.roles }).where(eq(staff.phone, RECEPTION));
    await admin.close();
    await recep.context.close();
    await host.context.close();
  }
}
