import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The run's template database and the prefix every database the run creates starts with. */
export interface TestDatabases {
  /** A connection URL to the server's maintenance database, for CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly runPrefix: string;
  /** Migrated once per run; cloned, never connected to. */
  readonly template: string;
}

export function databaseUrlFor(databases: TestDatabases, name: string): string {
  const url = new URL(databases.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(databases: TestDatabases, run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: databases.adminUrl });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

/** A fresh, migrated database cloned from the run's template; returns its URL. */
export async function cloneTemplate(databases: TestDatabases, label: string): Promise<string> {
  const name = `${databases.runPrefix}_${label}_${randomBytes(4).toString('hex')}`;
  await withAdmin(databases, (admin) => admin.query(`create database ${name} template ${databases.template}`));
  return databaseUrlFor(databases, name);
}

export async function dropDatabase(databases: TestDatabases, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.startsWith(`${databases.runPrefix}_`)) throw new Error(`refusing to drop ${name}: not a database of this test run`);
  await withAdmin(databases, (admin) => admin.query(`drop database if exists ${name} with (force)`));
}

/** Drops the template and every clone the run left (a worker that crashed cannot drop its own). */
export async function dropDatabasesOfRun(admin: pg.Client, databases: TestDatabases): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where starts_with(datname, $1)`,
    [`${databases.runPrefix}_`],
  );
  for (const { datname } of rows) {
    if (datname === databases.template) await admin.query(`alter database ${datname} with is_template false`);
    await admin.query(`drop database if exists ${datname} with (force)`);
  }
}
