/**
 * The benchmark report format every bench writes (issue 13): one Markdown section per bench file in
 * bench/results/<name>.md, which `npm run bench` (bench/all.ts) joins into bench/results/latest.md.
 *
 * Each figure is measured BENCH_RUNS times (default 3) in the same process as its baseline and
 * reported as min / median / max, with the goal and whether the median meets it. Figures are
 * ratios against a baseline measured in the same run, or latencies/rates where the goal is one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

export type Figure = {
  /** what is measured, e.g. "appointment submission (API) vs 24-statement pg script" */
  subject: string;
  /** the baseline measured in the same run, in words with its value, e.g. "pg script 1,840 req/s" */
  baseline: string;
  /** one value per run (ratio, ms, jobs/s, …) */
  values: number[];
  /** unit of the values: "ratio", "ms", "jobs/s", … */
  unit: string;
  /** the goal in words, e.g. "≥ 0.40" */
  goal: string;
  /** whether the median meets the goal */
  /** none: a figure given for context (no goal of its own) */
  met?: (median: number) => boolean;
  /** anything else worth reading next to the figure (round trips, plan, sizes) */
  note?: string;
};

export function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor((s.length - 1) / 2)]!, max: s[s.length - 1]! };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes bench/results/<name>.md and prints it. */
export function writeSection(name: string, title: string, figures: Figure[], setup: string): void {
  const lines = [
    `## ${title}`,
    '',
    `${setup}`,
    '',
    '| subject | baseline (same run) | min / median / max | unit | goal | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const { min, median, max } = stats(f.values);
    lines.push(`| ${f.subject} | ${f.baseline} | ${fmt(min)} / ${fmt(median)} / ${fmt(max)} | ${f.unit} | ${f.goal} | ${f.met ? (f.met(median) ? 'yes' : '**no**') : '—'} |`);
  }
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.subject}: ${f.note}`);
  if (notes.length) lines.push('', ...notes);
  lines.push('', `_${new Date().toISOString()} · ${os.cpus().length} cores · node ${process.version} · runs ${RUNS}_`, '');
  fs.mkdirSync(resultsDir, { recursive: true });
  const text = lines.join('\n');
  fs.writeFileSync(path.join(resultsDir, `${name}.md`), text);
  console.log('\n' + text);
}
