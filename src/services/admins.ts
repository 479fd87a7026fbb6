import { DomainError } from '../domain/index.ts';
import type { PeopleRepository } from '../db/people-repository.ts';
import type { Tx } from './unit-of-work.ts';

export interface AdminCheckDeps {
  readonly people: Pick<PeopleRepository, 'isAdmin' | 'grantedAdmins'>;
  /** Admins from configuration without a workspace (single-workspace mode: the one workspace served). */
  readonly bootstrapAdmins: readonly string[];
  /** Admins from configuration that name their workspace (APPROVAL_ADMINS `T…:U…`). */
  readonly workspaceAdmins?: ReadonlyMap<string, readonly string[]>;
}

/**
 * Who is an approval admin of a workspace: those configured for it, and those granted there (by another admin,
 * or by installing the app). A right is always of one workspace: being an admin in one says nothing of another.
 */
export function createAdminCheck(deps: AdminCheckDeps) {
  /** The admins configuration gives a workspace (they cannot be revoked in Slack). */
  const configuredFor = (teamId: string): readonly string[] => [...deps.bootstrapAdmins, ...(deps.workspaceAdmins?.get(teamId) ?? [])];
  async function isAdmin(teamId: string, userId: string, tx?: Tx): Promise<boolean> {
    return configuredFor(teamId).includes(userId) || (await deps.people.isAdmin(teamId, userId, tx));
  }
  async function requireAdmin(teamId: string, userId: string, tx?: Tx): Promise<void> {
    if (!(await isAdmin(teamId, userId, tx))) throw new DomainError('forbidden', 'Only approval admins can do that. Ask an admin to grant you the admin role.');
  }
  /** Every admin of a workspace (configured first), for the escalations that fall back to them. */
  async function list(teamId: string): Promise<string[]> {
    return [...new Set([...configuredFor(teamId), ...(await deps.people.grantedAdmins(teamId)).map((a) => a.userId)])];
  }
  return { isAdmin, requireAdmin, list, configuredFor };
}
export type AdminCheck = ReturnType<typeof createAdminCheck>;
