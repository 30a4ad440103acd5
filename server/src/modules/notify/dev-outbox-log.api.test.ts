/**
 * Issue 8 §6: no log line carries a login code or a link token, in development (the default mode,
 * with the SMS outbox) as in any other; the codes are read in the admin 短信发件箱, which keeps them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Client, createTestApp, lastCode, signInStaff, signInVisitor, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor, randomPhone } from '../../test/factories.js';
import { smsMessages } from '../../db/schema/index.js';

const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { NODE_ENV: 'development', LOG_LEVEL: 'info' }, logStream: { write: (l: string) => void lines.push(l) } });
});
afterAll(() => t.close());

describe('development log', () => {
  it('a login code is in 短信发件箱 but in no log line', async () => {
    const phone = randomPhone();
    lines.length = 0;
    expect((await new Client(t).post('/api/auth/sms-codes', { phone, purpose: 'visitor_login' })).statusCode).toBe(200);
    const code = await lastCode(t, phone); // drains the queue: the outbox "sends" it
    // the log does speak of the send (so this test sees the lines the outbox writes)…
    expect(lines.some((l) => l.includes('[dev outbox]'))).toBe(true);
    // …but never with the code; the admin 短信发件箱 shows it in full
    expect(lines.join('')).not.toContain(code);
    const admin = await newAdminClient(t);
    const outbox = await admin.get(`/api/admin/sms-outbox?phone=${phone}`);
    expect(JSON.stringify(outbox.json())).toContain(code);
  });

  it('an SMS link token is in no log line: not when sent, nor when the link is opened', async () => {
    const unit = await newUnit(t);
    const host = await newStaff(t, { unitId: unit.id });
    await signInStaff(t, host.phone);
    const me = await newVisitor(t);
    const visitor = await signInVisitor(t, me.phone);
    const companion = randomPhone();
    lines.length = 0;
    const start = new Date(Date.now() + 2 * 3600_000);
    const res = await visitor.post('/api/visits/appointments', {
      hostPhone: host.phone,
      reason: '商务洽谈',
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(),
      companionPhones: [companion],
      idempotencyKey: `log-test-${Date.now()}`,
    });
    expect(res.statusCode).toBe(201);
    await t.ctx.queue.drain();
    const [sms] = await t.ctx.db.select().from(smsMessages).where(eq(smsMessages.phone, companion));
    const token = sms!.content.match(/\/l\/([A-Za-z0-9_.-]+)/)![1]!;
    expect(lines.some((l) => l.includes('[dev outbox]'))).toBe(true);

    // opening the link (the web page /l/… and the API /api/links/…) logs the request, without the token
    expect((await new Client(t).get(`/api/links/${token}`)).statusCode).toBe(200);
    await new Client(t).get(`/l/${token}`);
    expect(lines.some((l) => l.includes('/api/links/'))).toBe(true);
    const logged = lines.join('');
    expect(logged).not.toContain(token);
    // nor any part of it (a JWT's signature alone is enough to be careful about)
    expect(logged).not.toContain(token.split('.')[2]!);
  });
});
