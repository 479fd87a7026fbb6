import type { EntityManager } from '@mikro-orm/postgresql';
import type { Directory } from '../domain/index.ts';
import { AppAdmin } from './entities/index.ts';
import { entityManagerRunner, list, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

export interface DirectoryQuery {
  readonly teamId: string;
  readonly roles: readonly string[];
  /** People whose managers and incoming delegations may matter to this decision. */
  readonly people: readonly string[];
  readonly workflowKey: string;
  readonly at: Date;
}

/** The reads for `loadDirectory`, in the order `directoryFromRows` expects; a read with nothing to ask is left out. */
export function directoryReads(query: DirectoryQuery): { statements: Sql[]; build: (rows: readonly SqlRow[][]) => Directory } {
  const people = [...new Set(query.people)];
  const statements: Sql[] = [];
  const slot = (statement: Sql | null): number => (statement ? statements.push(statement) - 1 : -1);
  const membersAt = slot(query.roles.length ? sql`select role_name, user_id from role_member where team_id = ${query.teamId} and role_name in ${list(query.roles)}` : null);
  const managersAt = slot(people.length ? sql`select user_id, manager_id from user_manager where team_id = ${query.teamId} and user_id in ${list(people)}` : null);
  const delegationsAt = slot(people.length
    ? sql`select id, from_user_id, to_user_id from delegation where team_id = ${query.teamId} and to_user_id in ${list(people)} and revoked_at is null
          and starts_at <= ${query.at} and ends_at > ${query.at} and (workflow_key is null or workflow_key = ${query.workflowKey})`
    : null);
  return {
    statements,
    build(rows) {
      const at = (index: number): SqlRow[] => (index < 0 ? [] : rows[index] ?? []);
      const members = at(membersAt);
      const managers = at(managersAt);
      const delegations = at(delegationsAt);
      return {
        roleMembers: (role) => members.filter((m) => m.role_name === role).map((m) => m.user_id as string),
        managerOf: (userId) => (managers.find((m) => m.user_id === userId)?.manager_id as string | undefined) ?? null,
        activeDelegationsTo: (delegateId) => delegations.filter((d) => d.to_user_id === delegateId).map((d) => ({ id: d.id as string, fromUserId: d.from_user_id as string })),
      };
    },
  };
}

/** Loads the slice of the directory one decision needs, as a plain lookup the domain can use. */
export async function readDirectory(runner: SqlRunner, query: DirectoryQuery): Promise<Directory> {
  const reads = directoryReads(query);
  return reads.build(await runner.run(reads.statements));
}

export function loadDirectory(em: EntityManager, query: DirectoryQuery): Promise<Directory> {
  return readDirectory(entityManagerRunner(em), query);
}

export async function isAdminRecorded(em: EntityManager, teamId: string, userId: string): Promise<boolean> {
  return (await em.count(AppAdmin, { teamId, userId })) > 0;
}
