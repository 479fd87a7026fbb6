import { parseArgs } from 'node:util';
import { loadDatabaseEnv } from '../config/env.ts';
import { createOrm } from '../db/orm.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, cliMeta } from './cli-meta.ts';

/**
 * Lists API tokens (never their secrets), one workspace's or every workspace's, and records the listing in
 * each listed workspace's audit trail with who ran it (--actor, or the OS user).
 *
 *   npm run token:list [-- --team T123] [--actor "alice@example.com"] [--json]
 */
const { values } = parseArgs({ options: { team: { type: 'string' }, json: { type: 'boolean', default: false }, ...ACTOR_OPTION } });
if (values.team !== undefined && !/^[TE][A-Z0-9]+$/.test(values.team)) {
  console.error('--team must be a Slack team id such as T0123ABCD');
  process.exit(2);
}
const meta = cliMeta('token:list', values.actor);
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
try {
  const tokens = await createServices(defaultDeps(orm)).tokenAdmin.list(values.team ?? null, { kind: 'operator' }, meta);
  if (values.json) {
    for (const token of tokens) console.log(JSON.stringify(token));
  } else {
    if (tokens.length === 0) console.log('No API tokens.');
    for (const t of tokens) {
      const state = t.revokedAt ? `revoked ${t.revokedAt} by ${t.revokedBy ?? '?'}` : `active, last used ${t.lastUsedAt ?? 'never'}`;
      console.log(`${t.id}  ${t.teamId}  "${t.name}"  owner ${t.ownerId}  scopes ${t.scopes.join(',')}  created ${t.createdAt} by ${t.createdBy}  ${state}`);
    }
  }
} finally {
  await orm.close();
}
