import type { EntityManager } from '@mikro-orm/postgresql';
import {
  approvalCount, capacityOf, isActive, pendingReviewers,
  type DelegationLine, type HomeContent, type OwnRequest, type PendingItem, type SubmissionState, type WorkflowDefinition,
} from '../domain/index.ts';
import { loadDirectory } from '../db/directory-repository.ts';
import { Decision, Delegation, StageGrant, StageInstance, Submission, WorkflowVersion } from '../db/entities/index.ts';
import { toState } from '../db/submission-repository.ts';
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

/** Open stages of active requests that ask `userId` directly, through a grant, or through someone who delegated to them. */
async function candidateStageIds(em: EntityManager, teamId: string, userId: string, delegators: readonly string[]): Promise<string[]> {
  const people = [userId, ...delegators];
  const rows = await em.execute<{ id: string }[]>(
    `select si.id from stage_instance si join submission s on s.id = si.submission_id
      where s.team_id = ? and s.status in ('submitted', 'in_review') and si.status = 'open'
        and (exists (select 1 from jsonb_array_elements_text(si.pool) as p(u) where p.u = any(?::text[]))
          or exists (select 1 from stage_grant g where g.stage_instance_id = si.id and g.user_id = any(?::text[])))
      order by si.due_at asc
      limit 500`,
    [teamId, `{${people.join(',')}}`, `{${people.join(',')}}`],
  );
  return rows.map((r) => r.id);
}

async function loadStates(em: EntityManager, stageIds: readonly string[]): Promise<{ state: SubmissionState; versionId: string }[]> {
  if (stageIds.length === 0) return [];
  const openStages = await em.find(StageInstance, { id: { $in: [...stageIds] } });
  const submissionIds = [...new Set(openStages.map((s) => s.submissionId))];
  const [submissions, stages] = await Promise.all([
    em.find(Submission, { id: { $in: submissionIds } }),
    em.find(StageInstance, { submissionId: { $in: submissionIds } }, { orderBy: { openedAt: 'asc', step: 'asc', id: 'asc' } }),
  ]);
  const allStageIds = stages.map((s) => s.id);
  const [decisions, grants] = await Promise.all([
    em.find(Decision, { stageInstanceId: { $in: allStageIds } }, { orderBy: { decidedAt: 'asc', id: 'asc' } }),
    em.find(StageGrant, { stageInstanceId: { $in: allStageIds } }, { orderBy: { id: 'asc' } }),
  ]);
  return submissions.map((submission) => {
    const own = stages.filter((s) => s.submissionId === submission.id);
    const ownIds = new Set(own.map((s) => s.id));
    return {
      state: toState(submission, own, decisions.filter((d) => ownIds.has(d.stageInstanceId)), grants.filter((g) => ownIds.has(g.stageInstanceId))),
      versionId: submission.workflowVersionId,
    };
  });
}

export function createHomeService(deps: ServiceDeps, sources: HomeSources) {
  /** Everything `userId` has to do or watch, read at one moment. */
  async function pendingFor(em: EntityManager, teamId: string, userId: string, now: Date): Promise<PendingItem[]> {
    const incoming = await em.find(Delegation, { teamId, toUserId: userId, revokedAt: null, startsAt: { $lte: now }, endsAt: { $gt: now } });
    const loaded = await loadStates(em, await candidateStageIds(em, teamId, userId, incoming.map((d) => d.fromUserId)));
    const versions = loaded.length ? await em.find(WorkflowVersion, { id: { $in: [...new Set(loaded.map((l) => l.versionId))] } }) : [];
    const definitions = new Map<string, WorkflowDefinition>(versions.map((v) => [v.id, v.definition]));

    const items: PendingItem[] = [];
    for (const { state, versionId } of loaded) {
      const definition = definitions.get(versionId);
      if (!definition || !isActive(state.status) || state.requesterId === userId) continue;
      const directory = await loadDirectory(em, { teamId, roles: rolesOf(definition), people: [userId, state.requesterId], workflowKey: state.workflowKey, at: now });
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

  return { homeFor, pendingFor: (teamId: string, userId: string, now: Date = deps.clock()) => pendingFor(deps.orm.em.fork(), teamId, userId, now) };
}
export type HomeService = ReturnType<typeof createHomeService>;
