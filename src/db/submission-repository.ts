import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Decision as DecisionState, Grant, StageInstance as StageState, SubmissionState } from '../domain/index.ts';
import { Decision, StageGrant, StageInstance, Submission } from './entities/index.ts';

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
const toDate = (value: string | null): Date | null => (value ? new Date(value) : null);

export interface LoadedSubmission {
  readonly state: SubmissionState;
  readonly workflowVersionId: string;
}

/** Loads a submission with its stages, decisions and grants; `lock` takes the row lock that serializes decisions. */
export async function loadSubmission(em: EntityManager, id: string, options: { lock?: boolean } = {}): Promise<LoadedSubmission | null> {
  const submission = await em.findOne(Submission, { id }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!submission) return null;
  const stages = await em.find(StageInstance, { submissionId: id }, { orderBy: { openedAt: 'asc', step: 'asc', id: 'asc' } });
  const stageIds = stages.map((s) => s.id);
  const [decisions, grants] = stageIds.length
    ? await Promise.all([
        em.find(Decision, { stageInstanceId: { $in: stageIds } }, { orderBy: { decidedAt: 'asc', id: 'asc' } }),
        em.find(StageGrant, { stageInstanceId: { $in: stageIds } }, { orderBy: { id: 'asc' } }),
      ])
    : [[], []];
  return { state: toState(submission, stages, decisions, grants), workflowVersionId: submission.workflowVersionId };
}

export function toState(submission: Submission, stages: StageInstance[], decisions: Decision[], grants: StageGrant[]): SubmissionState {
  return {
    id: submission.id,
    teamId: submission.teamId,
    workflowKey: submission.workflowKey,
    workflowVersion: submission.workflowVersion,
    requesterId: submission.requesterId,
    title: submission.title,
    fields: submission.fields,
    entityKey: submission.entityKey ?? null,
    predecessorId: submission.predecessorId ?? null,
    status: submission.status,
    plan: submission.plan,
    skippedStageIds: submission.skippedStageIds,
    currentStepIndex: submission.currentStepIndex ?? null,
    createdAt: submission.createdAt.toISOString(),
    closedAt: iso(submission.closedAt),
    stages: stages.map((stage): StageState => ({
      id: stage.id,
      stageId: stage.stageId,
      name: stage.name,
      step: stage.step,
      status: stage.status,
      rule: stage.rule,
      pool: stage.pool,
      required: stage.required,
      openedAt: stage.openedAt.toISOString(),
      dueAt: stage.dueAt.toISOString(),
      closedAt: iso(stage.closedAt),
      escalatedAt: iso(stage.escalatedAt),
      decisions: decisions.filter((d) => d.stageInstanceId === stage.id).map((d): DecisionState => ({
        id: d.id,
        kind: d.kind,
        actorId: d.actorId,
        principalId: d.principalId,
        capacity: d.capacity,
        reason: d.reason ?? null,
        delegateTo: d.delegateTo ?? null,
        at: d.decidedAt.toISOString(),
        retractedAt: iso(d.retractedAt),
      })),
      grants: grants.filter((g) => g.stageInstanceId === stage.id).map((g): Grant => ({
        userId: g.userId,
        kind: g.kind,
        onBehalfOf: g.onBehalfOf ?? null,
        at: g.grantedAt.toISOString(),
      })),
    })),
  };
}

/**
 * Writes what changed between two states of one submission. Rows are only ever added or moved forward
 * (statuses, close times, retractions), mirroring the facts in the audit trail.
 */
export async function saveSubmission(em: EntityManager, before: SubmissionState | null, after: SubmissionState, workflowVersionId: string): Promise<void> {
  const columns = {
    status: after.status,
    skippedStageIds: [...after.skippedStageIds],
    currentStepIndex: after.currentStepIndex,
    closedAt: toDate(after.closedAt),
  };
  if (!before) {
    em.create(Submission, {
      id: after.id,
      teamId: after.teamId,
      workflowKey: after.workflowKey,
      workflowVersion: after.workflowVersion,
      workflowVersionId,
      requesterId: after.requesterId,
      title: after.title,
      fields: after.fields,
      entityKey: after.entityKey,
      predecessorId: after.predecessorId,
      plan: [...after.plan],
      createdAt: new Date(after.createdAt),
      ...columns,
    });
  } else {
    const row = await em.findOneOrFail(Submission, { id: after.id });
    em.assign(row, columns);
  }

  for (const stage of after.stages) {
    const previous = before?.stages.find((s) => s.id === stage.id);
    if (!previous) {
      em.create(StageInstance, {
        id: stage.id,
        submissionId: after.id,
        stageId: stage.stageId,
        name: stage.name,
        step: stage.step,
        status: stage.status,
        rule: stage.rule,
        pool: [...stage.pool],
        required: stage.required,
        openedAt: new Date(stage.openedAt),
        dueAt: new Date(stage.dueAt),
        closedAt: toDate(stage.closedAt),
        escalatedAt: toDate(stage.escalatedAt),
      });
    } else if (previous.status !== stage.status || previous.escalatedAt !== stage.escalatedAt) {
      const row = await em.findOneOrFail(StageInstance, { id: stage.id });
      em.assign(row, { status: stage.status, closedAt: toDate(stage.closedAt), escalatedAt: toDate(stage.escalatedAt) });
    }
    for (const decision of stage.decisions) {
      const old = previous?.decisions.find((d) => d.id === decision.id);
      if (!old) {
        em.create(Decision, {
          id: decision.id,
          submissionId: after.id,
          stageInstanceId: stage.id,
          kind: decision.kind,
          actorId: decision.actorId,
          principalId: decision.principalId,
          capacity: decision.capacity,
          reason: decision.reason,
          delegateTo: decision.delegateTo,
          decidedAt: new Date(decision.at),
          retractedAt: toDate(decision.retractedAt),
        });
      } else if (old.retractedAt !== decision.retractedAt) {
        const row = await em.findOneOrFail(Decision, { id: decision.id });
        em.assign(row, { retractedAt: toDate(decision.retractedAt) });
      }
    }
    for (const grant of stage.grants.slice(previous?.grants.length ?? 0)) {
      em.create(StageGrant, { stageInstanceId: stage.id, userId: grant.userId, kind: grant.kind, onBehalfOf: grant.onBehalfOf, grantedAt: new Date(grant.at) });
    }
  }
}
