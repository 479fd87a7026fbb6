import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { createOrm, migrateToLatest } from '../../src/db/orm.ts';
import { databaseUrlFor, dropDatabasesOfRun, startDatabasePool, type DatabasePool, type TestDatabases } from './test-databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test files get their own databases (see test/support/file-database.ts). */
    testDatabases: TestDatabases;
    redisUrl: string;
  }
}

export interface SetupOptions {
  readonly adminUrl?: string;
  readonly redisUrl?: string;
}

/** The throw-away databases a test run makes are named after the process that made them. */
export const testDatabasePrefix = (pid = process.pid): string => `approvals_test_${pid}_`;

async function checkRedis(redisUrl: string): Promise<void> {
  // No reconnect attempts: a Redis that is not there fails the run at once, with the message below.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Tests need Redis at ${redisUrl} (set TEST_REDIS_URL): ${(error as Error).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

/**
 * Migrates one template database per run; every test file that uses the database clones its own from it
 * (file-database.ts), so files running in parallel never see each other's rows, chains or TRUNCATEs.
 * Everything the run created is dropped when it ends, and when it fails to start.
 */
export default async function setup(project: Pick<TestProject, 'provide'>, options: SetupOptions = {}): Promise<() => Promise<void>> {
  const adminUrl = options.adminUrl ?? process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const runPrefix = `${testDatabasePrefix()}${randomBytes(4).toString('hex')}`;
  const names = { adminUrl, runPrefix, template: `${runPrefix}_template` };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch((error: Error) => {
    throw new Error(`Tests need PostgreSQL at ${adminUrl} (set TEST_DATABASE_ADMIN_URL): ${error.message}`, { cause: error });
  });
  let pool: DatabasePool | null = null;
  const teardown = async (): Promise<void> => {
    try {
      await pool?.close();
      await dropDatabasesOfRun(admin, names);
    } finally {
      await admin.end();
    }
  };

  try {
    await admin.query(`create database ${names.template}`);
    const orm = await createOrm({ databaseUrl: databaseUrlFor(names, names.template), poolSize: 2 });
    try {
      await migrateToLatest(orm);
    } finally {
      await orm.close();
    }
    // A template nobody can connect to: a stray connection would make every clone fail.
    await admin.query(`alter database ${names.template} with is_template true allow_connections false`);
    await checkRedis(redisUrl);
    pool = await startDatabasePool(names);
  } catch (error) {
    await teardown();
    throw error;
  }

  const databases: TestDatabases = { ...names, poolUrl: pool.url };
  project.provide('testDatabases', databases);
  project.provide('redisUrl', redisUrl);
  return teardown;
}
