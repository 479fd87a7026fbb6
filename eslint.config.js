import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // The domain core reads like the rules it enforces: nothing from Slack, Redis, HTTP or the ORM.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@slack/*', 'bullmq', 'ioredis', '@mikro-orm/*', 'node:http', 'pg'], message: 'The domain core stays free of infrastructure.' },
          { group: ['../db/*', '../slack/*', '../jobs/*', '../http/*', '../services/*'], message: 'The domain depends on nothing of ours but itself.' },
        ],
      }],
    },
  },
);
