/**
 * This test file's own database, cloned from the run's migrated template when the file first imports this module
 * (through test/support/db.ts) and dropped after the file's last hook. Vitest isolates test files (`isolate`, the
 * default, is set explicitly in the configs), so every file evaluates this module, and gets a database, anew.
 */
import { afterAll, inject } from 'vitest';
import { cloneTemplate, dropDatabase } from './test-databases.ts';

const databases = inject('testDatabases');

export const fileDatabaseUrl: string = await cloneTemplate(databases, 'f');

// Registered while the file is collected and before its own hooks, so it runs after them (hooks run as a stack).
afterAll(() => dropDatabase(databases, fileDatabaseUrl));
