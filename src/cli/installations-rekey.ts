import { loadDatabaseEnv } from '../config/env.ts';
import { encryptionKeys } from '../config/slack-mode.ts';
import { createOrm } from '../db/orm.ts';
import { createServices, defaultDeps } from '../services/index.ts';

/**
 * Seals every stored installation token again under the first key of INSTALLATION_ENCRYPTION_KEYS. Rotating a
 * key: put the new one first (`k2:…,k1:…`), restart the app and the worker, run this, then drop the old key.
 *
 *   npm run installations:rekey
 */
const env = loadDatabaseEnv();
const keys = encryptionKeys.safeParse(process.env.INSTALLATION_ENCRYPTION_KEYS ?? '');
if (!keys.success) {
  console.error(`Invalid configuration:\n  INSTALLATION_ENCRYPTION_KEYS: ${keys.error.issues[0]?.message ?? 'required'}`);
  process.exit(2);
}
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
try {
  const services = createServices({ ...defaultDeps(orm), installationKeys: keys.data });
  const rewritten = await services.installations.rekey();
  console.log(`${rewritten} installation(s) sealed under key "${keys.data[0]?.id ?? ''}"`);
} catch (error) {
  console.error(`installations:rekey: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await orm.close();
}
