/**
 * Nothing in the project may name an absolute path of the machine it was written on: a clone
 * elsewhere (CI, a colleague, a server) has other paths. The check looks for the folder the
 * repository sits in, whatever it is on this machine, in every file git tracks or would add.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(out.split('\0').filter(Boolean))];
}

describe('repository', () => {
  it('names no absolute path of this machine (e.g. the folder the clone sits in)', () => {
    const parent = path.dirname(root);
    // a clone directly under / has no machine-specific parent to look for
    if (parent === path.parse(parent).root) return;
    const needle = parent + path.sep;
    const offenders: string[] = [];
    for (const rel of projectFiles()) {
      const file = path.join(root, rel);
      let st;
      try {
        st = statSync(file);
      } catch {
        continue; // deleted in the work tree
      }
      if (!st.isFile() || st.size > 5 * 1024 * 1024) continue;
      const buf = readFileSync(file);
      if (buf.includes(0)) continue; // binary (screenshots, fixtures)
      const lines = buf.toString('utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.includes(needle)) offenders.push(`${rel}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
