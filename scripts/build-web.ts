/**
 * Builds the four web apps into dist/web.
 *   tsx scripts/build-web.ts           only when the sources changed since the last build (npm start), quietly
 *   tsx scripts/build-web.ts --force   always, with vite's full output (npm run build)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webBuildReason, webSourcesHash, writeWebStamp } from './web-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist/web');
const force = process.argv.includes('--force');

const hash = webSourcesHash(root);
const reason = force ? 'npm run build' : webBuildReason(root, outDir, hash);
if (!reason) {
  console.log('web apps are up to date (dist/web); `npm run build` rebuilds them');
} else {
  const started = Date.now();
  if (!force) console.log(`building the web apps (${reason})…`);
  const { build } = await import('vite'); // only when building: the up-to-date check stays quick
  await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: force ? 'info' : 'warn' });
  writeWebStamp(outDir, hash);
  if (!force) console.log(`web apps built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
