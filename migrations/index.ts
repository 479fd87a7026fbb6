import { Migration20261122000000_core } from './Migration20261122000000_core.ts';

/** Every migration, in order. Listed explicitly so the app runs from TypeScript sources without a glob loader. */
export const MIGRATIONS = [{ name: 'Migration20261122000000_core', class: Migration20261122000000_core }];
