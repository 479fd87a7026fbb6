import { parseArgs } from 'node:util';
import { loadDatabaseEnv } from '../config/env.ts';
import { DomainError } from '../domain/index.ts';
import { createOrm } from '../db/orm.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, cliMeta } from './cli-meta.ts';

/**
 * Revokes an API token: the app refuses it from the next request on. Recorded in the token's workspace trail
 * with who ran the command (--actor, or the OS user). Revoking a revoked token changes nothing.
 *
 *   npm run token:revoke -- --id <token id from token:list> [--actor "alice@example.com"]
 */
const { values } = parseArgs({ options: { id: { type: 'string' }, ...ACTOR_OPTION } });
if (!values.id) {
  console.error('usage: npm run token:revoke -- --id <token id (npm run token:list)> [--actor name]');
  process.exit(2);
}
const meta = cliMeta('token:revoke', values.actor);
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
try {
  const token = await createServices(defaultDeps(orm)).tokenAdmin.revoke(values.id, { kind: 'operator' }, meta);
  console.log(`Token "${token.name}" (${token.id}) of ${token.ownerId} in ${token.teamId} is revoked since ${token.revokedAt ?? '?'} (by ${token.revokedBy ?? '?'}).`);
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`${error.message} (${values.id})`);
  process.exitCode = 2;
} finally {
  await orm.close();
}
