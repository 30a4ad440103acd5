/**
 * Journey (A2 访客库 and A6 审批流程, 1440×900). The administrator finds a demo visitor by phone in
 * the visitor library, opens the detail drawer, puts them on the blocklist with a reason (加入黑名单)
 * and takes them off again (移出黑名单). Then, in 审批流程, builds the 访客邀约 chain of
 * 市自然资源和规划局: a person found with the staff picker, a role, reordered, one CC recipient,
 * saved (checked through the API), and finally deleted so that later journeys see the unit as before.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';

const VISITOR = { name: '陈小春', phone: '13800000001' };
const UNIT = '市自然资源和规划局';

interface Chain {
  id: string;
  unitName: string;
  kind: string;
  nodes: Array<{ type: string; staffName?: string; role?: string }>;
  ccStaff: Array<{ name: string }>;
  enabled: boolean;
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = async (name: string) => {
    await page.waitForTimeout(400);
    await screenshot(page, name);
  };
  const api = async <T>(url: string) => (await (await page.request.get(`${baseUrl}${url}`)).json()) as T;
  try {
    await e2e.adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);

    // ———— 访客库: search, detail, blocklist
    await page.locator('.el-menu').getByText('访客库', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/visitors`);
    const table = page.locator('[data-test=visitor-table]');
    await table.getByText(VISITOR.name).first().waitFor();
    assert.equal(await page.locator('[data-test=coming-soon]').count(), 0, 'the page is no longer 即将推出');
    await page.locator('input[data-test=visitor-search]').fill(VISITOR.phone);
    await page.locator('input[data-test=visitor-search]').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-test=visitor-table] .el-table__body-wrapper tbody tr').length === 1);
    assert.match(await table.locator('.mono').first().innerText(), /^\d{4}\*+\d{3}[\dX]$/, 'the ID number is masked');
    await shot('admin-visitors');

    await page.click(`[data-test=detail-${VISITOR.phone}]`);
    const drawer = page.locator('[data-test=visitor-drawer]');
    await drawer.getByText('来访记录', { exact: true }).waitFor();
    await drawer.getByText('温州建设集团').waitFor();
    await page.click('[data-test=visitor-block]');
    const box = page.locator('.el-message-box');
    await box.getByRole('button', { name: '加入黑名单' }).click();
    await box.getByText('请填写加入黑名单的原因').waitFor(); // a reason is required
    await box.locator('input').fill('冒用他人证件');
    await box.getByRole('button', { name: '加入黑名单' }).click();
    await drawer.locator('[data-test=visitor-blocked-reason]').getByText('黑名单原因：冒用他人证件').waitFor();
    await shot('admin-visitor-detail');
    const blocked = await api<{ items: Array<{ phone: string; blocked: boolean; blockedReason: string }> }>(`/api/admin/visitors?q=${VISITOR.phone}`);
    assert.deepEqual(blocked.items.map((v) => [v.phone, v.blocked, v.blockedReason]), [[VISITOR.phone, true, '冒用他人证件']]);
    await page.keyboard.press('Escape');
    await table.locator(`[data-test=blocked-${VISITOR.phone}]`).waitFor();

    await page.click(`[data-test=block-${VISITOR.phone}]`);
    await box.getByRole('button', { name: /确定|OK/ }).click();
    await table.locator(`[data-test=blocked-${VISITOR.phone}]`).waitFor({ state: 'detached' });
    assert.equal((await api<{ items: Array<{ blocked: boolean }> }>(`/api/admin/visitors?q=${VISITOR.phone}`)).items[0]!.blocked, false);

    // ———— 审批流程: the 访客邀约 chain of one unit
    await page.locator('.el-menu').getByText('审批流程', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/approvals`);
    await page.locator('[data-test=chain-units]').getByText(UNIT).click();
    await page.click('[data-test=chain-tab-invitation]');
    const ed = page.locator('[data-test=chain-invitation]');
    await ed.waitFor();
    const units = await api<{ items: Array<{ id: string; name: string }> }>('/api/admin/units');
    const unitId = units.items.find((u) => u.name === UNIT)!.id;
    const people = await api<{ items: Array<{ name: string; phone: string }> }>(`/api/admin/staff?unitId=${unitId}&pageSize=5`);
    const [node, cc] = [people.items[1]!, people.items[2]!];

    await ed.locator('[data-test=chain-person-pick]').click();
    await page.keyboard.type(node.phone);
    await page.locator('.el-select-dropdown__item:visible', { hasText: node.name }).first().click();
    await ed.locator('[data-test=chain-add-person]').click();
    await ed.locator('[data-test=chain-role-pick]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '单位管理员' }).click();
    await ed.locator('[data-test=chain-add-role]').click();
    await ed.locator('[data-test=chain-node]').nth(1).getByTitle('上移').click();
    await ed.locator('[data-test=chain-cc]').click();
    await page.keyboard.type(cc.phone);
    await page.locator('.el-select-dropdown__item:visible', { hasText: cc.name }).first().click();
    await page.keyboard.press('Escape');
    await ed.locator('[data-test=chain-save]').click();
    await page.getByText('已保存').first().waitFor();
    await ed.getByText('本单位 1 人').waitFor(); // the saved chain counts the role's holders
    await shot('admin-approval-chain');

    const chain = (await api<Chain[]>('/api/admin/approval-chains')).find((c) => c.unitName === UNIT && c.kind === 'invitation');
    assert.ok(chain, 'the chain was saved');
    assert.deepEqual(chain.nodes.map((n) => n.role ?? n.staffName), ['unit_admin', node.name]);
    assert.deepEqual(chain.ccStaff.map((s) => s.name), [cc.name]);
    assert.equal(chain.enabled, true);

    await ed.locator('[data-test=chain-remove]').click();
    await box.getByRole('button', { name: /确定|OK/ }).click();
    await ed.getByText('尚未配置：仅受访人审核').waitFor();
    assert.equal((await api<Chain[]>('/api/admin/approval-chains')).some((c) => c.id === chain.id), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}
