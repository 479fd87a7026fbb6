import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, ACTOR_USAGE, cliMeta } from './cli-meta.ts';
import { runCli, UsageError } from './run-cli.ts';

await runCli({
  name: 'token:revoke',
  summary: 'Revokes an API token: the app refuses it from the next request on. Recorded in the token\'s workspace\ntrail with who ran the command. Revoking a revoked token changes nothing.',
  usage: ['--id <uuid>              the token (npm run token:list shows ids; required)', ACTOR_USAGE],
  options: { id: { type: 'string' }, ...ACTOR_OPTION },
}, async (values) => {
  if (!values.id) throw new UsageError('missing --id');
  const meta = cliMeta('token:revoke', values.actor);
  const env = loadDatabaseEnv();
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  try {
    const token = await createServices(defaultDeps(orm)).tokenAdmin.revoke(values.id, { kind: 'operator' }, meta);
    console.log(`Token "${token.name}" (${token.id}) of ${token.ownerId} in ${token.teamId} is revoked since ${token.revokedAt ?? '?'} (by ${token.revokedBy ?? '?'}).`);
  } finally {
    await orm.close();
  }
});
