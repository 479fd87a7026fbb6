import type { EntityManager } from '@mikro-orm/postgresql';
import {
  approvalCount, capacityOf, isActive, pendingReviewers,
  type DelegationLine, type Directory, type HomeContent, type OwnRequest, type PendingItem, type SubmissionState, type WorkflowDefinition,
} from '../domain/index.ts';
import { loadDirectory } from '../db/directory-repository.ts';
import { Delegation, StageInstance, Submission, WorkflowVersion } from '../db/entities/index.ts';
import { entityManagerRunner, type SqlRunner } from '../db/sql.ts';
import { loadSubmissionsByIds } from '../db/submission-queries.ts';
import { isAdmin } from './admins.ts';
import type { ServiceDeps } from './deps.ts';
import { rolesOf } from './submission-service.ts';
import type { WorkflowSummary } from './workflow-service.ts';

export interface RoleSummary {
  readonly name: string;
  readonly description: string;
  readonly slackUsergroupId: string | null;
  readonly members: readonly string[];
}

/** What the home read model needs from the other services (narrow, so tests can pass fakes). */
export interface HomeSources {
  listWorkflows(teamId: string): Promise<WorkflowSummary[]>;
  listRoles(teamId: string): Promise<RoleSummary[]>;
}

export const HOME_PENDING_LIMIT = 25;
export const HOME_REQUEST_LIMIT = 10;
/**
 * How long after opening the Home tab a person's tab is redrawn when something changes in the background.
 * Slack keeps the tab open as long as the person leaves it there; opening it again draws it fresh anyway.
 */
export const HOME_VIEWER_WINDOW_MS = 12 * 3600 * 1000;

/**
 * Requests with an open stage (of the 500 due first) that asks `userId` directly, through a grant, or through someone who delegated to them.
 * `pool @> '["U…"]'` (one per person) is what the GIN index on open stages' pools answers; grants come from their own index.
 */
async function candidateSubmissionIds(em: EntityManager, teamId: string, userId: string, delegators: readonly string[]): Promise<string[]> {
  const people = [userId, ...delegators];
  const inPool = people.map(() => 'pool @> ?::jsonb').join(' or ');
  const rows = await em.execute<{ submission_id: string }[]>(
    `select si.submission_id from stage_instance si join submission s on s.id = si.submission_id
      where s.team_id = ? and s.status in ('submitted', 'in_review') and si.status = 'open'
        and si.id in (select id from stage_instance where status = 'open' and (${inPool})
                      union select g.stage_instance_id from stage_grant g where g.user_id = any(?::text[]))
      order by si.due_at asc
      limit 500`,
    [teamId, ...people.map((p) => JSON.stringify([p])), `{${people.join(',')}}`],
  );
  return [...new Set(rows.map((r) => r.submission_id))];
}

/**
 * The directory each request needs, read once per workflow instead of once per request: roles of every version
 * shown, and everyone's managers and delegations. `forRequest` answers only about the viewer and that request's
 * requester, as a directory loaded for that request alone would.
 */
async function directoriesFor(em: EntityManager, teamId: string, userId: string, now: Date, loaded: readonly { state: SubmissionState; definition: WorkflowDefinition }[]) {
  const byWorkflow = new Map<string, { roles: Set<string>; people: Set<string> }>();
  for (const { state, definition } of loaded) {
    const entry = byWorkflow.get(state.workflowKey) ?? { roles: new Set<string>(), people: new Set<string>([userId]) };
    for (const role of rolesOf(definition)) entry.roles.add(role);
    entry.people.add(state.requesterId);
    byWorkflow.set(state.workflowKey, entry);
  }
  const directories = new Map<string, Directory>();
  await Promise.all([...byWorkflow].map(async ([workflowKey, q]) => {
    directories.set(workflowKey, await loadDirectory(em.fork(), { teamId, roles: [...q.roles], people: [...q.people], workflowKey, at: now }));
  }));
  return {
    forRequest(state: SubmissionState): Directory {
      const directory = directories.get(state.workflowKey) as Directory;
      const asked = (person: string) => person === userId || person === state.requesterId;
      return {
        roleMembers: (role) => directory.roleMembers(role),
        managerOf: (person) => (asked(person) ? directory.managerOf(person) : null),
        activeDelegationsTo: (person) => (asked(person) ? directory.activeDelegationsTo(person) : []),
      };
    },
  };
}

/** Independent reads, each on its own pooled connection at once (as the entity loads they replaced were). */
const parallelRunner = (em: EntityManager): SqlRunner => ({
  run: (statements) => Promise.all(statements.map(async (statement) => (await entityManagerRunner(em.fork()).run([statement]))[0] ?? [])),
});

export function createHomeService(deps: ServiceDeps, sources: HomeSources) {
  /** Everything `userId` has to do or watch, read at one moment. */
  async function pendingFor(em: EntityManager, teamId: string, userId: string, now: Date): Promise<PendingItem[]> {
    const incoming = await em.find(Delegation, { teamId, toUserId: userId, revokedAt: null, startsAt: { $lte: now }, endsAt: { $gt: now } });
    const loaded = await loadSubmissionsByIds(parallelRunner(em), await candidateSubmissionIds(em, teamId, userId, incoming.map((d) => d.fromUserId)));
    const versions = loaded.length ? await em.find(WorkflowVersion, { id: { $in: [...new Set(loaded.map((l) => l.workflowVersionId))] } }) : [];
    const definitions = new Map<string, WorkflowDefinition>(versions.map((v) => [v.id, v.definition]));

    const shown = loaded.flatMap(({ state, workflowVersionId }) => {
      const definition = definitions.get(workflowVersionId);
      return definition && isActive(state.status) && state.requesterId !== userId ? [{ state, definition }] : [];
    });
    const directories = await directoriesFor(em, teamId, userId, now, shown);
    const items: PendingItem[] = [];
    for (const { state, definition } of shown) {
      const directory = directories.forRequest(state);
      for (const stage of state.stages) {
        if (stage.status !== 'open') continue;
        const pending = pendingReviewers(stage);
        const capacity = capacityOf(userId, stage, definition, state, directory);
        if (!capacity) continue;
        // Asked in their own right (pool or grant), or carrying the say of someone still pending.
        const counts = pending.includes(userId) || (capacity.kind === 'delegate' && pending.includes(capacity.of));
        if (!counts) continue;
        const stepIndex = state.plan.findIndex((p) => p.step === stage.step);
        items.push({
          submissionId: state.id,
          stageInstanceId: stage.id,
          workflowVersion: state.workflowVersion,
          workflowName: definition.name,
          title: state.title,
          requesterId: state.requesterId,
          stageName: stage.name,
          stepNumber: stepIndex + 1,
          stepCount: state.plan.length,
          approvals: approvalCount(stage),
          required: stage.required,
          dueAt: stage.dueAt,
          capacity,
        });
      }
    }
    return items.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  async function requestsOf(em: EntityManager, teamId: string, userId: string): Promise<OwnRequest[]> {
    const rows = await em.find(Submission, { teamId, requesterId: userId }, { orderBy: { createdAt: 'desc' }, limit: HOME_REQUEST_LIMIT });
    const open = rows.length ? await em.find(StageInstance, { submissionId: { $in: rows.map((r) => r.id) }, status: 'open' }) : [];
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      workflowKey: row.workflowKey,
      status: row.status,
      createdAt: row.createdAt.toISOString(),
      openStageNames: open.filter((s) => s.submissionId === row.id).map((s) => s.name),
    }));
  }

  async function delegationsOf(em: EntityManager, teamId: string, userId: string, now: Date): Promise<DelegationLine[]> {
    const rows = await em.find(
      Delegation,
      { teamId, $or: [{ fromUserId: userId }, { toUserId: userId }], revokedAt: null, endsAt: { $gt: now } },
      { orderBy: { startsAt: 'asc' } },
    );
    return rows.map((d) => ({
      id: d.id,
      direction: d.fromUserId === userId ? 'out' : 'in',
      otherUserId: d.fromUserId === userId ? d.toUserId : d.fromUserId,
      startsAt: d.startsAt.toISOString(),
      endsAt: d.endsAt.toISOString(),
      workflowKey: d.workflowKey ?? null,
    }));
  }

  async function homeFor(teamId: string, userId: string, now: Date = deps.clock()): Promise<HomeContent> {
    const em = deps.orm.em.fork();
    const [pending, requests, delegations, admin] = await Promise.all([
      pendingFor(em.fork(), teamId, userId, now),
      requestsOf(em.fork(), teamId, userId),
      delegationsOf(em.fork(), teamId, userId, now),
      isAdmin(deps, em.fork(), teamId, userId),
    ]);
    const adminPart = admin ? { workflows: await sources.listWorkflows(teamId), roles: await sources.listRoles(teamId) } : null;
    return {
      userId,
      pending: pending.slice(0, HOME_PENDING_LIMIT),
      morePending: Math.max(0, pending.length - HOME_PENDING_LIMIT),
      requests,
      delegations,
      admin: adminPart,
    };
  }

  /** Slack told us `userId` opened the Home tab: from now on (for HOME_VIEWER_WINDOW_MS) background changes redraw it. */
  async function markOpened(teamId: string, userId: string): Promise<void> {
    await deps.orm.em.fork().execute(
      `insert into home_viewer (team_id, user_id, opened_at) values (?, ?, ?)
       on conflict (team_id, user_id) do update set opened_at = excluded.opened_at`,
      [teamId, userId, deps.clock()],
    );
  }

  /** Whether `userId` opened the Home tab recently enough that it may still be on their screen. */
  async function isViewing(teamId: string, userId: string): Promise<boolean> {
    const since = new Date(deps.clock().getTime() - HOME_VIEWER_WINDOW_MS);
    const rows = await deps.orm.em.fork().execute<{ one: number }[]>('select 1 as one from home_viewer where team_id = ? and user_id = ? and opened_at > ?', [teamId, userId, since]);
    return rows.length > 0;
  }

  return { homeFor, markOpened, isViewing, pendingFor: (teamId: string, userId: string, now: Date = deps.clock()) => pendingFor(deps.orm.em.fork(), teamId, userId, now) };
}
export type HomeService = ReturnType<typeof createHomeService>;
