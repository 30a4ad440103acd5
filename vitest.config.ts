import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/src/**/*.test.ts', 'contracts/**/*.test.ts', 'scripts/**/*.test.ts'],
    // the scale-out test runs once, on its own: npm run test:scale (vitest.scale.config.ts)
    exclude: [...configDefaults.exclude, '**/*.scale.test.ts'],
    environment: 'node',
    // one migrated database per run (PGlite data dir or PostgreSQL template) that every test database copies
    globalSetup: ['server/src/test/template-database.ts'],
    // generous: several API tests start two apps or a whole outage; a 2-core box running other work too took >30 s
    testTimeout: 60_000,
    // a suite's setup may start two apps (PGlite migrations each); on a loaded 2-core box that took >60 s once
    hookTimeout: 180_000,
    pool: 'forks',
    // PGlite instances are memory-hungry WASM; two files at a time keeps a 2-core box responsive
    maxWorkers: 2,
  },
});
