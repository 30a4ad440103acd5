/**
 * GET /api/admin/live (A9): the dashboard's server-sent events. A pass at a gate makes the stream
 * say `visits` and `passes` changed — and nothing about who passed; the dashboard fetched again
 * shows the arrival. Administrators only; a closed stream lets go of the bus.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AddressInfo } from 'node:net';
import { Client, type TestApp } from '../../test/harness.js';
import { newStaff } from '../../test/factories.js';
import { signInStaff } from '../../test/harness.js';
import { personIdOf } from '../../../../contracts/access.js';
import { deviceToken } from '../access/access.service.js';
import { T0, confirmedVisit, newGate, startAccessApp } from '../access/test-helpers.js';

let t: TestApp;
let admin: Client;
let base: string;

beforeAll(async () => {
  ({ t, admin } = await startAccessApp());
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t?.close());

/** Open the stream as this client (its cookies) and read it as it comes. */
async function open(c: Client, path = '/api/admin/live') {
  const ac = new AbortController();
  const res = await fetch(base + path, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: ac.signal });
  let text = '';
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      /* aborted */
    }
  })();
  const events = () =>
    text
      .split('\n\n')
      .filter((b) => b.startsWith('event: change') || b.includes('\nevent: change'))
      .map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>);
  return { res, text: () => text, events, until: (f: () => void) => vi.waitFor(f, { timeout: 5000, interval: 20 }), close: () => ac.abort() };
}

describe('GET /api/admin/live', () => {
  it('tells an open dashboard that a pass happened (no personal data), and the numbers then show it', async () => {
    const s = await confirmedVisit(t);
    const gate = await newGate(admin, [s.building.id]);
    const before = (await admin.get('/api/admin/dashboard')).json().today;
    const stream = await open(admin);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
    await stream.until(() => expect(stream.text()).toContain('event: ready'));

    t.ctx.clock.set(new Date(s.start.getTime() + 60_000));
    const pass = await t.app.inject({ method: 'POST', url: '/api/access/events', headers: { authorization: `Bearer ${deviceToken(t.ctx, gate.id)}` }, payload: { method: 'face', result: 'granted', personId: personIdOf(s.order.id) } });
    expect(pass.statusCode).toBe(200);
    await stream.until(() => expect(stream.events().map((e) => e.topic)).toEqual(expect.arrayContaining(['visits', 'passes'])));
    for (const e of stream.events()) expect(Object.keys(e).sort()).toEqual(['at', 'topic']);
    expect(stream.text()).not.toContain(s.v.phone);
    expect(stream.text()).not.toContain(s.order.id);

    const after = (await admin.get('/api/admin/dashboard')).json().today;
    expect(after.arrived).toBe(before.arrived + 1);
    expect(after.onSite).toBe(before.onSite + 1);
    stream.close();
    t.ctx.clock.set(T0);
  });

  it('lets go of the bus when the browser closes the stream', async () => {
    // the stream of the test before has gone
    await vi.waitFor(() => expect(t.ctx.live.listeners()).toBe(0), { timeout: 5000, interval: 20 });
    const baseline = 0;
    const stream = await open(admin);
    await stream.until(() => expect(stream.text()).toContain('event: ready'));
    expect(t.ctx.live.listeners()).toBe(baseline + 1);
    stream.close();
    await vi.waitFor(() => expect(t.ctx.live.listeners()).toBe(baseline), { timeout: 5000, interval: 20 });
  });

  it('is for administrators only: no session, or a staff session → 401', async () => {
    const none = await new Client(t).get('/api/admin/live');
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('AUTH_REQUIRED');
    const staff = await signInStaff(t, (await newStaff(t, { roles: ['reception'] })).phone);
    expect((await staff.get('/api/admin/live')).statusCode).toBe(401);
  });
});
