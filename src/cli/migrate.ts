import { loadDatabaseEnv } from '../config/env.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { runCli } from './run-cli.ts';

await runCli({
  name: 'migrate',
  summary: 'Applies every pending database migration (DATABASE_URL), creating the database first if it does not exist.\nSafe to run from several replicas at once: they take turns under a Postgres advisory lock.',
  usage: [],
  options: {},
}, async () => {
  const env = loadDatabaseEnv();
  const report = await migrateDatabase(env.DATABASE_URL, (line) => console.log(line));
  console.log(report.applied.length ? `Applied: ${report.applied.join(', ')}` : 'Database is up to date.');
});
