import pg from 'pg';
import { databaseProblem, describeDatabaseUrl, openDatabase } from './connect.ts';
import { migrateToLatest } from './orm.ts';

/**
 * One key for "someone is migrating this database". Replicas that start together each run `migrate`; the
 * first takes the lock and applies what is pending, the others wait for it and then find nothing to do.
 */
const MIGRATION_LOCK_KEY = '7262829101';
const CONNECT_TIMEOUT_MS = 10_000;

export interface MigrationReport {
  /** The database did not exist and this run created it. */
  readonly created: boolean;
  /** Another run held the lock when this one started. */
  readonly waited: boolean;
  readonly applied: string[];
}

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Creates the database when it does not exist (from the server's `postgres` database); true when this call made it. */
async function ensureDatabase(url: string): Promise<boolean> {
  try {
    await (await connected(url)).end();
    return false;
  } catch (error) {
    if (codeOf(error) !== '3D000') throw databaseProblem(error, url);
  }
  const management = new URL(url);
  management.pathname = '/postgres';
  let admin: pg.Client;
  try {
    admin = await connected(management.toString());
  } catch (error) {
    throw databaseProblem(error, url);
  }
  try {
    await admin.query(`create database ${quoteIdentifier(describeDatabaseUrl(url).database)}`);
    return true;
  } catch (error) {
    // Another replica created it a moment ago (duplicate_database, or the catalog's unique index in a race).
    if (codeOf(error) === '42P04' || codeOf(error) === '23505') return false;
    throw databaseProblem(error, url);
  } finally {
    await admin.end();
  }
}

/**
 * `npm run migrate`: creates the database if it is missing (and says so through `log`), then applies every
 * pending migration under a Postgres advisory lock, so several replicas starting at once do not race.
 */
export async function migrateDatabase(databaseUrl: string, log: (line: string) => void): Promise<MigrationReport> {
  const created = await ensureDatabase(databaseUrl);
  const { database, where } = describeDatabaseUrl(databaseUrl);
  if (created) log(`Database "${database}" did not exist on ${where}; created it.`);
  let lock: pg.Client;
  try {
    lock = await connected(databaseUrl);
  } catch (error) {
    throw databaseProblem(error, databaseUrl);
  }
  try {
    // Session-level: held on this connection while the migrations run on the ORM's, released when it ends.
    const [first] = (await lock.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [MIGRATION_LOCK_KEY])).rows;
    const waited = first?.locked !== true;
    if (waited) {
      log('Another migration of this database is running; waiting for it to finish.');
      await lock.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
    const orm = await openDatabase({ databaseUrl, poolSize: 2 });
    try {
      return { created, waited, applied: await migrateToLatest(orm) };
    } finally {
      await orm.close();
    }
  } finally {
    await lock.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
