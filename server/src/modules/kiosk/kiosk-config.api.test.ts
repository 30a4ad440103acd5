/** X6: the kiosk learns from /api/kiosk/me the 体温 threshold and whether the 健康码 field is shown (per center). */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, randomPhone, validIdNumber } from '../../test/factories.js';

let t: TestApp | undefined;
afterEach(async () => t?.close());

async function pairedKiosk(env: Record<string, string>) {
  t = await createTestApp({ env });
  const admin = await newAdminClient(t);
  const { token } = (await admin.post('/api/admin/kiosk-devices', { name: '大厅' })).json();
  const k = new Client(t);
  expect((await k.post('/api/kiosk/pair', { token })).statusCode).toBe(200);
  return k;
}
const kioskMe = async (env: Record<string, string>) => (await (await pairedKiosk(env)).get('/api/kiosk/me')).json();

describe('kiosk peripherals config', () => {
  it('by default: 37.3 ℃ is 异常 and there is no 健康码 field', async () => {
    expect(await kioskMe({})).toMatchObject({ feverThresholdC: 37.3, healthCode: false });
  });
  it('a center can switch the 健康码 field on and set its own threshold', async () => {
    expect(await kioskMe({ KIOSK_HEALTH_CODE: 'true', KIOSK_FEVER_THRESHOLD_C: '37.5' })).toMatchObject({ feverThresholdC: 37.5, healthCode: true });
  });
  it('a walk-in with a temperature at or above the threshold is refused with a clear error, below it goes through', async () => {
    const k = await pairedKiosk({ KIOSK_FEVER_THRESHOLD_C: '37.3' });
    const host = await newStaff(t!);
    const walkIn = (temperature: number) => ({ name: '周杰', idType: 'prc_id', idNumber: validIdNumber(302), phone: randomPhone(), hostId: host.id, reason: '递交材料', temperature });
    const hot = await k.post('/api/kiosk/walk-ins', walkIn(37.3));
    expect([hot.statusCode, hot.json().error.code]).toEqual([422, 'TEMPERATURE_ABNORMAL']);
    expect((await k.post('/api/kiosk/walk-ins', walkIn(38.2))).statusCode).toBe(422);
    expect((await k.post('/api/kiosk/walk-ins', walkIn(37.2))).statusCode).toBe(201);
  });
});
