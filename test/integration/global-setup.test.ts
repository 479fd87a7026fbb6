/** A test run whose set-up fails part way leaves no database behind. */
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import setup, { testDatabasePrefix } from '../support/global-setup.ts';
import { freePort } from '../support/processes.ts';

const adminUrl = (): string => inject('testDatabases').adminUrl;

async function leftovers(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return (await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [testDatabasePrefix()])).rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

describe('test global set-up', () => {
  it('drops the database it made when Redis cannot be reached, and says what it needs', async () => {
    const provided: string[] = [];
    const port = await freePort();
    await expect(setup({ provide: (key: string) => void provided.push(key) } as never, { adminUrl: adminUrl(), redisUrl: `redis://127.0.0.1:${port}` }))
      .rejects.toThrow(new RegExp(`Tests need Redis at redis://127.0.0.1:${port}`));
    expect(provided).toEqual([]);
    expect(await leftovers()).toEqual([]);
  });

  it('makes, provides and drops its database when all is well', async () => {
    const provided = new Map<string, unknown>();
    const teardown = await setup({ provide: (key: string, value: unknown) => void provided.set(key, value) } as never, { adminUrl: adminUrl(), redisUrl: inject('redisUrl') });
    expect(await leftovers()).toHaveLength(1);
    expect(JSON.stringify(provided.get('testDatabases'))).toContain(testDatabasePrefix());
    await teardown();
    expect(await leftovers()).toEqual([]);
  });
});
