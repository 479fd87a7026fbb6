import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { SLACK_TEAM_ID } from '../domain/index.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, ACTOR_USAGE, cliMeta } from './cli-meta.ts';
import { runCli, UsageError } from './run-cli.ts';

await runCli({
  name: 'token:list',
  summary: 'Lists API tokens (never their secrets), one workspace\'s or every workspace\'s, and records the listing in\neach listed workspace\'s audit trail with who ran it.',
  usage: ['--team T123              only this workspace', '--json                   one JSON object per line', ACTOR_USAGE],
  options: { team: { type: 'string' }, json: { type: 'boolean', default: false }, ...ACTOR_OPTION },
}, async (values) => {
  if (values.team !== undefined && !SLACK_TEAM_ID.test(values.team)) throw new UsageError('--team must be a Slack workspace id such as T0123ABCD');
  const meta = cliMeta('token:list', values.actor);
  const env = loadDatabaseEnv();
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  try {
    const tokens = await createServices(defaultDeps(orm)).tokenAdmin.list(values.team ?? null, { kind: 'operator' }, meta);
    if (values.json) {
      for (const token of tokens) console.log(JSON.stringify(token));
      return;
    }
    if (tokens.length === 0) console.log('No API tokens.');
    for (const t of tokens) {
      const state = t.revokedAt ? `revoked ${t.revokedAt} by ${t.revokedBy ?? '?'}` : `active, last used ${t.lastUsedAt ?? 'never'}`;
      console.log(`${t.id}  ${t.teamId}  "${t.name}"  owner ${t.ownerId}  scopes ${t.scopes.join(',')}  created ${t.createdAt} by ${t.createdBy}  ${state}`);
    }
  } finally {
    await orm.close();
  }
});
