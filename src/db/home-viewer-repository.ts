import { sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

/** Who opened their Home tab when: only tabs opened lately are redrawn in the background. */
export function createHomeViewerRepository(db: SqlRunner) {
  const rows = async (statement: Sql): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];
  return {
    async markOpened(teamId: string, userId: string, at: Date): Promise<void> {
      await rows(sql`insert into home_viewer (team_id, user_id, opened_at) values (${teamId}, ${userId}, ${at})
        on conflict (team_id, user_id) do update set opened_at = excluded.opened_at`);
    },
    async openedSince(teamId: string, userId: string, since: Date): Promise<boolean> {
      return (await rows(sql`select 1 as one from home_viewer where team_id = ${teamId} and user_id = ${userId} and opened_at > ${since}`)).length > 0;
    },
  };
}
export type HomeViewerRepository = ReturnType<typeof createHomeViewerRepository>;
