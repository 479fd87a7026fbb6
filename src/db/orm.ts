import { MikroORM, defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from '../../migrations/index.ts';
import { ConfigError } from '../config/env.ts';

export type Orm = MikroORM;

export interface OrmOptions {
  readonly databaseUrl: string;
  readonly poolSize?: number;
  readonly debug?: boolean;
}

/** Builds the ORM for exactly the database it is given; callers own its lifetime (close it). */
export function createOrm(options: OrmOptions): Promise<Orm> {
  return MikroORM.init(
    defineConfig({
      clientUrl: options.databaseUrl,
      entities: ALL_ENTITIES,
      extensions: [Migrator],
      migrations: { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false, silent: true },
      pool: { min: 0, max: options.poolSize ?? 10 },
      debug: options.debug ?? false,
      // Dates stay Date objects; all times are stored as timestamptz.
      forceUtcTimezone: true,
      // Connecting never creates a missing database (a typo in DATABASE_URL must not make an empty one):
      // only `npm run migrate` does, and says so (src/db/migrate.ts).
      ensureDatabase: false,
      allowGlobalContext: false,
    }),
  );
}

export async function migrateToLatest(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/** Refuses to run on a database that lacks migrations; closes the ORM and says which command fixes it. */
export async function assertMigrated(orm: Orm): Promise<void> {
  const pending = await orm.migrator.getPending();
  if (pending.length === 0) return;
  await orm.close();
  throw new ConfigError(`The database is missing migrations (${pending.map((m) => m.name).join(', ')}). Run \`npm run migrate\` first.`);
}
