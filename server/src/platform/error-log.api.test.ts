/**
 * Issue 8 point 5: a 5xx log line never carries query parameters — neither the URL's query string
 * (a phone, an ID number) nor the parameters of the SQL query that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type Client } from '../test/harness.js';
import { newAdminClient, validIdNumber } from '../test/factories.js';

const lines: string[] = [];
let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp({ env: { LOG_LEVEL: 'info' }, logStream: { write: (l: string) => void lines.push(l) } });
  admin = await newAdminClient(t);
});
afterAll(() => t.close());

const PHONE = '13812345678';
const ID_NUMBER = validIdNumber(123);

describe('5xx log lines', () => {
  it('a 500 on a request with a phone or an ID number in its query string logs neither', async () => {
    // the tables the two lists read are gone: every query fails with a database error (a 500)
    await t.ctx.db.execute(sql`alter table sms_messages rename to sms_messages_gone`);
    await t.ctx.db.execute(sql`alter table visitors rename to visitors_gone`);
    lines.length = 0;
    const a = await admin.get(`/api/admin/sms-outbox?phone=${PHONE}&page=1`);
    const b = await admin.get(`/api/admin/visitors?q=${ID_NUMBER}`);
    await t.ctx.db.execute(sql`alter table sms_messages_gone rename to sms_messages`);
    await t.ctx.db.execute(sql`alter table visitors_gone rename to visitors`);
    expect([a.statusCode, b.statusCode]).toEqual([500, 500]);
    expect(a.json().error.code).toBe('INTERNAL');

    const logged = lines.join('');
    // the fault is logged, with what is needed to find it
    const errors = lines.map((l) => JSON.parse(l) as { msg?: string; err?: { type: string; message: string; stack: string } }).filter((l) => l.msg === 'unhandled error');
    expect(errors).toHaveLength(2);
    expect(errors[0]!.err!.message).toContain('sms_messages');
    expect(errors[0]!.err!.stack).toMatch(/\n\s+at /);
    // and nothing of the values
    expect(logged).not.toContain(PHONE);
    expect(logged).not.toContain(ID_NUMBER);
    expect(logged).not.toMatch(/(?<!\d)1\d{10}(?!\d)/);
    expect(logged).not.toMatch(/phone=|\?q=/);
  });
});

describe('request lines', () => {
  it('one line per request, after the answer: method, path without its query, status and time', async () => {
    lines.length = 0;
    const res = await admin.get(`/api/admin/sms-outbox?phone=${PHONE}&page=1`);
    expect(res.statusCode).toBe(200);
    const mine = lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string; req?: { method: string; url: string }; res?: { statusCode: number }; responseTime?: number }).filter((l) => l.req || l.res);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/api/admin/sms-outbox' }, res: { statusCode: 200 } });
    expect(mine[0]!.responseTime).toEqual(expect.any(Number));
    expect(lines.join('')).not.toContain(PHONE);
  });
});
