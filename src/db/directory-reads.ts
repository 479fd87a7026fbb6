import type { Directory } from '../domain/index.ts';
import { list, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

export interface DirectoryQuery {
  readonly teamId: string;
  readonly roles: readonly string[];
  /**
   * People whose managers and delegations (to them or from them) may matter to this decision: a list, or a
   * query of `user_id`s (any superset of them: answers are looked up per person).
   */
  readonly people: readonly string[] | Sql;
  readonly workflowKey: string;
  readonly at: Date;
  /** Also read the workspace's granted approval admins (an SLA escalation's last resort). */
  readonly admins?: boolean;
}

/** The reads for a directory slice, and `build` to make the lookup from their rows; a read with nothing to ask is left out. */
export function directoryReads(query: DirectoryQuery): { statements: Sql[]; build: (rows: readonly SqlRow[][]) => Directory } {
  const people = 'text' in query.people ? { text: `(${query.people.text})` } : query.people.length ? list([...new Set(query.people)]) : null;
  const statements: Sql[] = [];
  const slot = (statement: Sql | null): number => (statement ? statements.push(statement) - 1 : -1);
  const membersAt = slot(query.roles.length ? sql`select role_name, user_id from role_member where team_id = ${query.teamId} and role_name in ${list(query.roles)}` : null);
  const managersAt = slot(people ? sql`select user_id, manager_id from user_manager where team_id = ${query.teamId} and user_id in ${people}` : null);
  const delegationsAt = slot(people
    ? sql`select id, from_user_id, to_user_id from delegation where team_id = ${query.teamId} and (to_user_id in ${people} or from_user_id in ${people}) and revoked_at is null
          and starts_at <= ${query.at} and ends_at > ${query.at} and (workflow_key is null or workflow_key = ${query.workflowKey})`
    : null);
  const adminsAt = slot(query.admins ? sql`select user_id from app_admin where team_id = ${query.teamId} order by user_id` : null);
  return {
    statements,
    build(rows) {
      const at = (index: number): SqlRow[] => (index < 0 ? [] : rows[index] ?? []);
      const members = at(membersAt);
      const managers = at(managersAt);
      const delegations = at(delegationsAt);
      const admins = at(adminsAt).map((a) => a.user_id as string);
      return {
        roleMembers: (role) => members.filter((m) => m.role_name === role).map((m) => m.user_id as string),
        managerOf: (userId) => (managers.find((m) => m.user_id === userId)?.manager_id as string | undefined) ?? null,
        activeDelegationsTo: (delegateId) => delegations.filter((d) => d.to_user_id === delegateId).map((d) => ({ id: d.id as string, fromUserId: d.from_user_id as string })),
        activeDelegationsFrom: (fromUserId) => delegations.filter((d) => d.from_user_id === fromUserId).map((d) => ({ id: d.id as string, toUserId: d.to_user_id as string })),
        approvalAdmins: () => admins,
      };
    },
  };
}

/** Loads the slice of the directory one decision needs, as a plain lookup the domain can use. */
export async function readDirectory(runner: SqlRunner, query: DirectoryQuery): Promise<Directory> {
  const reads = directoryReads(query);
  return reads.build(await runner.run(reads.statements));
}
