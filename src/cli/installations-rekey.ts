import { ConfigError, loadDatabaseEnv } from '../config/env.ts';
import { encryptionKeys } from '../config/slack-mode.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { runCli } from './run-cli.ts';

await runCli({
  name: 'installations:rekey',
  summary: [
    'Seals every stored installation token again under the first key of INSTALLATION_ENCRYPTION_KEYS. Rotating a',
    'key: put the new one first (k2:…,k1:…), restart the app and the worker, run this, then drop the old key.',
  ].join('\n'),
  usage: [],
  options: {},
}, async () => {
  const env = loadDatabaseEnv();
  const keys = encryptionKeys.safeParse(process.env.INSTALLATION_ENCRYPTION_KEYS ?? '');
  if (!keys.success) throw new ConfigError(`Invalid configuration:\n  INSTALLATION_ENCRYPTION_KEYS: ${keys.error.issues[0]?.message ?? 'required'}`);
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  try {
    const services = createServices({ ...defaultDeps(orm), installationKeys: keys.data });
    const rewritten = await services.installations.rekey();
    console.log(`${rewritten} installation(s) sealed under key "${keys.data[0]?.id ?? ''}"`);
  } finally {
    await orm.close();
  }
});
