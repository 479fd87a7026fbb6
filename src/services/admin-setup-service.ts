import type { PeopleRepository } from '../db/people-repository.ts';

export interface AdminSetupDeps {
  readonly people: Pick<PeopleRepository, 'anyAdminGranted'>;
  readonly bootstrapAdmins: readonly string[];
}

/**
 * Whether a workspace can be configured at all: someone must be an approval admin, from APPROVAL_ADMINS or
 * granted by another admin. With nobody, nothing can be set up, and the first `/approval` says how to start.
 */
export function createAdminSetupService(deps: AdminSetupDeps) {
  async function hasAdmins(teamId: string): Promise<boolean> {
    return deps.bootstrapAdmins.length > 0 || deps.people.anyAdminGranted(teamId);
  }
  return { hasAdmins };
}
export type AdminSetupService = ReturnType<typeof createAdminSetupService>;
