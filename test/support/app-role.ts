import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from './db.ts';

export interface AppRoleLogin {
  /** The test database's URL, logged in as a member of approvals_app (the role the app runs as in production). */
  readonly url: string;
  readonly role: string;
  drop(): Promise<void>;
}

/**
 * A login role of its own that is a member of approvals_app, as an operator sets one up (README, Operations:
 * database roles). Roles belong to the whole server, so each test file makes a uniquely named one and drops it.
 */
export async function createAppRoleLogin(): Promise<AppRoleLogin> {
  const role = `approvals_app_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`create role ${role} login in role approvals_app`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl());
  url.username = role;
  url.password = '';
  return {
    url: url.toString(),
    role,
    async drop() {
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      try {
        await client.query(`drop role if exists ${role}`);
      } finally {
        await client.end();
      }
    },
  };
}
