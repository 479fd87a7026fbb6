import { sql, textArray, type Sql } from './sql.ts';

/** Workspaces a relay or reconciler looks after (sharding, tests); null means all. */
export type TeamScope = readonly string[] | null;

/** ` and <column> in (...)` for a scope, or nothing for all workspaces. */
export const teamFilter = (column: Sql, teams: TeamScope): Sql =>
  teams ? sql` and ${column} = any(${textArray(teams)})` : sql``;
