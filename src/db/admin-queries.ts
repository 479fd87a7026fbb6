import type { EntityManager } from '@mikro-orm/postgresql';
import { AppAdmin } from './entities/index.ts';

/** Whether anyone was granted the admin role in this workspace (admins from APPROVAL_ADMINS are not stored). */
export async function anyAdminGranted(em: EntityManager, teamId: string): Promise<boolean> {
  return (await em.count(AppAdmin, { teamId })) > 0;
}
