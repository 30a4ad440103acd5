/**
 * Journey: the administrator imports staff from an Excel file (A1). First a file with one bad row:
 * the per-row error table shows the row and the problem and nothing is imported. Then the fixed
 * file: every row is imported and appears in the staff table. Along the way: the organisation
 * pages (units with 办理须知, buildings) and a staff member's 访问权限 switch.
 */
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';

interface Ctx {
  baseUrl: string;
  browser: Browser;
  screenshot: (page: Page, name: string) => Promise<void>;
  adminLogin: (page: Page) => Promise<void>;
}

const HEADER = ['姓名*', '手机号码*', '证件号码', '工号', '单位*', '部门', '办公室', '办公电话', '职务', '访问权限(是/否)'];
const UNIT = '市机关事务管理局';

/** GB 11643 check digit */
function idWithCheck(first17: string) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

async function workbook(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(HEADER);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function run(ctx: Ctx) {
  const { baseUrl, browser, screenshot, adminLogin } = ctx;
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(400); // let dialogs and messages finish their transitions
    await screenshot(page, name);
  };
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  try {
    await adminLogin(page);

    // ------------------------------------------------------------ organisation pages
    await page.goto(`${baseUrl}/admin/org/units`);
    await page.locator('[data-test=unit-tree]').getByText(UNIT).first().waitFor();
    await page.getByRole('tab', { name: '办理须知' }).click();
    const text = page.locator('textarea[data-test=instructions-text]');
    await text.waitFor();
    assert.match(await text.inputValue(), /身份证件/);
    await text.fill(`${await text.inputValue()}\n4. 访客车辆请停放在地下停车场访客车位。`);
    await page.locator('[data-test=instructions-save]').click();
    await page.getByText('已保存').first().waitFor();
    await shot(page, 'admin-units-instructions');

    await page.goto(`${baseUrl}/admin/org/buildings`);
    await page.locator('[data-test=building-table]').getByText('行政中心1号楼').waitFor();
    await shot(page, 'admin-buildings');

    // ------------------------------------------------------------ staff list
    await page.goto(`${baseUrl}/admin/org/staff`);
    const table = page.locator('[data-test=staff-table]');
    await table.locator('.el-table__row').first().waitFor();
    await shot(page, 'admin-staff');

    const tag = String(Date.now()).slice(-6);
    const phone = (i: number) => `177${tag}${String(i).padStart(2, '0')}`;
    const people = [
      ['周晓明', phone(1), idWithCheck(`33030219850312${tag.slice(0, 3)}`), `IMP${tag}01`, UNIT, '办公室', '1101', '0577-88001101', '科员', '是'],
      ['吴海燕', phone(2), idWithCheck(`33030219900705${tag.slice(1, 4)}`), `IMP${tag}02`, UNIT, '行政处', '1102', '0577-88001102', '副处长', '是'],
      ['郑国强', phone(3), '', `IMP${tag}03`, UNIT, '安保处', '1103', '', '', '否'],
    ];
    const goodId = people[1]![2]!;
    const badId = goodId.slice(0, 17) + (goodId[17] === '1' ? '2' : '1');
    const badRows = people.map((r) => [...r]);
    badRows[1]![2] = badId;

    // ------------------------------------------------------------ a file with a bad row
    await page.locator('[data-test=staff-import]').click();
    const dialog = page.locator('.el-dialog').filter({ hasText: '导入人员' });
    await dialog.waitFor();
    const input = dialog.locator('[data-test=import-upload] input[type=file]');
    await input.setInputFiles({ name: '人员导入-有错误.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await workbook(badRows) });
    await dialog.getByText('人员导入-有错误.xlsx').waitFor();
    await dialog.locator('[data-test=import-start]').click();
    const errors = dialog.locator('[data-test=import-errors]');
    await errors.waitFor();
    const errorText = await errors.innerText();
    assert.match(errorText, /3/, 'the bad row (spreadsheet row 3) is named');
    assert.match(errorText, /证件号码/);
    assert.match(errorText, /身份证号码校验失败/);
    assert.match(await dialog.locator('[data-test=import-failed]').innerText(), /未导入任何数据/);
    await shot(page, 'admin-import-errors');
    const none = await page.request.get(`${baseUrl}/api/admin/staff?q=IMP${tag}`);
    assert.equal((await none.json()).total, 0, 'nothing was imported');

    // ------------------------------------------------------------ the fixed file
    await input.setInputFiles({ name: '人员导入.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await workbook(people) });
    await dialog.getByText('人员导入.xlsx', { exact: true }).waitFor();
    await dialog.locator('[data-test=import-start]').click();
    const result = dialog.locator('[data-test=import-result]');
    await result.waitFor();
    assert.match(await result.innerText(), /新增 3 人，更新 0 人/);
    await shot(page, 'admin-import-done');
    await dialog.getByRole('button', { name: '取消' }).click();

    // the imported rows appear in the table (search by their employee numbers)
    await page.locator('input[data-test=staff-search]').fill(`IMP${tag}`);
    await page.locator('input[data-test=staff-search]').press('Enter');
    for (const p of people) await table.getByText(p[1]!).waitFor();
    // the unfiltered first page may still be showing (the new people are on it too): wait for the search's answer
    await table.locator('.el-table__body-wrapper .el-table__row').nth(3).waitFor({ state: 'detached' });
    assert.equal(await table.locator('.el-table__body-wrapper .el-table__row').count(), 3);
    const rowOf = (ph: string) => table.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: ph });
    assert.match(await rowOf(phone(2)).innerText(), /3303\*{10}\d{3}[\dX]/, 'ID numbers are masked');
    assert.ok(!(await table.innerText()).includes(goodId), 'no full ID number on screen');
    await shot(page, 'admin-import-table');

    // the 访问权限 switch: 郑国强 was imported with 否; turn it on inline, and he can be found as a host
    const sw = page.locator(`[data-test=perm-${phone(3)}]`);
    assert.doesNotMatch((await sw.getAttribute('class')) ?? '', /is-checked/);
    await sw.click();
    await page.getByText('郑国强的访问权限已开启').waitFor();
    assert.match((await sw.getAttribute('class')) ?? '', /is-checked/);
    const check = await page.request.get(`${baseUrl}/api/admin/staff?q=${phone(3)}`);
    assert.equal((await check.json()).items[0].visitPermission, true);
  } finally {
    await context.close();
  }
}
