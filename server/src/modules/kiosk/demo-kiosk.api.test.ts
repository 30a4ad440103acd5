/**
 * The demo data's kiosk: the start banner's link opens the kiosk app paired, on every start, from
 * a token derived from the master key (never stored); none in production; none once revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient } from '../../test/factories.js';
import { seedDemo } from '../../db/seed-demo.js';
import { DEMO_KIOSK_NAME, demoKioskLink, seedDemoKiosk } from './demo-kiosk.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await seedDemo(t.ctx);
});
afterAll(() => t?.close());

const tokenOf = (link: string) => decodeURIComponent(new URL(link).hash.replace(/^#token=/, ''));

describe('the demo kiosk', () => {
  it('is in the demo data, and the banner link (token in the fragment) pairs a kiosk on every start', async () => {
    const link = await demoKioskLink(t.ctx, 'http://localhost:3000');
    expect(link).toMatch(/^http:\/\/localhost:3000\/kiosk\/pair#token=sgk_[\w-]{43}$/);
    // the same link on the next start (the token is derived, not stored)
    expect(await demoKioskLink(t.ctx, 'http://localhost:3000')).toBe(link);
    const kiosk = new Client(t);
    const paired = await kiosk.post('/api/kiosk/pair', { token: tokenOf(link!) });
    expect(paired.statusCode).toBe(200);
    expect(paired.json()).toMatchObject({ name: DEMO_KIOSK_NAME, buildingName: '行政中心1号楼' });
    expect((await kiosk.get('/api/kiosk/me')).json()).toMatchObject({ name: DEMO_KIOSK_NAME });
    // a second browser pairs from the same link
    expect((await new Client(t).post('/api/kiosk/pair', { token: tokenOf(link!) })).statusCode).toBe(200);
  });

  it('is created once: seeding again adds no second demo kiosk', async () => {
    await seedDemo(t.ctx);
    const admin = await newAdminClient(t);
    const items = (await admin.get('/api/admin/kiosk-devices')).json().items as Array<{ name: string; status: string }>;
    expect(items.filter((d) => d.name === DEMO_KIOSK_NAME)).toEqual([expect.objectContaining({ status: 'paired' })]);
  });

  it('gives no link once an administrator has revoked it, and its token no longer pairs', async () => {
    const link = (await demoKioskLink(t.ctx, 'http://localhost:3000'))!;
    const admin = await newAdminClient(t);
    const demo = ((await admin.get('/api/admin/kiosk-devices')).json().items as Array<{ id: string; name: string }>).find((d) => d.name === DEMO_KIOSK_NAME)!;
    expect((await admin.req('DELETE', `/api/admin/kiosk-devices/${demo.id}`)).statusCode).toBeLessThan(300);
    expect(await demoKioskLink(t.ctx, 'http://localhost:3000')).toBeNull();
    expect((await new Client(t).post('/api/kiosk/pair', { token: tokenOf(link) })).json().error.code).toBe('DEVICE_TOKEN_INVALID');
  });
});

describe('the demo kiosk in production', () => {
  let p: TestApp;
  beforeAll(async () => {
    p = await createTestApp({ env: { NODE_ENV: 'production', ALLOW_OUTBOX_IN_PRODUCTION: 'true' } });
  });
  afterAll(() => p?.close());

  it('is never created and never linked', async () => {
    expect(await seedDemoKiosk(p.ctx)).toBe(false);
    expect(await demoKioskLink(p.ctx, 'https://visit.example.gov.cn')).toBeNull();
  });
});
