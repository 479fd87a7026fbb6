import { z } from 'zod';
import { DomainError, slackUserIdSchema, storableText, workflowKeySchema } from '../domain/index.ts';
import type { DelegationRepository, DelegationRow } from '../db/delegation-repository.ts';
import type { PeopleRepository, RoleRow } from '../db/people-repository.ts';
import type { AdminCheck } from './admins.ts';
import { policyGuard } from './policy-refusals.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

const userId = slackUserIdSchema('must be a Slack user');
const roleName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'Role names use a-z, 0-9 and _ and start with a letter');
/** What people write here (a role's description, why they are away): any text that can be stored. */
const note = storableText().max(3000).optional().nullable();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new DomainError('invalid_input', `${what} ${result.error.issues[0]?.message ?? 'is not valid'}`, { [what]: result.error.issues[0]?.message ?? 'not valid' });
  return result.data;
}

export type RoleSummary = RoleRow;
export type { DelegationRow } from '../db/delegation-repository.ts';

export interface DelegationInput {
  readonly teamId: string;
  readonly fromUserId: string;
  readonly toUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly workflowKey?: string | null;
  readonly reason?: string | null;
}

export interface DirectoryServiceDeps {
  readonly transact: Transact;
  readonly people: Pick<PeopleRepository, 'roles' | 'saveRole' | 'replaceMembers' | 'setManager' | 'managerOf' | 'grantedAdmins' | 'grantAdmin' | 'revokeAdmin'>;
  readonly delegations: Pick<DelegationRepository, 'insert' | 'revokeFrom' | 'current'>;
  readonly admins: AdminCheck;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** Roles, managers, admins and out-of-office delegations: who may decide what, as admins and people set it. */
export function createDirectoryService(deps: DirectoryServiceDeps) {
  /** Replaces a role's members (and optionally binds it to a Slack user group whose members follow it). */
  async function setRole(teamId: string, actorId: string, input: { name: string; description?: string; members: string[]; slackUsergroupId?: string | null }, meta: RequestMeta): Promise<void> {
    const name = parse(roleName, input.name, 'Role name');
    parse(note, input.description, 'description');
    const members = [...new Set(input.members.map((m) => parse(userId, m, 'Member')))].sort();
    await deps.transact(teamId, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(teamId, actorId, tx);
      await deps.people.saveRole(tx, teamId, name, { description: input.description, slackUsergroupId: input.slackUsergroupId ?? null });
      await deps.people.replaceMembers(tx, teamId, name, members);
      uow.record({ type: 'role.updated', actorId, capacity: { kind: 'admin' }, details: { role: name, members, slackUsergroupId: input.slackUsergroupId ?? null } });
    });
  }

  async function setManager(teamId: string, actorId: string, user: string, manager: string | null, meta: RequestMeta): Promise<void> {
    const subject = parse(userId, user, 'User');
    const boss = manager === null ? null : parse(userId, manager, 'Manager');
    if (boss === subject) throw new DomainError('invalid_input', 'Someone cannot be their own manager.', { manager: 'Pick someone else' });
    await deps.transact(teamId, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(teamId, actorId, tx);
      await deps.people.setManager(tx, teamId, subject, boss);
      uow.record({ type: 'manager.updated', actorId, capacity: { kind: 'admin' }, details: { userId: subject, managerId: boss } });
    });
  }

  async function grantAdmin(teamId: string, actorId: string, user: string, meta: RequestMeta): Promise<void> {
    const subject = parse(userId, user, 'User');
    await deps.transact(teamId, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(teamId, actorId, tx);
      if (await deps.people.grantAdmin(tx, teamId, subject, actorId)) uow.record({ type: 'admin.granted', actorId, capacity: { kind: 'admin' }, details: { userId: subject } });
    });
  }

  /** Admins of a workspace: those from configuration (APPROVAL_ADMINS) first, then those granted in Slack. */
  async function listAdmins(teamId: string): Promise<{ userId: string; fromConfig: boolean; grantedBy: string | null }[]> {
    const granted = await deps.people.grantedAdmins(teamId);
    const configured = [...new Set(deps.admins.configuredFor(teamId))];
    return [
      ...configured.map((id) => ({ userId: id, fromConfig: true, grantedBy: null })),
      ...granted.filter((a) => !configured.includes(a.userId)).map((a) => ({ userId: a.userId, fromConfig: false, grantedBy: a.grantedBy })),
    ];
  }

  async function revokeAdmin(teamId: string, actorId: string, user: string, meta: RequestMeta): Promise<void> {
    if (user === actorId) throw new DomainError('invalid_input', 'You cannot remove your own admin role; ask another admin.');
    if (deps.admins.configuredFor(teamId).includes(user)) throw new DomainError('invalid_input', 'That person is an admin through the APPROVAL_ADMINS setting; change it there.');
    await deps.transact(teamId, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(teamId, actorId, tx);
      if (await deps.people.revokeAdmin(tx, teamId, user)) uow.record({ type: 'admin.revoked', actorId, capacity: { kind: 'admin' }, details: { userId: user } });
    });
  }

  /** An out-of-office delegation: from `startsAt` to `endsAt`, the delegate may decide for the delegator. */
  async function createDelegation(input: DelegationInput, meta: RequestMeta): Promise<string> {
    const from = parse(userId, input.fromUserId, 'Delegator');
    const to = parse(userId, input.toUserId, 'Delegate');
    parse(note, input.reason, 'reason');
    parse(workflowKeySchema.optional().nullable(), input.workflowKey, 'workflow');
    if (from === to) throw new DomainError('invalid_delegate', 'You cannot delegate to yourself.', { delegate: 'Pick someone else' });
    if (!(input.endsAt.getTime() > input.startsAt.getTime())) throw new DomainError('invalid_input', 'The delegation must end after it starts.', { until: 'Must be after the start' });
    if (input.endsAt.getTime() <= deps.clock().getTime()) throw new DomainError('invalid_input', 'The end date is in the past.', { until: 'Must be in the future' });
    const { result } = await deps.transact(input.teamId, meta, async (tx, uow) => {
      const id = deps.newId();
      await deps.delegations.insert(tx, {
        id, teamId: input.teamId, fromUserId: from, toUserId: to, startsAt: input.startsAt, endsAt: input.endsAt, workflowKey: input.workflowKey ?? null, reason: input.reason ?? null,
      });
      uow.record({
        type: 'delegation.created', actorId: from, capacity: { kind: 'named' }, reason: input.reason ?? null,
        details: { delegationId: id, to, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString(), workflowKey: input.workflowKey ?? null },
      });
      uow.enqueue('delegation.created', null, { delegationId: id, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString() });
      return id;
    });
    return result;
  }

  /** Ends a person's delegations now; only the delegator or an admin may. Returns how many were revoked. */
  async function revokeDelegations(teamId: string, actorId: string, fromUserId: string, meta: RequestMeta): Promise<number> {
    const { result } = await deps.transact(teamId, meta, async (tx, uow) => {
      if (actorId !== fromUserId) await deps.admins.requireAdmin(teamId, actorId, tx);
      const revoked = await deps.delegations.revokeFrom(tx, teamId, fromUserId, deps.clock());
      for (const delegation of revoked) {
        uow.record({ type: 'delegation.revoked', actorId, capacity: actorId === fromUserId ? { kind: 'named' } : { kind: 'admin' }, details: { delegationId: delegation.id, to: delegation.toUserId } });
        uow.enqueue('delegation.revoked', null, { delegationId: delegation.id });
      }
      return revoked.length;
    });
    return result;
  }

  const guarded = policyGuard(deps.transact);
  return {
    setRole: (teamId: string, actorId: string, input: Parameters<typeof setRole>[2], meta: RequestMeta) =>
      guarded(teamId, actorId, { attempted: 'role.update', role: input.name }, meta, () => setRole(teamId, actorId, input, meta)),
    listRoles: (teamId: string) => deps.people.roles(teamId),
    setManager: (teamId: string, actorId: string, user: string, manager: string | null, meta: RequestMeta) =>
      guarded(teamId, actorId, { attempted: 'manager.update', userId: user, managerId: manager }, meta, () => setManager(teamId, actorId, user, manager, meta)),
    managerOf: (teamId: string, user: string) => deps.people.managerOf(teamId, user),
    grantAdmin: (teamId: string, actorId: string, user: string, meta: RequestMeta) =>
      guarded(teamId, actorId, { attempted: 'admin.grant', userId: user }, meta, () => grantAdmin(teamId, actorId, user, meta)),
    listAdmins,
    revokeAdmin: (teamId: string, actorId: string, user: string, meta: RequestMeta) =>
      guarded(teamId, actorId, { attempted: 'admin.revoke', userId: user }, meta, () => revokeAdmin(teamId, actorId, user, meta)),
    isAdmin: (teamId: string, user: string) => deps.admins.isAdmin(teamId, user),
    /** An admin from configuration (APPROVAL_ADMINS): the deployment's operators, as opposed to admins granted in Slack. */
    isConfiguredAdmin: (teamId: string, user: string): boolean => deps.admins.configuredFor(teamId).includes(user),
    createDelegation,
    revokeDelegations,
    /** Delegations from or to `user` that have not ended or been revoked. */
    delegationsOf: (teamId: string, user: string): Promise<DelegationRow[]> => deps.delegations.current(teamId, user, deps.clock()),
  };
}
export type DirectoryService = ReturnType<typeof createDirectoryService>;
