/**
 * Journey (A4 通知模板, 1440×900): the administrator opens the notification templates, switches the
 * appointment-code link of 审核通过 off and on again, edits 审核不通过 with a variable inserted from
 * the tags while the preview follows, is stopped by a variable the event does not offer, and saves.
 */
import assert from 'node:assert/strict';
import type { E2EContext } from './run.js';

interface Tpl {
  event: string;
  content: string;
  appendCodeLink: boolean;
}

export async function run(e2e: E2EContext) {
  const { baseUrl, browser, screenshot } = e2e;
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const templates = async () => (await (await page.request.get(`${baseUrl}/api/admin/notification-templates`)).json()) as Tpl[];
  const shot = async (name: string) => {
    await page.waitForTimeout(400);
    await screenshot(page, name);
  };
  try {
    await e2e.adminLogin(page);
    await page.goto(`${baseUrl}/admin/`);
    await page.locator('.el-menu').getByText('通知模板', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/templates`);
    await page.locator('[data-test=templates-table] .el-table__row').nth(7).waitFor();
    assert.equal(await page.locator('[data-test=coming-soon]').count(), 0, 'the page is no longer 即将推出');
    assert.ok(await page.getByText('order_approved').isVisible());

    // 附带预约码链接: only 审核通过 has the switch; it saves at once
    const codeSwitch = page.locator('[data-test=code-link-switch]');
    assert.equal(await codeSwitch.count(), 1);
    await codeSwitch.click();
    await page.getByText('已保存').first().waitFor();
    assert.equal((await templates()).find((x) => x.event === 'order_approved')!.appendCodeLink, false);
    await codeSwitch.click();
    await page.waitForFunction(async (url) => {
      const list = (await (await fetch(url)).json()) as Tpl[];
      return list.find((x) => x.event === 'order_approved')!.appendCodeLink;
    }, `${baseUrl}/api/admin/notification-templates`);
    await page.locator('.el-message').last().waitFor({ state: 'detached' });
    await shot('admin-notify-templates');

    // 企业微信 is offered beside 短信 and 语音, but this server has no WeCom (WECOM_AGENT_ID): disabled, with the reason
    await page.click('[data-test=edit-order_submitted]');
    const wecomDialog = page.locator('[data-test=template-dialog]');
    await wecomDialog.waitFor();
    assert.ok(await wecomDialog.locator('[data-test=channel-wecom] input').isDisabled(), '企业微信 cannot be chosen without WeCom');
    await wecomDialog.locator('[data-test=wecom-reason]').getByText('企业微信未配置').waitFor();
    await shot('admin-notify-template-wecom-unconfigured');
    await page.keyboard.press('Escape');
    await wecomDialog.waitFor({ state: 'hidden' });

    // edit 审核不通过: type, insert {comment} from the tags, watch the preview
    await page.click('[data-test=edit-order_rejected]');
    const dialog = page.locator('[data-test=template-dialog]');
    await dialog.waitFor();
    const text = dialog.locator('textarea');
    await text.fill('【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：');
    await text.press('End');
    await page.click('[data-test=var-comment]');
    assert.equal(await text.inputValue(), '【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：{comment}');
    await dialog.locator('[data-test=preview]').getByText('【市行政中心】很抱歉，您预约11月24日 14:00到访市政务服务管理局的申请未通过审核。审核意见：请携带身份证').waitFor();
    await shot('admin-notify-template-edit');

    // a variable of another event stops the save
    await text.fill('{visitorName}{inviterName}');
    await dialog.getByText('以下变量不适用于该节点').waitFor();
    assert.ok(await page.locator('[data-test=save-template]').isDisabled());

    await text.fill('【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：{comment}');
    await page.click('[data-test=save-template]');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await templates()).find((x) => x.event === 'order_rejected')!.content, '【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。审核意见：{comment}');
    await page.locator('[data-test=templates-table]').getByText('审核意见：').first().waitFor();
  } finally {
    await ctx.close();
  }
}
