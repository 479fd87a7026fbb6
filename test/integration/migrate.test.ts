/**
 * `npm run migrate` from several replicas at once: they take turns under an advisory lock, so every one
 * succeeds; a missing database is created once, and the run that created it says so.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.ts';
import { runScript } from '../support/cli.ts';
import { testDatabaseUrl } from '../support/db.ts';

const created: string[] = [];
let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
});
afterAll(async () => {
  for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

function databaseUrl(name: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

const migrate = (name: string) => runScript('migrate', [], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl(name) } });

async function appliedMigrations(name: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    return (await client.query<{ name: string }>('select name from mikro_orm_migrations order by id')).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('npm run migrate', () => {
  it('three at once on an empty database all succeed; one applies the migrations, the others wait and find them applied', async () => {
    const name = `approvals_mig_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await admin.query(`create database ${name}`);
    const results = await Promise.all([migrate(name), migrate(name), migrate(name)]);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    const outputs = results.map((r) => r.stdout);
    expect(outputs.filter((o) => o.includes('Applied: '))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes('Database is up to date.'))).toHaveLength(2);
    expect(await appliedMigrations(name)).toHaveLength(MIGRATIONS.length);
  });

  it('three at once on a database that does not exist: it is created once, and that run says so', async () => {
    const name = `approvals_new_${randomBytes(4).toString('hex')}`;
    created.push(name);
    const results = await Promise.all([migrate(name), migrate(name), migrate(name)]);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    const announced = results.filter((r) => r.stdout.includes(`Database "${name}" did not exist on `) && r.stdout.includes('; created it.'));
    expect(announced).toHaveLength(1);
    expect(await appliedMigrations(name)).toHaveLength(MIGRATIONS.length);
    // Run again: nothing to create, nothing to apply.
    const again = await migrate(name);
    expect(again.stdout.trim()).toBe('Database is up to date.');
  });
});
