/**
 * Schema-driven fuzz test (issue 8 point 5): at least 2,000 malformed requests made from
 * /api/docs/json across every operation, without a session and as visitor, staff, admin and kiosk.
 * None may answer ≥ 500, every error answer carries a code of the catalogue, and no rejected
 * request may leave a row written.
 *
 * FUZZ_SEED replays a run (the seed is printed); a larger run is `npm run bench` (bench/fuzz.bench.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { runFuzz } from '../../test/fuzz/run.js';
import { operationsOf } from '../../test/fuzz/requests.js';

const REQUESTS = 2_400;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const logs: string[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { LOG_LEVEL: 'error' },
    logStream: { write: (l: string) => void logs.push(l) },
    // no request of the fuzzer reaches the network (device health checks, OAuth)
    fetch: (async () => {
      throw new Error('no network in the fuzz test');
    }) as typeof fetch,
  });
});
afterAll(() => t?.close());

describe('fuzz: malformed requests from the OpenAPI document', () => {
  it('the server-sent-events streams are documented but not fuzzed: they answer until the client goes', async () => {
    const doc = (await new Client(t).get('/api/docs/json')).json();
    expect(doc.paths['/api/admin/live']).toBeDefined();
    const ops = operationsOf(doc);
    expect(ops.some((o) => o.path === '/api/admin/live')).toBe(false);
    expect(ops.some((o) => o.path === '/api/admin/dashboard')).toBe(true);
  });

  it(`${REQUESTS} malformed requests over every operation and session: none ≥ 500, no row written by a rejected one`, async () => {
    // printed first, so that a run that stops with an exception can be replayed too
    console.log(`fuzz: seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
    const r = await runFuzz(t, { requests: REQUESTS, seed: SEED });
    console.log(
      `fuzz: seed ${r.seed} (replay: FUZZ_SEED=${r.seed}), ${r.sent} requests over ${r.operations} operations in ${(r.ms / 1000).toFixed(1)} s; ` +
        `by status ${JSON.stringify(r.byClass)}; by session ${JSON.stringify(r.byRole)}; by code ${JSON.stringify(r.byCode)}`,
    );
    if (r.serverErrors.length) console.log('answers ≥ 500:', r.serverErrors.slice(0, 10), logs.slice(0, 5).join('\n'));
    expect(r.sent).toBeGreaterThanOrEqual(2_000);
    // every operation was tried without a session and with each kind of session
    expect(Object.values(r.byRole).every((n) => n >= r.operations)).toBe(true);
    expect(r.serverErrors).toEqual([]);
    expect(r.offCatalogue).toEqual([]);
    expect(r.writesOnReject).toEqual([]);
  }, 400_000);
});
