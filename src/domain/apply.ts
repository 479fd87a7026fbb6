import type { SubmissionEvent } from './events.ts';
import type { Decision, DecisionKind, StageInstance, SubmissionState, SubmissionStatus } from './submission.ts';

const DECISION_KIND_OF = {
  'decision.approved': 'approve',
  'decision.rejected': 'reject',
  'decision.changes_requested': 'request_changes',
  'decision.delegated': 'delegate',
  'decision.retracted': 'retract',
  'decision.commented': 'comment',
} as const satisfies Record<string, DecisionKind>;

const FINAL_STATUS_OF = {
  'submission.approved': 'approved',
  'submission.rejected': 'rejected',
  'submission.changes_requested': 'changes_requested',
  'submission.withdrawn': 'withdrawn',
  'submission.cancelled': 'cancelled',
} as const satisfies Record<string, SubmissionStatus>;

function updateStage(state: SubmissionState, stageInstanceId: string | null, change: (stage: StageInstance) => StageInstance): SubmissionState {
  const index = state.stages.findIndex((s) => s.id === stageInstanceId);
  if (index < 0) throw new Error(`event names unknown stage instance ${String(stageInstanceId)} of submission ${state.id}`);
  const stages = [...state.stages];
  stages[index] = change(stages[index] as StageInstance);
  return { ...state, stages };
}

/**
 * Applies one recorded fact to a submission. Pure and total over the facts `decide` emits, so the same
 * function serves live decisions and rebuilding a submission from its audit trail.
 */
export function applyEvent(state: SubmissionState | null, event: SubmissionEvent, at: string): SubmissionState {
  if (event.type === 'submission.created') {
    const d = event.details;
    return {
      id: event.submissionId,
      teamId: d.teamId,
      workflowKey: d.workflowKey,
      workflowVersion: d.workflowVersion,
      requesterId: d.requesterId,
      title: d.title,
      fields: d.fields,
      entityKey: d.entityKey,
      predecessorId: d.predecessorId,
      status: 'submitted',
      plan: d.plan,
      skippedStageIds: [],
      currentStepIndex: null,
      stages: [],
      createdAt: at,
      closedAt: null,
      endReason: null,
    };
  }
  if (!state) throw new Error(`${event.type} before submission.created`);

  switch (event.type) {
    case 'stage.skipped':
      return { ...state, skippedStageIds: [...state.skippedStageIds, event.stageId ?? ''] };
    case 'stage.opened': {
      const d = event.details;
      const stage: StageInstance = {
        id: event.stageInstanceId ?? '',
        stageId: event.stageId ?? '',
        name: d.name,
        step: d.step,
        status: 'open',
        rule: d.rule,
        pool: d.pool,
        required: d.required,
        openedAt: at,
        dueAt: d.dueAt,
        closedAt: null,
        escalatedAt: null,
        escalatedVia: null,
        decisions: [],
        grants: [],
      };
      const stepIndex = state.plan.findIndex((p) => p.step === d.step);
      return { ...state, status: 'in_review', currentStepIndex: stepIndex, stages: [...state.stages, stage] };
    }
    case 'decision.approved':
    case 'decision.rejected':
    case 'decision.changes_requested':
    case 'decision.delegated':
    case 'decision.retracted':
    case 'decision.commented': {
      const decision: Decision = {
        id: event.details.decisionId,
        kind: DECISION_KIND_OF[event.type],
        actorId: event.actorId ?? '',
        principalId: event.details.principalId,
        capacity: event.capacity ?? { kind: 'named' },
        reason: event.reason,
        delegateTo: event.type === 'decision.delegated' ? event.details.delegateTo : null,
        at,
        retractedAt: null,
      };
      const retractedId = event.type === 'decision.retracted' ? event.details.retractedDecisionId : null;
      const delegateTo = event.type === 'decision.delegated' ? event.details.delegateTo : null;
      return updateStage(state, event.stageInstanceId, (stage) => ({
        ...stage,
        decisions: [...stage.decisions.map((d) => (d.id === retractedId ? { ...d, retractedAt: at } : d)), decision],
        grants: delegateTo ? [...stage.grants, { userId: delegateTo, kind: 'delegate', onBehalfOf: decision.principalId, at }] : stage.grants,
      }));
    }
    case 'stage.escalated':
      return updateStage(state, event.stageInstanceId, (stage) => ({
        ...stage,
        escalatedAt: at,
        escalatedVia: event.details.via ?? null,
        grants: [...stage.grants, ...event.details.targets.map((userId) => ({ userId, kind: 'escalation' as const, onBehalfOf: null, at }))],
      }));
    case 'stage.approved':
    case 'stage.rejected':
    case 'stage.changes_requested':
    case 'stage.closed': {
      const status = event.type === 'stage.approved' ? 'approved' : event.type === 'stage.rejected' ? 'rejected' : event.type === 'stage.changes_requested' ? 'changes_requested' : 'closed';
      return updateStage(state, event.stageInstanceId, (stage) => ({ ...stage, status, closedAt: at }));
    }
    case 'submission.approved':
    case 'submission.rejected':
    case 'submission.changes_requested':
    case 'submission.withdrawn':
    case 'submission.cancelled':
      return { ...state, status: FINAL_STATUS_OF[event.type], currentStepIndex: null, closedAt: at, endReason: event.reason };
  }
}

export function applyEvents(state: SubmissionState | null, events: readonly SubmissionEvent[], at: string): SubmissionState {
  let current = state;
  for (const event of events) current = applyEvent(current, event, at);
  if (!current) throw new Error('no events to apply');
  return current;
}
