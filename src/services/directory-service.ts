import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { DomainError } from '../domain/index.ts';
import { boundRoleNames } from '../db/directory-repository.ts';
import { AppAdmin, Delegation, Role, RoleMember, UserManager } from '../db/entities/index.ts';
import { pooledRunner } from '../db/sql.ts';
import { isAdmin, requireAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';
import { slackUserIdSchema } from '../domain/index.ts';

const userId = slackUserIdSchema('must be a Slack user');
const roleName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'Role names use a-z, 0-9 and _ and start with a letter');

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new DomainError('invalid_input', `${what} ${result.error.issues[0]?.message ?? 'is not valid'}`, { [what]: result.error.issues[0]?.message ?? 'not valid' });
  return result.data;
}

export interface DelegationInput {
  readonly teamId: string;
  readonly fromUserId: string;
  readonly toUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly workflowKey?: string | null;
  readonly reason?: string | null;
}

/** Makes a role's members exactly `members`, touching only the rows that change; true when any did. */
async function replaceMembers(em: EntityManager, teamId: string, roleName: string, members: readonly string[]): Promise<boolean> {
  const current = await em.find(RoleMember, { teamId, roleName });
  const wanted = new Set(members);
  const removed = current.filter((m) => !wanted.has(m.userId));
  const added = members.filter((userId) => !current.some((m) => m.userId === userId));
  for (const member of removed) em.remove(member);
  for (const userId of added) em.create(RoleMember, { teamId, roleName, userId });
  return removed.length + added.length > 0;
}

export function createDirectoryService(deps: ServiceDeps) {
  /** Replaces a role's members (and optionally binds it to a Slack user group whose members follow it). */
  async function setRole(teamId: string, actorId: string, input: { name: string; description?: string; members: string[]; slackUsergroupId?: string | null }, meta: RequestMeta): Promise<void> {
    const name = parse(roleName, input.name, 'Role name');
    const members = [...new Set(input.members.map((m) => parse(userId, m, 'Member')))].sort();
    await inTransaction(deps, teamId, meta, async (em, uow) => {
      await requireAdmin(deps, em, teamId, actorId);
      const role = await em.findOne(Role, { teamId, name });
      if (role) em.assign(role, { description: input.description ?? role.description, slackUsergroupId: input.slackUsergroupId ?? null });
      else em.create(Role, { teamId, name, description: input.description ?? '', slackUsergroupId: input.slackUsergroupId ?? null });
      await em.flush();
      await replaceMembers(em, teamId, name, members);
      uow.record({ type: 'role.updated', actorId, capacity: { kind: 'admin' }, details: { role: name, members, slackUsergroupId: input.slackUsergroupId ?? null } });
    });
  }

  /** Used by the Slack layer to follow a bound user group; recorded as done by the system. */
  async function syncRoleMembers(teamId: string, name: string, members: string[], meta: RequestMeta): Promise<boolean> {
    const sorted = [...new Set(members)].sort();
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      if (!(await replaceMembers(em, teamId, name, sorted))) return false;
      uow.record({ type: 'role.updated', capacity: { kind: 'system', rule: 'role follows its Slack user group' }, details: { role: name, members: sorted } });
      return true;
    });
    return result;
  }

  async function listRoles(teamId: string): Promise<{ name: string; description: string; slackUsergroupId: string | null; members: string[] }[]> {
    const em = deps.orm.em.fork();
    const [roles, members] = await Promise.all([em.find(Role, { teamId }, { orderBy: { name: 'asc' } }), em.find(RoleMember, { teamId })]);
    return roles.map((r) => ({ name: r.name, description: r.description, slackUsergroupId: r.slackUsergroupId ?? null, members: members.filter((m) => m.roleName === r.name).map((m) => m.userId) }));
  }

  async function setManager(teamId: string, actorId: string, user: string, manager: string | null, meta: RequestMeta): Promise<void> {
    const subject = parse(userId, user, 'User');
    const boss = manager === null ? null : parse(userId, manager, 'Manager');
    if (boss === subject) throw new DomainError('invalid_input', 'Someone cannot be their own manager.', { manager: 'Pick someone else' });
    await inTransaction(deps, teamId, meta, async (em, uow) => {
      await requireAdmin(deps, em, teamId, actorId);
      await em.nativeDelete(UserManager, { teamId, userId: subject });
      if (boss) em.create(UserManager, { teamId, userId: subject, managerId: boss });
      uow.record({ type: 'manager.updated', actorId, capacity: { kind: 'admin' }, details: { userId: subject, managerId: boss } });
    });
  }

  async function managerOf(teamId: string, user: string): Promise<string | null> {
    return (await deps.orm.em.fork().findOne(UserManager, { teamId, userId: user }))?.managerId ?? null;
  }

  async function grantAdmin(teamId: string, actorId: string, user: string, meta: RequestMeta): Promise<void> {
    const subject = parse(userId, user, 'User');
    await inTransaction(deps, teamId, meta, async (em, uow) => {
      await requireAdmin(deps, em, teamId, actorId);
      if (await em.findOne(AppAdmin, { teamId, userId: subject })) return;
      em.create(AppAdmin, { teamId, userId: subject, grantedBy: actorId });
      uow.record({ type: 'admin.granted', actorId, capacity: { kind: 'admin' }, details: { userId: subject } });
    });
  }

  /** Admins of a workspace: those from configuration (APPROVAL_ADMINS) first, then those granted in Slack. */
  async function listAdmins(teamId: string): Promise<{ userId: string; fromConfig: boolean; grantedBy: string | null }[]> {
    const granted = await deps.orm.em.fork().find(AppAdmin, { teamId }, { orderBy: { grantedAt: 'asc' } });
    return [
      ...deps.bootstrapAdmins.map((userId) => ({ userId, fromConfig: true, grantedBy: null })),
      ...granted.filter((a) => !deps.bootstrapAdmins.includes(a.userId)).map((a) => ({ userId: a.userId, fromConfig: false, grantedBy: a.grantedBy })),
    ];
  }

  async function revokeAdmin(teamId: string, actorId: string, user: string, meta: RequestMeta): Promise<void> {
    if (user === actorId) throw new DomainError('invalid_input', 'You cannot remove your own admin role; ask another admin.');
    if (deps.bootstrapAdmins.includes(user)) throw new DomainError('invalid_input', 'That person is an admin through the APPROVAL_ADMINS setting; change it there.');
    await inTransaction(deps, teamId, meta, async (em, uow) => {
      await requireAdmin(deps, em, teamId, actorId);
      const removed = await em.nativeDelete(AppAdmin, { teamId, userId: user });
      if (removed) uow.record({ type: 'admin.revoked', actorId, capacity: { kind: 'admin' }, details: { userId: user } });
    });
  }

  /** The team's roles whose members come from a Slack user group (synced before a decision needs them). */
  const boundRoles = (teamId: string): Promise<ReadonlySet<string>> => boundRoleNames(pooledRunner(deps.orm), teamId);

  async function checkAdmin(teamId: string, user: string): Promise<boolean> {
    return isAdmin(deps, deps.orm.em.fork(), teamId, user);
  }

  /** An out-of-office delegation: from `startsAt` to `endsAt`, the delegate may decide for the delegator. */
  async function createDelegation(input: DelegationInput, meta: RequestMeta): Promise<string> {
    const from = parse(userId, input.fromUserId, 'Delegator');
    const to = parse(userId, input.toUserId, 'Delegate');
    if (from === to) throw new DomainError('invalid_delegate', 'You cannot delegate to yourself.', { delegate: 'Pick someone else' });
    if (!(input.endsAt.getTime() > input.startsAt.getTime())) throw new DomainError('invalid_input', 'The delegation must end after it starts.', { until: 'Must be after the start' });
    if (input.endsAt.getTime() <= deps.clock().getTime()) throw new DomainError('invalid_input', 'The end date is in the past.', { until: 'Must be in the future' });
    const { result } = await inTransaction(deps, input.teamId, meta, async (em, uow) => {
      const id = deps.newId();
      em.create(Delegation, { id, teamId: input.teamId, fromUserId: from, toUserId: to, startsAt: input.startsAt, endsAt: input.endsAt, workflowKey: input.workflowKey ?? null, reason: input.reason ?? null });
      uow.record({
        type: 'delegation.created', actorId: from, capacity: { kind: 'named' }, reason: input.reason ?? null,
        details: { delegationId: id, to, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString(), workflowKey: input.workflowKey ?? null },
      });
      uow.enqueue('delegation.created', null, { delegationId: id, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString() });
      return id;
    });
    return result;
  }

  /** Ends a delegation now; only the delegator or an admin may. Returns how many were revoked. */
  async function revokeDelegations(teamId: string, actorId: string, fromUserId: string, meta: RequestMeta): Promise<number> {
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      if (actorId !== fromUserId) await requireAdmin(deps, em, teamId, actorId);
      const open = await em.find(Delegation, { teamId, fromUserId, revokedAt: null, endsAt: { $gt: deps.clock() } });
      for (const delegation of open) {
        delegation.revokedAt = deps.clock();
        uow.record({ type: 'delegation.revoked', actorId, capacity: actorId === fromUserId ? { kind: 'named' } : { kind: 'admin' }, details: { delegationId: delegation.id, to: delegation.toUserId } });
        uow.enqueue('delegation.revoked', null, { delegationId: delegation.id });
      }
      return open.length;
    });
    return result;
  }

  async function delegationsOf(teamId: string, user: string): Promise<Delegation[]> {
    return deps.orm.em.fork().find(Delegation, { teamId, $or: [{ fromUserId: user }, { toUserId: user }], revokedAt: null, endsAt: { $gt: deps.clock() } }, { orderBy: { startsAt: 'asc' } });
  }

  return { setRole, syncRoleMembers, listRoles, boundRoles, setManager, managerOf, grantAdmin, listAdmins, revokeAdmin, isAdmin: checkAdmin, createDelegation, revokeDelegations, delegationsOf };
}
export type DirectoryService = ReturnType<typeof createDirectoryService>;
