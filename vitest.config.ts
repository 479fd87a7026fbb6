import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Long fault-injection cases (restarts, 60 s recoveries) run only under `npm run test:faults`.
    exclude: ['**/node_modules/**', 'test/faults/long/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Each file gets its own database (test/support/file-database.ts), which needs each file in a fresh module graph.
    isolate: true,
    // Services used directly in tests log through the same logger; only problems are worth printing.
    env: { LOG_LEVEL: 'error' },
  },
});
