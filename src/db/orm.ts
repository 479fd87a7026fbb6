import { MikroORM, defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from '../../migrations/index.ts';

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
      allowGlobalContext: false,
    }),
  );
}

export async function migrateToLatest(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
