import { anyAdminGranted } from '../db/admin-queries.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Whether a workspace can be configured at all: someone must be an approval admin, from APPROVAL_ADMINS or
 * granted by another admin. With nobody, nothing can be set up, and the first `/approval` says how to start.
 */
export function createAdminSetupService(deps: Pick<ServiceDeps, 'orm' | 'bootstrapAdmins'>) {
  async function hasAdmins(teamId: string): Promise<boolean> {
    return deps.bootstrapAdmins.length > 0 || anyAdminGranted(deps.orm.em.fork(), teamId);
  }
  return { hasAdmins };
}
export type AdminSetupService = ReturnType<typeof createAdminSetupService>;
