import { sql, textArray, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

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
    /** Of `userIds`, those who opened their Home tab after `since` (one statement for all). */
    async openedSinceAmong(teamId: string, userIds: readonly string[], since: Date): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const found = await rows(sql`select user_id from home_viewer where team_id = ${teamId} and user_id = any(${textArray(userIds)}) and opened_at > ${since}`);
      return new Set(found.map((r) => r.user_id as string));
    },
  };
}
export type HomeViewerRepository = ReturnType<typeof createHomeViewerRepository>;
