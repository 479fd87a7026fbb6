import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault-injection suite, short and long cases, with room for restarts and recoveries. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Services used directly in tests log through the same logger; only problems are worth printing.
    env: { LOG_LEVEL: 'error' },
  },
});
