/**
 * Whether the web apps in dist/web are up to date: a hash of everything the build reads (web/, the
 * shared contracts/, the locked dependency versions), compared with the stamp written next to the
 * last successful build. A missing or interrupted build (vite empties dist/web first) has no stamp.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What the web build reads, relative to the repository root. */
export const WEB_BUILD_INPUTS = ['web', 'contracts', 'package-lock.json'];
export const STAMP_FILE = '.build-stamp';

function files(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (!fs.statSync(abs).isDirectory()) return [rel];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && !e.name.startsWith('.') && !e.name.endsWith('.test.ts'))
    .flatMap((e) => files(root, path.posix.join(rel, e.name)));
}

/** One hash of the inputs' paths and contents: an edit, a new file, a removed or renamed one all change it. */
export function webSourcesHash(root: string, inputs = WEB_BUILD_INPUTS): string {
  const h = createHash('sha256');
  for (const f of inputs.flatMap((i) => files(root, i)).sort()) {
    h.update(f).update('\0').update(fs.readFileSync(path.join(root, f))).update('\0');
  }
  return h.digest('hex');
}

/** null when dist is up to date, else why it must be built. */
export function webBuildReason(root: string, outDir: string, hash = webSourcesHash(root)): string | null {
  if (!fs.existsSync(path.join(outDir, 'index.html'))) return 'no build yet';
  const stamp = path.join(outDir, STAMP_FILE);
  if (!fs.existsSync(stamp)) return 'the last build is not stamped';
  return fs.readFileSync(stamp, 'utf8').trim() === hash ? null : 'sources changed';
}

export function writeWebStamp(outDir: string, hash: string): void {
  fs.writeFileSync(path.join(outDir, STAMP_FILE), hash + '\n');
}
