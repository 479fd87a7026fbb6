import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { API_SCOPES } from '../domain/index.ts';
import type { CreateTokenInput } from '../services/api-token-service.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { ACTOR_OPTION, ACTOR_USAGE, cliMeta } from './cli-meta.ts';
import { runCli, UsageError } from './run-cli.ts';

await runCli({
  name: 'token:create',
  summary: 'Creates a REST API token and prints it once (only its SHA-256 is stored). Recorded in the workspace\'s\naudit trail with who ran the command.',
  usage: [
    '--team T123              the workspace (required)',
    '--owner U123             the Slack user the token acts for (required)',
    `--scopes a,b             comma-separated, from ${API_SCOPES.join(', ')} (required)`,
    '--name "purchasing"      what it is for (required)',
    ACTOR_USAGE,
  ],
  options: { team: { type: 'string' }, owner: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, ...ACTOR_OPTION },
}, async (values) => {
  const missing = (['team', 'owner', 'scopes', 'name'] as const).filter((option) => !values[option]);
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
  const meta = cliMeta('token:create', values.actor);
  const env = loadDatabaseEnv();
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  try {
    const { token, summary } = await createServices(defaultDeps(orm)).apiTokens.createToken({
      teamId: values.team as string, ownerId: values.owner as string, name: values.name as string,
      scopes: (values.scopes as string).split(',').map((s) => s.trim()).filter(Boolean) as CreateTokenInput['scopes'], createdBy: `cli:${meta.ranBy}`.slice(0, 40),
    }, meta);
    console.log(`Token "${summary.name}" (${summary.id}) for ${summary.ownerId} in ${summary.teamId}, scopes: ${summary.scopes.join(', ')}`);
    console.log('Store it now; it is not shown again:');
    console.log(token);
  } finally {
    await orm.close();
  }
});
