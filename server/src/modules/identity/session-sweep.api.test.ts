/**
 * Ended sessions are removed by the hourly identity.sessions.sweep job (X5): an expired session of
 * any kind — and an expired second-factor challenge, kept in the same table — goes; a live one stays
 * and still signs its holder in. The job is scheduled at start once, and puts the next hour's in line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { Clock } from '../../platform/clock.js';
import { jobs, sessions } from '../../db/schema/index.js';
import { createTestApp, signInVisitor, type TestApp } from '../../test/harness.js';
import { newVisitor } from '../../test/factories.js';
import { SESSION_SWEEP_JOB } from './session-sweep.js';

const T0 = new Date('2026-12-07T02:10:00Z');
let t: TestApp;
const clock = new Clock('Asia/Shanghai');
beforeAll(async () => {
  clock.set(T0);
  t = await createTestApp({ clock });
  await t.app.ready();
});
afterAll(() => t?.close());

describe('expired sessions are swept', () => {
  it('the hourly job removes every expired session and keeps the live ones', async () => {
    const scheduled = await t.ctx.db.select().from(jobs).where(eq(jobs.type, SESSION_SWEEP_JOB));
    expect(scheduled.map((j) => j.runAt.toISOString())).toEqual(['2026-12-07T03:00:00.000Z']);

    const v = await newVisitor(t);
    const client = await signInVisitor(t, v.phone);
    const expired = (at: number, type: string) => ({ tokenHash: `h-${type}-${at}`, subjectType: type, subjectId: v.id, expiresAt: new Date(T0.getTime() + at) });
    await t.ctx.db.insert(sessions).values([expired(30 * 60_000, 'visitor'), expired(45 * 60_000, 'admin_2fa'), expired(2 * 3600_000, 'staff')]);

    // at 03:00 the two that ended by then go; the one ending at 04:10 and the signed-in visitor stay
    clock.set(new Date('2026-12-07T03:00:00Z'));
    await t.ctx.queue.drain();
    const left = await t.ctx.db.select({ hash: sessions.tokenHash }).from(sessions).where(like(sessions.tokenHash, 'h-%'));
    expect(left.map((s) => s.hash)).toEqual([`h-staff-${2 * 3600_000}`]);
    expect((await client.get('/api/visitor/me')).statusCode).toBe(200);
    // the next hour's run is in line, once
    const next = await t.ctx.db.select().from(jobs).where(and(eq(jobs.type, SESSION_SWEEP_JOB), eq(jobs.status, 'queued')));
    expect(next.map((j) => j.runAt.toISOString())).toEqual(['2026-12-07T04:00:00.000Z']);
  });
});
