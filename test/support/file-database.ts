/**
 * This test file's own database: a clone of the run's migrated template, taken from the run's pool when the file
 * first imports this module (through test/support/db.ts), handed back to be dropped after the file's last hook.
 * Vitest isolates test files (`isolate`, set explicitly in the configs), so each file gets a database anew.
 */
import { afterAll, inject } from 'vitest';
import { acquireDatabase, releaseDatabase } from './test-databases.ts';

const databases = inject('testDatabases');

export const fileDatabaseUrl: string = await acquireDatabase(databases);

// Registered while the file is collected and before its own hooks, so it runs after them (hooks run as a stack).
afterAll(() => releaseDatabase(databases, fileDatabaseUrl));
