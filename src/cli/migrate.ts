import { loadDatabaseEnv } from '../config/env.ts';
import { createOrm, migrateToLatest } from '../db/orm.ts';

const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
try {
  const applied = await migrateToLatest(orm);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
} finally {
  await orm.close();
}
