import { DomainError } from '../domain/index.ts';
import type { PeopleRepository } from '../db/people-repository.ts';
import type { Tx } from './unit-of-work.ts';

export interface AdminCheckDeps {
  readonly people: Pick<PeopleRepository, 'isAdmin' | 'grantedAdmins'>;
  /** Admins from configuration (APPROVAL_ADMINS). */
  readonly bootstrapAdmins: readonly string[];
}

/** Who is an approval admin: those from configuration, and those granted in Slack. */
export function createAdminCheck(deps: AdminCheckDeps) {
  async function isAdmin(teamId: string, userId: string, tx?: Tx): Promise<boolean> {
    return deps.bootstrapAdmins.includes(userId) || (await deps.people.isAdmin(teamId, userId, tx));
  }
  async function requireAdmin(teamId: string, userId: string, tx?: Tx): Promise<void> {
    if (!(await isAdmin(teamId, userId, tx))) throw new DomainError('forbidden', 'Only approval admins can do that. Ask an admin to grant you the admin role.');
  }
  /** Every admin of a workspace (configured first), for the escalations that fall back to them. */
  async function list(teamId: string): Promise<string[]> {
    return [...new Set([...deps.bootstrapAdmins, ...(await deps.people.grantedAdmins(teamId)).map((a) => a.userId)])];
  }
  return { isAdmin, requireAdmin, list };
}
export type AdminCheck = ReturnType<typeof createAdminCheck>;
