import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { createOrm, migrateToLatest } from '../../src/db/orm.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

export interface SetupOptions {
  readonly adminUrl?: string;
  readonly redisUrl?: string;
}

/** The throw-away databases a test run makes are named after the process that made them. */
export const testDatabasePrefix = (pid = process.pid): string => `approvals_test_${pid}_`;

/**
 * A throw-away database per test run: created and migrated here, dropped when the run ends. When setting
 * up fails part way (Redis away, a migration broken), whatever was made is removed before the error is
 * reported, so a run that never started leaves nothing behind.
 */
export default async function setup(project: Pick<TestProject, 'provide'>, options: SetupOptions = {}): Promise<() => Promise<void>> {
  const adminUrl = options.adminUrl ?? process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const name = `${testDatabasePrefix()}${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch((error: Error) => {
    throw new Error(`Tests need PostgreSQL at ${adminUrl} (set TEST_DATABASE_ADMIN_URL): ${error.message}`, { cause: error });
  });
  const teardown = async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();

    const orm = await createOrm({ databaseUrl, poolSize: 2 });
    try {
      await migrateToLatest(orm);
    } finally {
      await orm.close();
    }

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

    project.provide('databaseUrl', databaseUrl);
    project.provide('redisUrl', redisUrl);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
