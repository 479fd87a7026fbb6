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

/**
 * `?host=/var/run/postgresql` (libpq's way of naming a Unix socket directory, which node-postgres reads too):
 * the ORM takes its host from the URL's host name, so the directory is given to it as the host. A Postgres on
 * the same machine answers a Unix socket with less work per round trip than TCP on localhost.
 */
function unixSocketOf(databaseUrl: string): { host?: string } {
  const host = URL.canParse(databaseUrl) ? new URL(databaseUrl).searchParams.get('host') : null;
  return host?.startsWith('/') ? { host } : {};
}

/** Builds the ORM for exactly the database it is given; callers own its lifetime (close it). */
export function createOrm(options: OrmOptions): Promise<Orm> {
  return MikroORM.init(
    defineConfig({
      clientUrl: options.databaseUrl,
      ...unixSocketOf(options.databaseUrl),
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

/**
 * The migrations this build knows that the database has not applied. It only reads: asking the migrator would
 * create its bookkeeping table in whatever database DATABASE_URL names, even a wrong one.
 */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const em = orm.em.fork();
  const [table] = await em.execute<{ present: boolean }[]>("select to_regclass('mikro_orm_migrations') is not null as present");
  const applied = table?.present ? new Set((await em.execute<{ name: string }[]>('select name from mikro_orm_migrations')).map((r) => r.name)) : new Set<string>();
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
}

/** Refuses to run on a database that lacks migrations; closes the ORM and says which command fixes it. */
export async function assertMigrated(orm: Orm): Promise<void> {
  const pending = await pendingMigrations(orm);
  if (pending.length === 0) return;
  await orm.close();
  throw new ConfigError(`The database is missing migrations (${pending.join(', ')}). Run \`npm run migrate\` first.`);
}
