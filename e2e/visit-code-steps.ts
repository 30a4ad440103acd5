/**
 * 访客预约码 (V8) steps for the visit journeys: the visitor opens the code page of a confirmed
 * order, the token shown is verified by a paired kiosk (POST /api/codes/verify), the page fetches
 * a new token after refreshAfterSeconds (the page's clock is fast-forwarded, the server's is real),
 * the approval-SMS link /v/orders/:id/code opens the same page, and the staff app has no such page.
 * Screenshots: visitor-visit-code.png, visitor-visit-code-en.png.
 */
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { byTest, HOST, settle, viewShot, type VisitCtx } from './visit-helpers.js';

type CodeCtx = VisitCtx & { adminLogin?: (page: Page) => Promise<void> };

/** A kiosk device created in admin and paired: its request context carries the kiosk session. */
async function pairedKiosk(ctx: CodeCtx) {
  assert.ok(ctx.adminLogin, 'the runner provides adminLogin');
  const admin = await ctx.browser.newContext();
  const kiosk = await ctx.browser.newContext();
  try {
    await ctx.adminLogin(await admin.newPage());
    const made = await admin.request.post(`${ctx.baseUrl}/api/admin/kiosk-devices`, { data: { name: `预约码核验 ${Date.now() % 100000}`, location: '1号楼大厅' } });
    assert.equal(made.status(), 201, await made.text());
    const { token } = (await made.json()) as { token: string };
    const paired = await kiosk.request.post(`${ctx.baseUrl}/api/kiosk/pair`, { data: { token } });
    assert.equal(paired.status(), 200, await paired.text());
  } finally {
    await admin.close();
  }
  return kiosk;
}

async function shownToken(page: Page, not = ''): Promise<string> {
  const handle = await page.waitForFunction(
    (prev) => {
      const el = document.querySelector('[data-test="code-qr"]');
      const tok = el?.getAttribute('data-token') ?? '';
      return el?.getAttribute('data-state') === 'live' && tok && tok !== prev ? tok : null;
    },
    not,
    { timeout: 15000 },
  );
  return (await handle.jsonValue()) as string;
}

export async function appointmentCodeStep(
  ctx: CodeCtx,
  visitor: BrowserContext,
  host: Page,
  o: { id: string; visitorName: string },
  errors: string[],
) {
  // a fresh page of the visitor's phone, with a controllable clock (fake timers that run with real time)
  const page = await visitor.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.clock.install();
  const kiosk = await pairedKiosk(ctx);
  try {
    await page.goto(`${ctx.baseUrl}/visits/${o.id}`);
    await byTest(page, 'detail-status').getByText('已确认').waitFor();
    await byTest(page, 'open-code').click();
    await page.waitForURL(new RegExp(`/visits/${o.id}/code$`));
    const first = await shownToken(page);
    await byTest(page, 'code-visitor').getByText(o.visitorName).waitFor();
    await byTest(page, 'code-host').getByText(HOST.masked).waitFor();
    await byTest(page, 'code-note').getByText('请在闸机或访客机扫码通行；截图无效').waitFor();
    assert.match(await byTest(page, 'code-countdown').innerText(), /^\d+ 秒后自动刷新$/);
    await page.locator('[data-test="code-qr"] img').waitFor();
    await settle(page);
    await viewShot(page, 'visitor-visit-code');

    // the kiosk scans it: valid, for this order
    const ok = await kiosk.request.post(`${ctx.baseUrl}/api/codes/verify`, { data: { token: first } });
    assert.equal(ok.status(), 200, await ok.text());
    const verified = (await ok.json()) as { valid: boolean; order: { id: string; visitorName: string; status: string } };
    assert.equal(verified.valid, true);
    assert.equal(verified.order.id, o.id);
    assert.equal(verified.order.status, 'confirmed');
    const forged = await kiosk.request.post(`${ctx.baseUrl}/api/codes/verify`, { data: { token: `${first.slice(0, -4)}AAAA` } });
    assert.equal(forged.status(), 400);
    assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'CODE_INVALID');

    // after refreshAfterSeconds the page shows a new token (the server signs with a later time: wait ≥ 1 s)
    await page.waitForTimeout(1100);
    await page.clock.fastForward('00:31');
    const second = await shownToken(page, first);
    assert.notEqual(second, first);
    const ok2 = await kiosk.request.post(`${ctx.baseUrl}/api/codes/verify`, { data: { token: second } });
    assert.equal(ok2.status(), 200, await ok2.text());

    // English
    await page.evaluate(() => localStorage.setItem('sg_locale', 'en'));
    await page.reload();
    await shownToken(page);
    await byTest(page, 'code-note').getByText('screenshots are not valid').waitFor();
    await settle(page);
    await viewShot(page, 'visitor-visit-code-en');
    await page.evaluate(() => localStorage.removeItem('sg_locale'));

    // the link in the approval SMS opens the code page
    await page.goto(`${ctx.baseUrl}/v/orders/${o.id}/code`);
    await page.waitForURL(new RegExp(`/visits/${o.id}/code$`));
    await shownToken(page);

    // only under 我的预约: the host's staff app shows the order without any appointment code
    await host.goto(`${ctx.baseUrl}/staff/visits/${o.id}`);
    await byTest(host, 'detail-status').waitFor();
    assert.equal(await host.getByText('访客预约码').count(), 0);
    assert.equal(await host.locator('[data-test="open-code"], [data-test="code-qr"]').count(), 0);
  } finally {
    await page.close();
    await kiosk.close();
  }
}
