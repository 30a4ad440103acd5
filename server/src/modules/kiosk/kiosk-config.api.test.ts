/** X6: the kiosk learns from /api/kiosk/me the 体温 threshold and whether the 健康码 field is shown (per center). */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient } from '../../test/factories.js';

let t: TestApp | undefined;
afterEach(async () => t?.close());

async function kioskMe(env: Record<string, string>) {
  t = await createTestApp({ env });
  const admin = await newAdminClient(t);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '大厅' })).json();
  const k = new Client(t);
  expect((await k.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
  return (await k.get('/api/kiosk/me')).json();
}

describe('kiosk peripherals config', () => {
  it('by default: 37.3 ℃ is 异常 and there is no 健康码 field', async () => {
    expect(await kioskMe({})).toMatchObject({ feverThresholdC: 37.3, healthCode: false });
  });
  it('a center can switch the 健康码 field on and set its own threshold', async () => {
    expect(await kioskMe({ KIOSK_HEALTH_CODE: 'true', KIOSK_FEVER_THRESHOLD_C: '37.5' })).toMatchObject({ feverThresholdC: 37.5, healthCode: true });
  });
});
