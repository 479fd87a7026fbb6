import { parseArgs } from 'node:util';
import { loadDatabaseEnv } from '../config/env.ts';
import { DomainError } from '../domain/index.ts';
import { createOrm } from '../db/orm.ts';
import type { CreateTokenInput } from '../services/api-token-service.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, cliMeta } from './cli-meta.ts';

/**
 * Creates a REST API token and prints it once (only its SHA-256 is stored).
 *
 * Recorded in the workspace's audit trail with who ran the command (--actor, or the OS user).
 *
 *   npm run token:create -- --team T123 --owner U123 --scopes submissions:write,submissions:read --name "purchasing" [--actor name]
 */
const { values } = parseArgs({ options: { team: { type: 'string' }, owner: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, ...ACTOR_OPTION } });
if (!values.team || !values.owner || !values.scopes || !values.name) {
  console.error('usage: npm run token:create -- --team T123 --owner U123 --scopes submissions:write,submissions:read,audit:read,workflows:write,queues:admin,tokens:admin --name "purchasing" [--actor name]');
  process.exit(2);
}
const meta = cliMeta('token:create', values.actor);
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
try {
  const { token, summary } = await createServices(defaultDeps(orm)).apiTokens.createToken(
    { teamId: values.team, ownerId: values.owner, name: values.name, scopes: values.scopes.split(',').map((s) => s.trim()).filter(Boolean) as CreateTokenInput['scopes'], createdBy: `cli:${meta.ranBy}`.slice(0, 40) },
    meta,
  );
  console.log(`Token "${summary.name}" (${summary.id}) for ${summary.ownerId} in ${summary.teamId}, scopes: ${summary.scopes.join(', ')}`);
  console.log('Store it now; it is not shown again:');
  console.log(token);
} catch (error) {
  if (error instanceof DomainError) {
    console.error(error.message);
    process.exitCode = 2;
  } else throw error;
} finally {
  await orm.close();
}
