/**
 * No import cycles between modules (server/src/modules/<name>): a module that must react to
 * another's write does it through a hook (platform/hooks.ts), not by importing it back. The
 * graph is dependency-cruiser's, of the code as it runs: type-only imports (erased at compile
 * time) and test files don't count; a module's sub-folders are part of it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function moduleGraph(): Promise<ICruiseResult> {
  const tsConfig = extractTSConfig(path.join(root, 'tsconfig.json'));
  // the config says noEmit (tsc only checks); dependency-cruiser compiles to see what remains at run time
  tsConfig.options = { ...tsConfig.options, noEmit: false };
  const r = await cruise(
    ['server/src/modules'],
    {
      baseDir: root,
      includeOnly: '^server/src/modules/',
      exclude: { path: '\\.test\\.ts$|/test-helpers\\.ts$' },
      tsPreCompilationDeps: false,
      validate: true,
      ruleSet: {
        forbidden: [{ name: 'no-cycle-between-modules', severity: 'error', scope: 'folder', from: { path: '^server/src/modules/[^/]+$' }, to: { circular: true } }],
      },
    },
    {},
    { tsConfig },
  );
  return r.output as ICruiseResult;
}

describe('modules', () => {
  it('import each other in one direction only', async () => {
    const graph = await moduleGraph();
    const folders = graph.folders ?? [];
    const deps = (m: string) => (folders.find((f) => f.name === `server/src/modules/${m}`)?.dependencies ?? []).map((d) => d.name.split('/').pop());
    // the graph is the real one: access calls the visits service (and visits reaches access only through hooks)
    expect(deps('access')).toContain('visits');
    expect(deps('visits')).not.toContain('access');
    const cycles = graph.summary.violations.map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].map((n) => n.replace('server/src/modules/', '')).join(' → '));
    expect(cycles, 'an import cycle between modules: break it with a hook (platform/hooks.ts) or move the shared piece to platform/ or contracts/').toEqual([]);
  }, 60_000);
});
