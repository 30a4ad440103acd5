/**
 * The larger fuzz run (issue 8 point 5): the CI test sends 2,400 malformed requests; this sends
 * FUZZ_REQUESTS (default 10,000) with the same generator over every operation of /api/docs/json
 * and every kind of session, and fails (exit 1) on any answer ≥ 500, any error outside the
 * catalogue, or a row written by a rejected request.
 *
 * FUZZ_SEED replays a run (default: random, printed). Embedded PGlite by default;
 * BENCH_DATABASE_URL=postgres://… runs on PostgreSQL (a scratch database, dropped after).
 */
import { createTestApp } from '../server/src/test/harness.js';
import { runFuzz } from '../server/src/test/fuzz/run.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

async function main() {
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const t = await createTestApp({
    env: { LOG_LEVEL: 'silent' },
    fetch: (async () => {
      throw new Error('no network in the fuzz run');
    }) as typeof fetch,
  });
  try {
    console.log(`\nFuzz: ${REQUESTS} malformed requests, seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
    const r = await runFuzz(t, {
      requests: REQUESTS,
      seed: SEED,
      onProgress: (n) => {
        if (n % 5000 === 0) console.log(`  … ${n}`);
      },
    });
    console.log(`  ${r.sent} requests over ${r.operations} operations in ${(r.ms / 1000).toFixed(1)} s (${((r.sent / r.ms) * 1000).toFixed(0)} req/s)`);
    console.log(`  by status class: ${JSON.stringify(r.byClass)}`);
    console.log(`  by session:      ${JSON.stringify(r.byRole)}`);
    console.log(`  by code:         ${JSON.stringify(r.byCode)}`);
    const problems = [...r.serverErrors.map((e) => ({ kind: '≥ 500', ...e })), ...r.offCatalogue.map((e) => ({ kind: 'not in the catalogue', ...e })), ...r.writesOnReject.map((e) => ({ kind: 'row written by a rejected request', ...e }))];
    if (problems.length) {
      console.log(`  ${problems.length} problems (first 20):`);
      for (const p of problems.slice(0, 20)) console.log(`   `, JSON.stringify(p));
      process.exitCode = 1;
    } else console.log('  no answer ≥ 500, every error in the catalogue, no row written by a rejected request');
  } finally {
    await t.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
