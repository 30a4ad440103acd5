import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TZ_CENTER: 'Asia/Urumqi', CENTER_NAME: '测试中心', VISITOR_RETENTION_DAYS: '90' } });
});
afterAll(() => t.close());

describe('GET /api/config', () => {
  it('answers the configured center name, time zone, sign-ins and retention period without a session', async () => {
    const res = await new Client(t).get('/api/config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ centerName: '测试中心', timeZone: 'Asia/Urumqi', wechat: false, wecom: false, visitorRetentionDays: 90 });
  });

  it('is in the OpenAPI document as getPublicConfig', async () => {
    const doc = (await new Client(t).get('/api/docs/json')).json() as { paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>> };
    expect(doc.paths['/api/config']?.get).toMatchObject({ operationId: 'getPublicConfig', tags: ['system'] });
  });
});
