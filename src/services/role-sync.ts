import type { PeopleRepository } from '../db/people-repository.ts';
import { loggerFor } from '../observability/logger.ts';
import type { RequestMeta, UserGroupDirectory } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

export interface RoleSyncDeps {
  readonly transact: Transact;
  readonly people: Pick<PeopleRepository, 'replaceMembers' | 'boundRoles'>;
  /** Null when this process cannot reach Slack: bound roles keep their last synced members. */
  readonly userGroups: UserGroupDirectory | null;
}

const log = loggerFor('role-sync');

/** Keeps roles bound to a Slack user group in step with the group, recorded as done by the system. */
export function createRoleSync(deps: RoleSyncDeps) {
  /** Makes a role's members exactly `members`; true when anything changed (and only then is it audited). */
  async function syncMembers(teamId: string, role: string, members: readonly string[], meta: RequestMeta): Promise<boolean> {
    const sorted = [...new Set(members)].sort();
    const { result } = await deps.transact(teamId, meta, async (tx, uow) => {
      if (!(await deps.people.replaceMembers(tx, teamId, role, sorted))) return false;
      uow.record({ type: 'role.updated', capacity: { kind: 'system', rule: 'role follows its Slack user group' }, details: { role, members: sorted } });
      return true;
    });
    return result;
  }

  /** Brings each bound role (role name to user group id) up to date with its group; returns the roles that changed. */
  async function syncBound(teamId: string, roles: ReadonlyMap<string, string>, meta: RequestMeta): Promise<string[]> {
    const groups = deps.userGroups;
    if (!groups) return [];
    const changed: string[] = [];
    for (const [role, groupId] of roles) {
      if (await syncMembers(teamId, role, await groups.membersOf(teamId, groupId), meta)) changed.push(role);
    }
    return changed;
  }

  /** Those of `roles` that follow a user group in `bound` (role name to group id): none when Slack cannot be reached. */
  function boundAmong(roles: readonly string[], bound: ReadonlyMap<string, string>): Map<string, string> {
    if (roles.length === 0 || !deps.userGroups) return new Map();
    return new Map([...bound].filter(([role]) => roles.includes(role)));
  }

  /**
   * Before routing or deciding: brings those of `roles` that follow a user group up to date (`bound`, role name
   * to group id, when the caller already read it). When Slack cannot be reached the last synced members stand:
   * a person's request or decision should not fail because a directory lookup did.
   */
  async function bringUpToDate(teamId: string, roles: readonly string[], meta: RequestMeta, bound?: ReadonlyMap<string, string>): Promise<void> {
    if (roles.length === 0 || !deps.userGroups) return;
    const wanted = boundAmong(roles, bound ?? await deps.people.boundRoles(teamId));
    if (wanted.size === 0) return;
    try {
      await syncBound(teamId, wanted, meta);
    } catch (error) {
      log.warn({ err: error, teamId }, 'could not sync roles from Slack user groups; using the last known members');
    }
  }

  return { syncMembers, syncBound, bringUpToDate, boundAmong };
}
export type RoleSync = ReturnType<typeof createRoleSync>;
