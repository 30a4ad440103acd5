/**
 * Journey: 记录查询 (A8) at 1440×900. A visitor's four orders are on file (one arrived through a
 * gate, two confirmed, one rejected). The administrator opens 记录查询, filters 访客记录 by the
 * visitor's name, opens the arrived one (签到, 状态流转, the gate pass), narrows to 已确认, exports
 * Excel, watches the progress reach 100 %, downloads the file and the test opens it with exceljs:
 * its rows are the table's (name, phone, masked ID number), with no whole ID number in it. Then
 * 通行记录 narrowed to 异常放行 and exported the same way (the file's rows are the table's, the
 * result in words), 操作日志 (both exports are in the audit log), and the page in English.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import type { E2EContext } from './run.js';
import { accessEvents, orderTransitions, staff, visitOrders, visitors } from '../server/src/db/schema/index.js';
import { withIdCheckDigit } from '../server/src/db/seed-demo.js';
import { maskIdNumber } from '../contracts/identity.js';

const NAME = '欧阳记录';
const HOUR = 3600_000;

export async function run(ctx: E2EContext) {
  const { baseUrl, browser, screenshot, adminLogin, db } = ctx;
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(400); // let drawers and dialogs finish their transitions
    await screenshot(page, name);
  };

  // ------------------------------------------------------------ the visitor's orders
  const idNumber = withIdCheckDigit('33030219880808123');
  const phone = '15700001234';
  const [host] = await db.select().from(staff).where(eq(staff.phone, '17348862736'));
  assert.ok(host, 'the demo staff member 姜柠檬');
  const [v] = await db
    .insert(visitors)
    .values({ name: NAME, phone, idType: 'prc_id', idNumberEnc: ctx.crypto.encrypt(idNumber), idNumberIdx: ctx.crypto.blindIndex(idNumber), company: '温州某建设有限公司' })
    .returning();
  const now = Date.now();
  const base = { visitorId: v!.id, visitorPhone: phone, hostId: host.id, unitId: host.unitId, kind: 'appointment' };
  const at = (h: number) => ({ startAt: new Date(now + h * HOUR), endAt: new Date(now + (h + 2) * HOUR) });
  const arrivedAt = new Date(now - 30 * 60_000);
  const [arrived] = await db
    .insert(visitOrders)
    .values({ ...base, ...at(-1), status: 'arrived', reason: '项目验收', arrivedAt, arrivedVia: 'gate', arrivedWhere: '1号楼东门闸机' })
    .returning();
  await db.insert(visitOrders).values([
    { ...base, ...at(24), status: 'confirmed', reason: '合同签署', plate: '浙C12345', vehicleStatus: 'approved' },
    { ...base, ...at(48), status: 'confirmed', reason: '材料递交' },
    { ...base, ...at(72), status: 'cancelled', cancelReason: 'rejected', reason: '临时拜访' },
  ]);
  // its 状态流转 as the flows record it: submitted, approved by the host, in at the gate
  const step = (min: number, o: Partial<typeof orderTransitions.$inferInsert>) => ({ orderId: arrived!.id, at: new Date(now - min * 60_000), reason: null, comment: null, ...o }) as typeof orderTransitions.$inferInsert;
  await db.insert(orderTransitions).values([
    step(600, { actorType: 'visitor', actorId: v!.id, actorRole: 'visitor', action: 'submit', fromStatus: null, toStatus: 'pending' }),
    step(500, { actorType: 'staff', actorId: host.id, actorRole: 'host', action: 'approve', fromStatus: 'pending', toStatus: 'confirmed', comment: '欢迎来访' }),
    step(30, { actorType: 'system', actorId: 'device:gate', actorRole: 'gate', action: 'arrive', fromStatus: 'confirmed', toStatus: 'arrived', comment: 'face' }),
  ]);
  await db.insert(accessEvents).values({ at: arrivedAt, method: 'face', direction: 'in', orderId: arrived!.id, result: 'granted', detail: { deviceName: '1号楼东门闸机' } });
  // two passes the gates let through that the server refuses (异常放行)
  await db.insert(accessEvents).values([
    { at: new Date(now - 20 * 60_000), method: 'qr', direction: 'in', orderId: arrived!.id, result: 'anomaly', detail: { deviceName: '1号楼西门闸机', note: 'OUTSIDE_WINDOW' } },
    { at: new Date(now - 10 * 60_000), method: 'face', direction: 'in', orderId: null, result: 'anomaly', detail: { deviceName: '2号楼南门闸机', note: 'UNKNOWN_PERSON' } },
  ]);

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  try {
    await adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await page.getByRole('menuitem', { name: '记录查询' }).click();
    const table = page.locator('[data-test=records-table]');
    await table.waitFor();
    await shot(page, 'admin-records');

    // ------------------------------------------------------------ filter by the visitor's name
    const bodyRows = table.locator('.el-table__body-wrapper tr.el-table__row');
    await page.locator('input[data-test=records-visitor]').fill(NAME);
    await page.locator('[data-test=records-search]').click();
    await waitRows(bodyRows, 4);
    for (const text of await bodyRows.allInnerTexts()) assert.match(text, new RegExp(NAME));
    assert.match(await page.locator('.el-pagination').innerText(), /共 4 条|Total 4/);

    // ------------------------------------------------------------ the arrived one's detail
    await bodyRows.filter({ hasText: '已到达' }).locator('[data-test=records-visitor-name]').click();
    const drawer = page.locator('[data-test=record-drawer]');
    await drawer.locator('[data-test=record-visitor]').getByText(NAME).waitFor();
    assert.match(await drawer.innerText(), new RegExp(maskIdNumber(idNumber).replace(/\*/g, '\\*')));
    assert.doesNotMatch(await drawer.innerText(), new RegExp(idNumber));
    assert.match(await drawer.locator('[data-test=record-presence]').innerText(), /1号楼东门闸机/);
    await drawer.locator('[data-test=record-passes]').getByText('1号楼东门闸机').waitFor();
    assert.deepEqual(
      (await drawer.locator('[data-test=record-trail] .el-timeline-item b').allInnerTexts()).map((x) => x.trim()),
      ['访客：提交', '邀约人：审核通过', '闸机：已到达'],
    );
    assert.match(await drawer.locator('[data-test=record-trail]').innerText(), /姜柠檬/);
    assert.match(await drawer.locator('[data-test=record-passes]').innerText(), /通过|准许|granted/i);
    await shot(page, 'admin-records-detail');
    await page.keyboard.press('Escape');
    await drawer.locator('[data-test=record-visitor]').waitFor({ state: 'hidden' });

    // ------------------------------------------------------------ narrow to 已确认
    await page.locator('[data-test=records-status]').click();
    await page.locator('.el-select-dropdown__item:visible').getByText('已确认', { exact: true }).click();
    await page.locator('[data-test=records-search]').click();
    await waitRows(bodyRows, 2);
    for (const s of await bodyRows.locator('[data-test=records-row-status]').allInnerTexts()) assert.equal(s.trim(), '已确认');
    await shot(page, 'admin-records-filtered');
    const shown = await bodyRows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => (td.textContent ?? '').trim())));

    // ------------------------------------------------------------ export, progress, download
    await page.locator('[data-test=records-export]').click();
    const dialog = page.locator('[data-test=export-dialog]');
    await dialog.locator('[data-test=export-download]').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('[data-test=export-progress]').innerText(), /100%/);
    assert.match(await dialog.locator('[data-test=export-state]').innerText(), /已生成 2 行/);
    await shot(page, 'admin-records-export');
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('[data-test=export-download]').click()]);
    assert.match(download.suggestedFilename(), /^访客记录_\d{8}-\d{4}\.xlsx$/);
    const file = fs.readFileSync((await download.path())!);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    assert.equal(sheet.name, '访客记录');
    const rows: string[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((x) => (x == null ? '' : String(x)))));
    assert.deepEqual(rows[0]!.slice(0, 3), ['访客姓名', '手机号', '证件号码']);
    assert.deepEqual(
      rows.slice(1).map((r) => r.slice(0, 3)),
      shown,
      'the file holds exactly the rows the filtered table shows',
    );
    assert.deepEqual(rows.slice(1).map((r) => r[7]), ['已确认', '已确认']);
    assert.ok(!rows.flat().some((c) => c.includes(idNumber)), 'no whole ID number in the file');
    assert.ok(rows.slice(1).every((r) => r[2] === maskIdNumber(idNumber)));
    await dialog.getByRole('button', { name: '关闭', exact: true }).click();

    // ------------------------------------------------------------ 通行记录: the anomalies, exported
    await page.getByRole('tab', { name: '通行记录' }).click();
    const passes = page.locator('#pane-passes');
    const events = passes.locator('[data-test=events-table]');
    await events.getByText('1号楼东门闸机').first().waitFor();
    await passes.locator('.el-radio-button').filter({ hasText: '异常放行' }).click();
    const eventRows = events.locator('.el-table__body-wrapper tr.el-table__row');
    const cellsOf = () =>
      eventRows.evaluateAll((trs) =>
        trs.map((tr) => {
          const td = [...tr.querySelectorAll('td')].map((x) => (x.textContent ?? '').trim());
          // a pass whose device clock was off shows "⚠ 设备时间 …" under its time (another journey's
          // simulated gate may have made one); the file has that in its own column, 设备上报时间
          const [at, deviceAt] = td[0]!.split(/\s*⚠\s*设备时间\s*/);
          return [at, td[1], td[2], td[5], td[6], deviceAt ?? ''].map((x) => (x === '—' ? '' : x!));
        }),
      );
    let shownPasses: string[][] = [];
    for (let i = 0; i < 100; i++) {
      shownPasses = await cellsOf();
      if (shownPasses.length >= 2 && shownPasses.every((r) => r[3] === '异常放行')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(shownPasses.every((r) => r[3] === '异常放行'), 'only the anomalies are listed');
    assert.ok(shownPasses.some((r) => r[1] === '1号楼西门闸机' && r[2] === NAME && r[4] === '不在来访时间内'));
    assert.ok(shownPasses.some((r) => r[1] === '2号楼南门闸机'));
    assert.ok(!shownPasses.some((r) => r[1] === '1号楼东门闸机'), 'the granted pass is left out');
    await shot(page, 'admin-records-passes');
    await passes.locator('[data-test=events-export]').click();
    const passDialog = page.locator('[data-test=export-dialog][data-kind=access_events]');
    await passDialog.locator('[data-test=export-download]').waitFor({ timeout: 30_000 });
    assert.match(await passDialog.locator('[data-test=export-progress]').innerText(), /100%/);
    assert.match(await passDialog.locator('[data-test=export-state]').innerText(), new RegExp(`已生成 ${shownPasses.length} 行`));
    await shot(page, 'admin-records-passes-export');
    const [passDownload] = await Promise.all([page.waitForEvent('download'), passDialog.locator('[data-test=export-download]').click()]);
    assert.match(passDownload.suggestedFilename(), /^通行记录_\d{8}-\d{4}\.xlsx$/);
    const passBook = new ExcelJS.Workbook();
    await passBook.xlsx.load(fs.readFileSync((await passDownload.path())!) as unknown as ArrayBuffer);
    const passSheet = passBook.worksheets[0]!;
    assert.equal(passSheet.name, '通行记录');
    const passRows: string[][] = [];
    passSheet.eachRow((r) => passRows.push(Array.from({ length: 9 }, (_, i) => r.getCell(i + 1).value).map((x) => (x == null ? '' : String(x)))));
    assert.deepEqual(passRows[0], ['通行时间', '设备', '通行人', '通行方式', '车牌号', '方向', '通行结果', '说明', '设备上报时间']);
    assert.deepEqual(
      // 设备上报时间 compared where the table shows it (the file has it for every pass with a device time)
      passRows.slice(1).map((r, i) => [r[0], r[1], r[2], r[6], r[7], shownPasses[i]?.[5] ? r[8]!.replace(/（设备时钟偏差）$/, '') : '']),
      shownPasses,
      'the file holds exactly the pass records the filtered table shows',
    );
    assert.ok(
      passRows.slice(1).every((r, i) => !shownPasses[i]?.[5] || r[8]!.endsWith('（设备时钟偏差）')),
      'a device clock the table flags is flagged in the file too',
    );
    await passDialog.getByRole('button', { name: '关闭', exact: true }).click();

    // ------------------------------------------------------------ 操作日志: both exports audited
    await page.getByRole('tab', { name: '操作日志' }).click();
    await page.locator('[data-test=audit-action]').getByText('导出访客记录').first().waitFor();
    await page.locator('[data-test=audit-action]').getByText('导出通行记录').first().waitFor();
    assert.equal(await page.locator('#pane-audit [data-test=audit-export]').isVisible(), true);
    await shot(page, 'admin-records-audit');

    // ------------------------------------------------------------ in English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.goto(`${baseUrl}/admin/records`);
    await table.waitFor();
    await page.getByRole('tab', { name: 'Visit records' }).waitFor();
    await page.locator('input[data-test=records-visitor]').fill(NAME);
    await page.locator('[data-test=records-search]').click();
    await waitRows(bodyRows, 4);
    assert.match(await table.innerText(), /Confirmed/);
    await shot(page, 'admin-records-en');
    await page.evaluate(() => localStorage.setItem('sg_locale', 'zh-CN'));
  } finally {
    await context.close();
  }
}

async function waitRows(rows: ReturnType<Page['locator']>, n: number) {
  for (let i = 0; i < 100; i++) {
    if ((await rows.count()) === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await rows.count(), n, `expected ${n} rows`);
}

