import { defineConfig } from 'vitest/config';

/**
 * `npm run test:scale`: the scale-out test (three server processes behind a proxy on one
 * PostgreSQL, Redis and S3 bucket). Kept out of `npm test`, which CI runs twice (PGlite, then
 * PostgreSQL): it needs the real services whatever the suite runs on, so it runs once, in its own
 * CI step.
 */
export default defineConfig({
  test: {
    include: ['server/src/**/*.scale.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
