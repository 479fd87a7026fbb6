import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault-injection suite, short and long cases, with room for restarts and recoveries. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Each file gets its own database (test/support/file-database.ts), which needs each file in a fresh module graph.
    isolate: true,
    // Services used directly in tests log through the same logger; only problems are worth printing.
    env: { LOG_LEVEL: 'error' },
  },
});
