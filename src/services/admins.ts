import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../domain/index.ts';
import { isAdminRecorded } from '../db/directory-repository.ts';
import type { ServiceDeps } from './deps.ts';

export async function isAdmin(deps: ServiceDeps, em: EntityManager, teamId: string, userId: string): Promise<boolean> {
  return deps.bootstrapAdmins.includes(userId) || (await isAdminRecorded(em, teamId, userId));
}

export async function requireAdmin(deps: ServiceDeps, em: EntityManager, teamId: string, userId: string): Promise<void> {
  if (!(await isAdmin(deps, em, teamId, userId))) {
    throw new DomainError('forbidden', 'Only approval admins can do that. Ask an admin to grant you the admin role.');
  }
}
