import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import patterns that reach one of our layers, from any depth below the project root. */
const layer = (name) => [`**/src/${name}/**`, `../${name}/**`, `../../${name}/**`, `../../../${name}/**`, `./${name}/**`];
const restrict = (...rules) => ({ 'no-restricted-imports': ['error', { patterns: rules }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  // The layers (docs/architecture.md): slack, http and jobs -> services -> domain, services -> db. Only the entry
  // points (src/main.ts, src/worker.ts, src/app.ts, src/cli/) compose infrastructure.
  {
    // The domain core reads like the rules it enforces: nothing from Slack, Redis, HTTP or the ORM.
    files: ['src/domain/**/*.ts'],
    rules: restrict(
      { group: ['@slack/*', 'bullmq', 'ioredis', '@mikro-orm/*', 'node:http', 'pg'], message: 'The domain core stays free of infrastructure.' },
      { group: ['db', 'services', 'slack', 'jobs', 'http', 'cli', 'observability', 'config'].flatMap((name) => [`../${name}/**`, `../../${name}/**`]).concat(['app', 'main', 'worker', 'plugin', 'run-process'].flatMap((file) => [`../${file}.ts`, `../../${file}.ts`]), '**/blocks/**'), message: 'The domain depends on nothing of ours but itself.' },
    ),
  },
  {
    // Block Kit builders are pure: data in, blocks out; Block Kit types come from @slack/types only.
    files: ['blocks/**/*.ts'],
    rules: restrict(
      { group: ['@slack/*', '!@slack/types', 'bullmq', 'ioredis', '@mikro-orm/*', 'pg', 'node:*'], message: 'Builders are pure functions; Block Kit types come from @slack/types.' },
      { group: ['db', 'services', 'slack', 'jobs', 'http', 'cli', 'observability', 'config'].map((name) => `**/src/${name}/**`).concat('**/src/*.ts'), message: 'Builders know the domain and nothing else of ours.' },
    ),
  },
  {
    files: ['src/services/**/*.ts'],
    rules: restrict(
      { group: [...layer('slack'), ...layer('http'), ...layer('jobs'), '**/app.ts', '**/plugin.ts'], message: 'Services are called by the adapters, never the other way round.' },
      { group: ['@mikro-orm/*', 'pg', '@slack/*', 'bullmq', 'ioredis'], message: 'Services reach infrastructure through src/db repositories and the ports they are handed.' },
    ),
  },
  {
    files: ['src/db/**/*.ts'],
    rules: restrict({ group: [...layer('services'), ...layer('slack'), ...layer('http'), ...layer('jobs')], message: 'The data layer knows the domain types and nothing above it.' }),
  },
  {
    // Adapters reach the database only through the services; SQL lives in src/db.
    files: ['src/slack/**/*.ts', 'src/http/**/*.ts'],
    rules: restrict(
      { group: [...layer('db'), '@mikro-orm/*', 'pg'], message: 'Adapters call services; only src/db talks to the database.' },
      { group: ['../app.ts', '../../app.ts', '../../../app.ts'], message: 'Nothing but the entry points imports src/app.ts.' },
    ),
  },
  {
    files: ['src/jobs/**/*.ts'],
    rules: restrict(
      { group: [...layer('db'), '@mikro-orm/*', 'pg'], message: 'Jobs call services; only src/db talks to the database.' },
      { group: layer('slack'), message: 'Jobs deliver through their own Slack client and the builders in blocks/, never through the Slack app.' },
      { group: ['../app.ts', '../../app.ts'], message: 'Nothing but the entry points imports src/app.ts.' },
    ),
  },
  {
    files: ['src/observability/**/*.ts', 'src/config/**/*.ts', 'src/plugin.ts', 'src/run-process.ts', 'src/worker.ts'],
    rules: restrict({ group: ['./app.ts', '../app.ts'], message: 'Nothing but the entry points imports src/app.ts.' }),
  },
);
