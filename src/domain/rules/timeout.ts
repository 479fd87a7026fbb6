import { formatDuration } from '../durations.ts';
import type { SubmissionEvent } from '../events.ts';
import { resolvePool, type Directory } from '../routing.ts';
import { approvalCount, decidedPeople, isActive, pendingReviewers, type Capacity, type StageInstance, type SubmissionState } from '../submission.ts';
import type { StageDefinition, WorkflowDefinition } from '../workflow.ts';
import type { RuleContext } from './context.ts';
import { advance, closeOthers } from './progress.ts';
import { Recorder, resolution, stageDefinition } from './recorder.ts';

/** How long a stage has waited, what its SLA was and when it was due, for cards and the audit trail. */
export interface StageTiming {
  readonly waitedMs: number;
  readonly slaMs: number;
  readonly dueAt: string;
  /** How far past due (0 before). */
  readonly overdueMs: number;
}

export function stageTiming(stage: StageInstance, now: Date): StageTiming {
  const opened = Date.parse(stage.openedAt);
  const due = Date.parse(stage.dueAt);
  const end = stage.closedAt ? Date.parse(stage.closedAt) : now.getTime();
  return { waitedMs: Math.max(0, end - opened), slaMs: Math.max(0, due - opened), dueAt: stage.dueAt, overdueMs: Math.max(0, end - due) };
}

/** The SLA of a stage in words ("24 h"). */
export const slaText = (stage: StageInstance): string => formatDuration(stageTiming(stage, new Date(stage.dueAt)).slaMs);

/**
 * Who a late stage is escalated to, tried in order: the stage's escalation target, the late reviewers' managers,
 * then the workflow's admins (the workspace's approval admins: APPROVAL_ADMINS and those granted in Slack). Never
 * the requester, nobody who already had their say, and no admin who is one of the late reviewers. `nobody` when
 * the whole chain is empty: the request is stuck and its requester must be told.
 */
export type EscalationVia = 'escalation_target' | 'managers' | 'admins' | 'nobody';

export interface Escalation {
  readonly targets: string[];
  readonly via: EscalationVia;
  /** Why the chain went past its first links, in words for the audit trail and the requester (empty when it did not). */
  readonly why: string;
}

/** Why an escalation went past the stage's target and the managers, in words (empty when it did not). */
export function escalationWhy(via: EscalationVia, stageDef: Pick<StageDefinition, 'escalateTo'>): string {
  if (via === 'escalation_target' || via === 'managers') return '';
  const noTarget = stageDef.escalateTo ? "the stage's escalation target names nobody who can decide" : 'the stage names no escalation target';
  const why = `none of the late reviewers has a manager and ${noTarget}`;
  return via === 'admins' ? why : `${why}, and there is no approval admin who could decide`;
}

export function escalationTargets(state: SubmissionState, stage: StageInstance, stageDef: StageDefinition, directory: Directory): Escalation {
  const decided = decidedPeople(stage);
  const late = pendingReviewers(stage);
  const usable = (people: readonly string[]): string[] =>
    [...new Set(people)].filter((p) => p !== state.requesterId && !decided.has(p)).sort();
  const found = (targets: string[], via: EscalationVia): Escalation => ({ targets, via, why: escalationWhy(via, stageDef) });

  const named = stageDef.escalateTo ? usable(resolvePool(stageDef.escalateTo, resolution(state, directory))) : [];
  if (named.length > 0) return found(named, 'escalation_target');
  const managers = usable(late.map((u) => directory.managerOf(u)).filter((m): m is string => m !== null));
  if (managers.length > 0) return found(managers, 'managers');
  const admins = usable(directory.approvalAdmins()).filter((a) => !late.includes(a));
  if (admins.length > 0) return found(admins, 'admins');
  return found([], 'nobody');
}

const ESCALATED_TO: Record<EscalationVia, string> = {
  escalation_target: "escalated to the stage's escalation target",
  managers: "escalated to the late reviewers' managers",
  admins: 'escalated to the approval admins',
  nobody: 'stuck: nobody could be asked to decide',
};

/** What happened when an SLA passed, in words ("approved automatically: no decision within the 24 h SLA"). */
export function timeoutReason(action: StageDefinition['onTimeout'], sla: string, escalation?: Escalation): string {
  const late = `no decision within the ${sla} SLA`;
  switch (action) {
    case 'auto_approve': return `approved automatically: ${late}`;
    case 'auto_reject': return `rejected automatically: ${late}`;
    case 'escalate': {
      const via = escalation?.via ?? 'managers';
      return `${ESCALATED_TO[via]}: ${late}${escalation?.why ? ` (${escalation.why})` : ''}`;
    }
  }
}

/** Whether a closed stage was decided by its SLA passing (approved short of its quorum, or rejected with no rejection). */
export function timedOutOutcome(stage: StageInstance): 'approved' | 'rejected' | null {
  if (stage.status === 'approved' && approvalCount(stage) < stage.required) return 'approved';
  if (stage.status === 'rejected' && !stage.decisions.some((d) => d.kind === 'reject')) return 'rejected';
  return null;
}

/**
 * A stage's SLA has passed. Applies the stage's timeout action, or nothing when the stage is no longer open
 * (a timer that fires late or twice must do no harm). What happened is recorded in words, with how long the stage
 * waited and what its SLA was.
 */
export function timeoutStage(state: SubmissionState, definition: WorkflowDefinition, stageInstanceId: string, ctx: RuleContext): SubmissionEvent[] {
  const stage = state.stages.find((s) => s.id === stageInstanceId);
  if (!stage || stage.status !== 'open' || !isActive(state.status)) return [];
  if (ctx.now.getTime() < Date.parse(stage.dueAt)) return [];
  const stageDef = stageDefinition(definition, stage.stageId);
  const timing = stageTiming(stage, ctx.now);
  const sla = formatDuration(timing.slaMs);
  const rec = new Recorder(state, ctx.now);
  const system: Capacity = { kind: 'system', rule: `stage "${stageDef.name}" had no decision within its ${sla} SLA` };
  const envelope = (reason: string) => ({ submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, capacity: system, reason });
  switch (stageDef.onTimeout) {
    case 'escalate': {
      if (stage.escalatedAt) return [];
      const escalation = escalationTargets(state, stage, stageDef, ctx.directory);
      rec.emit('stage.escalated', envelope(timeoutReason('escalate', sla, escalation)), {
        targets: escalation.targets, overdueBy: timing.overdueMs, waitedMs: timing.waitedMs, slaMs: timing.slaMs, via: escalation.via,
      });
      return rec.events;
    }
    case 'auto_approve':
      rec.emit('stage.approved', envelope(timeoutReason('auto_approve', sla)), { approvals: approvalCount(stage), required: stage.required });
      advance(rec, definition, ctx);
      return rec.events;
    case 'auto_reject': {
      const reason = timeoutReason('auto_reject', sla);
      rec.emit('stage.rejected', envelope(reason), {});
      closeOthers(rec, stage.id, 'the request was rejected when another stage timed out');
      rec.emit('submission.rejected', { submissionId: state.id, capacity: system, reason }, {});
      return rec.events;
    }
  }
}
