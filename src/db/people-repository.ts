import type { Orm } from './orm.ts';
import { AppAdmin, Role, RoleMember, UserManager } from './entities/index.ts';
import type { Tx } from './transaction.ts';

export interface RoleRow {
  readonly name: string;
  readonly description: string;
  readonly slackUsergroupId: string | null;
  readonly members: string[];
}

/**
 * Who is who in a workspace, as admins configure it: roles and their members, managers, granted admins.
 * ORM entities (configuration edited a row at a time; src/db/README.md).
 */
export function createPeopleRepository(orm: Orm) {
  const em = (tx?: Tx) => tx?.em ?? orm.em.fork();
  return {
    async roles(teamId: string): Promise<RoleRow[]> {
      const db = em();
      const [roles, members] = await Promise.all([db.find(Role, { teamId }, { orderBy: { name: 'asc' } }), db.fork().find(RoleMember, { teamId })]);
      return roles.map((r) => ({
        name: r.name, description: r.description, slackUsergroupId: r.slackUsergroupId ?? null,
        members: members.filter((m) => m.roleName === r.name).map((m) => m.userId),
      }));
    },
    /** The team's roles whose members follow a Slack user group: role name to group id. */
    async boundRoles(teamId: string): Promise<Map<string, string>> {
      const rows = await em().find(Role, { teamId, slackUsergroupId: { $ne: null } });
      return new Map(rows.map((r) => [r.name, r.slackUsergroupId as string]));
    },
    /** Creates or updates a role's description and binding (members are set separately). */
    async saveRole(tx: Tx, teamId: string, name: string, changes: { description?: string | undefined; slackUsergroupId: string | null }): Promise<void> {
      const role = await tx.em.findOne(Role, { teamId, name });
      if (role) tx.em.assign(role, { description: changes.description ?? role.description, slackUsergroupId: changes.slackUsergroupId });
      else tx.em.create(Role, { teamId, name, description: changes.description ?? '', slackUsergroupId: changes.slackUsergroupId });
      await tx.em.flush();
    },
    /** Makes a role's members exactly `members`, touching only the rows that change; true when any did. */
    async replaceMembers(tx: Tx, teamId: string, roleName: string, members: readonly string[]): Promise<boolean> {
      const current = await tx.em.find(RoleMember, { teamId, roleName });
      const wanted = new Set(members);
      const removed = current.filter((m) => !wanted.has(m.userId));
      const added = members.filter((userId) => !current.some((m) => m.userId === userId));
      for (const member of removed) tx.em.remove(member);
      for (const userId of added) tx.em.create(RoleMember, { teamId, roleName, userId });
      return removed.length + added.length > 0;
    },
    async setManager(tx: Tx, teamId: string, userId: string, managerId: string | null): Promise<void> {
      await tx.em.nativeDelete(UserManager, { teamId, userId });
      if (managerId) tx.em.create(UserManager, { teamId, userId, managerId });
    },
    async managerOf(teamId: string, userId: string): Promise<string | null> {
      return (await em().findOne(UserManager, { teamId, userId }))?.managerId ?? null;
    },
    async isAdmin(teamId: string, userId: string, tx?: Tx): Promise<boolean> {
      return (await em(tx).count(AppAdmin, { teamId, userId })) > 0;
    },
    /** Whether anyone was granted the admin role in this workspace (admins from APPROVAL_ADMINS are not stored). */
    async anyAdminGranted(teamId: string): Promise<boolean> {
      return (await em().count(AppAdmin, { teamId })) > 0;
    },
    async grantedAdmins(teamId: string): Promise<{ userId: string; grantedBy: string }[]> {
      const rows = await em().find(AppAdmin, { teamId }, { orderBy: { grantedAt: 'asc' } });
      return rows.map((a) => ({ userId: a.userId, grantedBy: a.grantedBy }));
    },
    /** Grants admin unless already granted; true when it was new. */
    async grantAdmin(tx: Tx, teamId: string, userId: string, grantedBy: string): Promise<boolean> {
      if (await tx.em.findOne(AppAdmin, { teamId, userId })) return false;
      tx.em.create(AppAdmin, { teamId, userId, grantedBy });
      return true;
    },
    async revokeAdmin(tx: Tx, teamId: string, userId: string): Promise<boolean> {
      return (await tx.em.nativeDelete(AppAdmin, { teamId, userId })) > 0;
    },
  };
}
export type PeopleRepository = ReturnType<typeof createPeopleRepository>;
