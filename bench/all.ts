/**
 * npm run bench — runs every bench/*.bench.ts in turn (each in its own process, so one bench's
 * heap and connections don't colour the next), then joins bench/results/<name>.md into
 * bench/results/latest.md. BENCH_ONLY=a,b runs the benches whose file name contains a word.
 * Before each bench the machine settles (bench/lib/settle.ts: a CHECKPOINT, then CPUs mostly idle).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { settle } from './lib/settle.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only.length || only.some((w) => f.includes(w)))
  .sort();

let failed = 0;
const took: string[] = [];
const t0 = performance.now();
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
for (const f of files) {
  console.log(`\n=== ${f}`);
  console.log(`settled: ${await settle(databaseUrl)}`);
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f)], { stdio: 'inherit', env: process.env });
  took.push(`${f} ${((performance.now() - t) / 1000).toFixed(0)} s`);
  if (r.status !== 0) {
    failed++;
    console.error(`${f} exited ${r.status}`);
  }
}

// the P4 template the benches shared (bench/lib/dataset.ts p4Scratch): not kept after the run
const { dropP4Templates } = await import('./lib/dataset.js');
const dropped = await dropP4Templates(databaseUrl).catch((e: Error) => {
  console.error(`dropping the P4 template: ${e.message}`);
  return 0;
});
if (dropped) console.log(`dropped the P4 template database (${dropped})`);

const results = path.join(dir, 'results');
fs.mkdirSync(results, { recursive: true });
const sections = fs
  .readdirSync(results)
  .filter((f) => f.endsWith('.md') && f !== 'latest.md')
  .sort()
  .map((f) => fs.readFileSync(path.join(results, f), 'utf8'));
fs.writeFileSync(
  path.join(results, 'latest.md'),
  ['# Benchmark results', '', 'Written by `npm run bench` (bench/all.ts). Ratios are against a baseline measured in the same process and run; min / median / max over BENCH_RUNS runs.', '', ...sections].join('\n'),
);
console.log(`\nwrote bench/results/latest.md (${sections.length} sections); ${took.join(', ')}; ${((performance.now() - t0) / 60_000).toFixed(1)} min in all`);
process.exit(failed ? 1 : 0);
