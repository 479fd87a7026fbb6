import type { FieldValues } from './fields.ts';
import type { EscalationVia } from './rules/timeout.ts';
import type { ApprovalRule } from './workflow.ts';

export const SUBMISSION_STATUSES = ['submitted', 'in_review', 'approved', 'rejected', 'changes_requested', 'withdrawn', 'cancelled'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
export const ACTIVE_STATUSES: readonly SubmissionStatus[] = ['submitted', 'in_review'];
export const isActive = (status: SubmissionStatus): boolean => ACTIVE_STATUSES.includes(status);

export const STAGE_STATUSES = ['open', 'approved', 'rejected', 'changes_requested', 'closed'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export const DECISION_KINDS = ['approve', 'reject', 'request_changes', 'delegate', 'retract', 'comment'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
/** Decisions that use up a person's one say on a stage. */
export const FINAL_DECISION_KINDS: readonly DecisionKind[] = ['approve', 'reject', 'request_changes', 'delegate'];

/** In what capacity someone acted: recorded on every decision so an auditor can see why it counted. */
export type Capacity =
  | { kind: 'named' }
  | { kind: 'role'; role: string }
  | { kind: 'manager' }
  | { kind: 'field'; fieldId: string }
  | { kind: 'delegate'; of: string; delegationId: string | null }
  | { kind: 'escalation' }
  | { kind: 'requester' }
  | { kind: 'admin' }
  | { kind: 'system'; rule: string };

/** The person whose say a decision uses: the delegator when acting as a delegate, else the actor. */
export const principalOf = (actorId: string, capacity: Capacity): string => (capacity.kind === 'delegate' ? capacity.of : actorId);

export interface Decision {
  readonly id: string;
  readonly kind: DecisionKind;
  readonly actorId: string;
  readonly principalId: string;
  readonly capacity: Capacity;
  readonly reason: string | null;
  readonly delegateTo: string | null;
  readonly at: string;
  readonly retractedAt: string | null;
}

export interface Grant {
  readonly userId: string;
  readonly kind: 'delegate' | 'escalation';
  /** For a delegate grant, whose say the holder carries. */
  readonly onBehalfOf: string | null;
  readonly at: string;
}

export interface StageInstance {
  readonly id: string;
  readonly stageId: string;
  readonly name: string;
  readonly step: number;
  readonly status: StageStatus;
  readonly rule: ApprovalRule;
  /** Who the stage asked when it opened (requester excluded). */
  readonly pool: readonly string[];
  readonly required: number;
  readonly openedAt: string;
  readonly dueAt: string;
  readonly closedAt: string | null;
  readonly escalatedAt: string | null;
  /** Who the escalation went to (see escalationOf); null before it, or for escalations recorded before this was kept. */
  readonly escalatedVia: EscalationVia | null;
  readonly decisions: readonly Decision[];
  readonly grants: readonly Grant[];
}

export interface PlannedStep {
  readonly step: number;
  readonly stageIds: readonly string[];
}

export interface SubmissionState {
  readonly id: string;
  readonly teamId: string;
  readonly workflowKey: string;
  readonly workflowVersion: number;
  readonly requesterId: string;
  readonly title: string;
  readonly fields: FieldValues;
  readonly entityKey: string | null;
  readonly predecessorId: string | null;
  readonly status: SubmissionStatus;
  /** The applicable stages, by step, fixed at submission from the request's fields. */
  readonly plan: readonly PlannedStep[];
  readonly skippedStageIds: readonly string[];
  /** Index into `plan` of the step under review, or null before the first opens or after the end. */
  readonly currentStepIndex: number | null;
  readonly stages: readonly StageInstance[];
  readonly createdAt: string;
  readonly closedAt: string | null;
  /** Why the request ended, as its last event said (a withdrawal's or cancellation's reason); null while active or when none was given. */
  readonly endReason: string | null;
}

export const openStages = (state: SubmissionState): StageInstance[] => state.stages.filter((s) => s.status === 'open');

export const activeApprovals = (stage: StageInstance): Decision[] =>
  stage.decisions.filter((d) => d.kind === 'approve' && d.retractedAt === null);

/** Distinct people whose approval counts toward the stage's quorum. */
export const approvalCount = (stage: StageInstance): number => new Set(activeApprovals(stage).map((d) => d.principalId)).size;

/**
 * Decisions that hold someone's say on the stage now: approvals not retracted, rejections, requests for changes
 * and hand-offs. A retracted approval gives the say back, so its author may decide again.
 */
export const standingDecisions = (stage: StageInstance): Decision[] =>
  stage.decisions.filter((d) => FINAL_DECISION_KINDS.includes(d.kind) && d.retractedAt === null);

/** People (actors and principals) whose say on this stage is in use. */
export function decidedPeople(stage: StageInstance): Set<string> {
  const people = new Set<string>();
  for (const d of standingDecisions(stage)) {
    people.add(d.actorId);
    people.add(d.principalId);
  }
  return people;
}

/** Reviewers asked by the stage who have not yet had their say (for reminders, cards, escalation). */
export function pendingReviewers(stage: StageInstance): string[] {
  const decided = decidedPeople(stage);
  const delegatedAway = new Set(stage.decisions.filter((d) => d.kind === 'delegate').map((d) => d.principalId));
  const holders = stage.grants.filter((g) => !decided.has(g.userId) && !(g.onBehalfOf && decided.has(g.onBehalfOf) && !delegatedAway.has(g.onBehalfOf)));
  const pending = new Set(stage.pool.filter((u) => !decided.has(u)));
  for (const grant of holders) pending.add(grant.userId);
  return [...pending];
}
