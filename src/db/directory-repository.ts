import type { EntityManager } from '@mikro-orm/postgresql';
import type { Directory } from '../domain/index.ts';
import { AppAdmin, Delegation, RoleMember, UserManager } from './entities/index.ts';

export interface DirectoryQuery {
  readonly teamId: string;
  readonly roles: readonly string[];
  /** People whose managers and incoming delegations may matter to this decision. */
  readonly people: readonly string[];
  readonly workflowKey: string;
  readonly at: Date;
}

/** Loads the slice of the directory one decision needs, as a plain lookup the domain can use. */
export async function loadDirectory(em: EntityManager, query: DirectoryQuery): Promise<Directory> {
  const people = [...new Set(query.people)];
  const [members, managers, delegations] = await Promise.all([
    query.roles.length ? em.find(RoleMember, { teamId: query.teamId, roleName: { $in: [...query.roles] } }) : Promise.resolve([]),
    people.length ? em.find(UserManager, { teamId: query.teamId, userId: { $in: people } }) : Promise.resolve([]),
    people.length
      ? em.find(Delegation, {
          teamId: query.teamId,
          toUserId: { $in: people },
          revokedAt: null,
          startsAt: { $lte: query.at },
          endsAt: { $gt: query.at },
          $or: [{ workflowKey: null }, { workflowKey: query.workflowKey }],
        })
      : Promise.resolve([]),
  ]);
  return {
    roleMembers: (role) => members.filter((m) => m.roleName === role).map((m) => m.userId),
    managerOf: (userId) => managers.find((m) => m.userId === userId)?.managerId ?? null,
    activeDelegationsTo: (delegateId) => delegations.filter((d) => d.toUserId === delegateId).map((d) => ({ id: d.id, fromUserId: d.fromUserId })),
  };
}

export async function isAdminRecorded(em: EntityManager, teamId: string, userId: string): Promise<boolean> {
  return (await em.count(AppAdmin, { teamId, userId })) > 0;
}
