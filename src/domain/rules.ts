import { DomainError } from './errors.ts';
import { applyEvent } from './apply.ts';
import type { SubmissionEvent, SubmissionEventDetails, SubmissionEventType } from './events.ts';
import { hasUnstorableCharacter, UNSTORABLE_MESSAGE, type FieldValues } from './fields.ts';
import { planRoute, requiredApprovals, resolvePool, resolveSpec, routingProblem, type Directory, type ResolutionContext } from './routing.ts';
import {
  approvalCount, decidedPeople, isActive, openStages, pendingReviewers, principalOf,
  type Capacity, type DecisionKind, type StageInstance, type SubmissionState,
} from './submission.ts';
import type { StageDefinition, WorkflowDefinition } from './workflow.ts';
import { isSlackUserId } from './identifiers.ts';

export interface RuleContext {
  readonly now: Date;
  readonly directory: Directory;
  readonly newId: () => string;
}

export const MAX_REASON_LENGTH = 2000;
const HOUR_MS = 3_600_000;

/** Collects events while keeping the state they produce, so later rules see earlier facts. */
class Recorder {
  readonly events: SubmissionEvent[] = [];
  state: SubmissionState | null;
  private readonly at: string;

  constructor(state: SubmissionState | null, now: Date) {
    this.state = state;
    this.at = now.toISOString();
  }

  emit<K extends SubmissionEventType>(
    type: K,
    envelope: { submissionId: string; stageInstanceId?: string | null; stageId?: string | null; actorId?: string | null; capacity?: Capacity | null; reason?: string | null },
    details: SubmissionEventDetails[K],
  ): void {
    const event = {
      type,
      submissionId: envelope.submissionId,
      stageInstanceId: envelope.stageInstanceId ?? null,
      stageId: envelope.stageId ?? null,
      actorId: envelope.actorId ?? null,
      capacity: envelope.capacity ?? null,
      reason: envelope.reason ?? null,
      details,
    } as SubmissionEvent;
    this.events.push(event);
    this.state = applyEvent(this.state, event, this.at);
  }

  get current(): SubmissionState {
    if (!this.state) throw new Error('no submission yet');
    return this.state;
  }
}

const stageDefinition = (definition: WorkflowDefinition, stageId: string): StageDefinition => {
  const stage = definition.stages.find((s) => s.id === stageId);
  if (!stage) throw new Error(`workflow ${definition.key} has no stage ${stageId}`);
  return stage;
};

const resolution = (state: SubmissionState, directory: Directory): ResolutionContext => ({
  requesterId: state.requesterId,
  fields: state.fields,
  directory,
});

function openStep(rec: Recorder, definition: WorkflowDefinition, stepIndex: number, ctx: RuleContext): void {
  const state = rec.current;
  const step = state.plan[stepIndex];
  if (!step) {
    rec.emit('submission.approved', { submissionId: state.id }, {});
    return;
  }
  for (const stageId of step.stageIds) {
    const stage = stageDefinition(definition, stageId);
    const pool = resolvePool(stage.approvers, resolution(state, ctx.directory));
    rec.emit(
      'stage.opened',
      { submissionId: state.id, stageInstanceId: ctx.newId(), stageId },
      {
        name: stage.name,
        step: step.step,
        rule: stage.rule,
        pool,
        required: requiredApprovals(stage.rule, pool.length),
        dueAt: new Date(ctx.now.getTime() + stage.slaHours * HOUR_MS).toISOString(),
      },
    );
  }
}

/** After a stage completes: when its whole step is done, open the next step (or approve the submission). */
function advance(rec: Recorder, definition: WorkflowDefinition, ctx: RuleContext): void {
  const state = rec.current;
  const index = state.currentStepIndex;
  if (index === null) return;
  const stepNumber = state.plan[index]?.step;
  const stepStages = state.stages.filter((s) => s.step === stepNumber);
  if (stepStages.every((s) => s.status === 'approved')) openStep(rec, definition, index + 1, ctx);
}

function closeOthers(rec: Recorder, exceptId: string | null, why: string): void {
  for (const stage of openStages(rec.current)) {
    if (stage.id === exceptId) continue;
    rec.emit('stage.closed', { submissionId: rec.current.id, stageInstanceId: stage.id, stageId: stage.stageId }, { why });
  }
}

export interface NewSubmission {
  readonly id: string;
  readonly teamId: string;
  readonly workflowVersion: number;
  readonly requesterId: string;
  readonly title: string;
  readonly fields: FieldValues;
  readonly entityKey: string | null;
  readonly predecessor: SubmissionState | null;
}

/** Starts a request: records it, skips stages whose condition fails, opens the first step. */
export function startSubmission(definition: WorkflowDefinition, input: NewSubmission, ctx: RuleContext): SubmissionEvent[] {
  const { predecessor } = input;
  if (predecessor) {
    if (predecessor.status !== 'rejected' && predecessor.status !== 'changes_requested') {
      throw new DomainError('cannot_resubmit', 'Only a request that was rejected or sent back for changes can be revised and resubmitted.');
    }
    if (predecessor.requesterId !== input.requesterId) throw new DomainError('not_requester', 'Only the person who made the request can resubmit it.');
    if (predecessor.workflowKey !== definition.key) throw new DomainError('invalid_input', 'A resubmission must use the same workflow as the original request.');
  }
  const plan = planRoute(definition, input.fields);
  const ctxFor: ResolutionContext = { requesterId: input.requesterId, fields: input.fields, directory: ctx.directory };
  for (const step of plan.steps) {
    for (const stageId of step.stageIds) {
      const problem = routingProblem(stageDefinition(definition, stageId), ctxFor);
      if (problem) throw new DomainError('unroutable', `This request cannot be routed: ${problem}`);
    }
  }

  const rec = new Recorder(null, ctx.now);
  rec.emit(
    'submission.created',
    { submissionId: input.id, actorId: input.requesterId, capacity: { kind: 'requester' } },
    {
      teamId: input.teamId,
      workflowKey: definition.key,
      workflowVersion: input.workflowVersion,
      requesterId: input.requesterId,
      title: input.title,
      fields: input.fields,
      entityKey: input.entityKey,
      predecessorId: predecessor?.id ?? null,
      plan: plan.steps,
    },
  );
  for (const stage of plan.skipped) {
    rec.emit('stage.skipped', { submissionId: input.id, stageId: stage.id }, { reason: 'its condition does not hold for this request' });
  }
  openStep(rec, definition, 0, ctx);
  return rec.events;
}

/** In what capacity `actorId` may decide on `stage` right now, or null when they may not. */
export function capacityOf(actorId: string, stage: StageInstance, definition: WorkflowDefinition, state: SubmissionState, directory: Directory): Capacity | null {
  if (actorId === state.requesterId) return null;
  const stageDef = stageDefinition(definition, stage.stageId);
  const ctx = resolution(state, directory);
  const direct = (userId: string): Capacity | null => {
    for (const spec of stageDef.approvers) {
      if (!resolveSpec(spec, ctx).includes(userId)) continue;
      switch (spec.type) {
        case 'user': return { kind: 'named' };
        case 'role': return { kind: 'role', role: spec.role };
        case 'manager': return { kind: 'manager' };
        case 'field': return { kind: 'field', fieldId: spec.fieldId };
      }
    }
    return null;
  };
  const own = direct(actorId);
  if (own) return own;
  const grant = stage.grants.find((g) => g.userId === actorId);
  if (grant?.kind === 'escalation') return { kind: 'escalation' };
  if (grant?.kind === 'delegate' && grant.onBehalfOf) return { kind: 'delegate', of: grant.onBehalfOf, delegationId: null };
  for (const delegation of directory.activeDelegationsTo(actorId)) {
    if (delegation.fromUserId !== state.requesterId && direct(delegation.fromUserId)) {
      return { kind: 'delegate', of: delegation.fromUserId, delegationId: delegation.id };
    }
  }
  return null;
}

export interface DecisionCommand {
  readonly kind: DecisionKind;
  readonly actorId: string;
  /** The stage the person saw (from a card); absent for API callers who mean "whatever is open for me". */
  readonly stageInstanceId?: string | undefined;
  readonly workflowVersion?: number | undefined;
  readonly reason?: string | undefined;
  readonly delegateTo?: string | undefined;
}

const NEEDS_REASON: Partial<Record<DecisionKind, string>> = {
  reject: 'Please say why you are rejecting this request.',
  request_changes: 'Please say what should change.',
  delegate: 'Please say why you are handing this on.',
  retract: 'Please say why you are retracting your approval.',
  comment: 'A comment cannot be empty.',
};

const ENDED_MESSAGE: Record<string, string> = {
  approved: 'This request has already been approved.',
  rejected: 'This request has already been rejected.',
  changes_requested: 'This request was sent back for changes; the requester will resubmit it.',
  withdrawn: 'This request was withdrawn by the requester.',
  cancelled: 'This request was cancelled.',
};

function targetStage(state: SubmissionState, definition: WorkflowDefinition, cmd: DecisionCommand, ctx: RuleContext): StageInstance {
  const open = openStages(state);
  const openNames = open.map((s) => `"${s.name}"`).join(' and ');
  if (cmd.stageInstanceId) {
    const stage = state.stages.find((s) => s.id === cmd.stageInstanceId);
    if (!stage) throw new DomainError('stale', 'This card does not belong to the request it names. Please use the latest card.');
    if (stage.status !== 'open') {
      throw new DomainError('stale', `This card is out of date: stage "${stage.name}" is already ${stage.status === 'approved' ? 'complete' : 'closed'}; the request is now at ${openNames || 'its end'}.`);
    }
    return stage;
  }
  const mine = open.filter((s) => capacityOf(cmd.actorId, s, definition, state, ctx.directory) !== null);
  if (mine.length === 1 && mine[0]) return mine[0];
  if (mine.length > 1) throw new DomainError('ambiguous_stage', `You can act on more than one open stage (${mine.map((s) => s.name).join(', ')}); say which one.`);
  if (cmd.actorId === state.requesterId && cmd.kind !== 'comment') throw new DomainError('self_decision', 'You cannot decide on your own request.');
  if (cmd.kind === 'comment' && open[0]) return open[0];
  throw new DomainError('not_eligible', `You are not one of the approvers of ${openNames || 'this request'}.`);
}

/**
 * The gate every decision passes, from a Slack click, an API call or a timer. Returns the facts to record,
 * or throws a DomainError saying why the decision is refused.
 */
export function decide(state: SubmissionState, definition: WorkflowDefinition, cmd: DecisionCommand, ctx: RuleContext): SubmissionEvent[] {
  const reason = cmd.reason?.trim() || null;
  const reasonMessage = NEEDS_REASON[cmd.kind];
  if (reasonMessage && !reason) throw new DomainError('reason_required', reasonMessage, { reason: reasonMessage });
  if (reason && reason.length > MAX_REASON_LENGTH) {
    throw new DomainError('invalid_input', `The reason must be at most ${MAX_REASON_LENGTH} characters.`, { reason: `At most ${MAX_REASON_LENGTH} characters` });
  }
  if (reason && hasUnstorableCharacter(reason)) throw new DomainError('invalid_input', `The reason ${UNSTORABLE_MESSAGE}.`, { reason: `The reason ${UNSTORABLE_MESSAGE}` });
  if (!isActive(state.status)) throw new DomainError('not_active', ENDED_MESSAGE[state.status] ?? 'This request is no longer active.');
  if (cmd.workflowVersion !== undefined && cmd.workflowVersion !== state.workflowVersion) {
    throw new DomainError('stale', 'This card was made for a different version of the workflow. Please use the latest card.');
  }
  const stage = targetStage(state, definition, cmd, ctx);
  const isRequester = cmd.actorId === state.requesterId;
  if (isRequester && cmd.kind !== 'comment') throw new DomainError('self_decision', 'You cannot decide on your own request.');

  const capacity: Capacity | null = isRequester ? { kind: 'requester' } : capacityOf(cmd.actorId, stage, definition, state, ctx.directory);
  if (!capacity) throw new DomainError('not_eligible', `You are not one of the approvers of stage "${stage.name}".`);
  const principalId = principalOf(cmd.actorId, capacity);
  const envelope = { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, actorId: cmd.actorId, capacity, reason };
  const rec = new Recorder(state, ctx.now);
  const decisionId = ctx.newId();

  if (cmd.kind === 'comment') {
    rec.emit('decision.commented', envelope, { decisionId, principalId });
    return rec.events;
  }

  if (cmd.kind === 'retract') {
    const approval = stage.decisions.find((d) => d.kind === 'approve' && d.actorId === cmd.actorId && d.retractedAt === null);
    if (!approval) throw new DomainError('nothing_to_retract', 'You have no approval on this stage to retract.');
    rec.emit('decision.retracted', envelope, { decisionId, principalId: approval.principalId, retractedDecisionId: approval.id });
    return rec.events;
  }

  const decided = decidedPeople(stage);
  if (decided.has(cmd.actorId)) throw new DomainError('already_decided', `You have already had your say on stage "${stage.name}".`);
  // A review handed to this actor leaves the delegator's say for the actor to use, once.
  const principalUsed = stage.decisions.some((d) => d.principalId === principalId && !(d.kind === 'delegate' && d.delegateTo === cmd.actorId) && d.kind !== 'comment');
  if (principalId !== cmd.actorId && principalUsed) throw new DomainError('already_decided', `<@${principalId}> has already had their say on stage "${stage.name}", so it cannot be used again.`);

  switch (cmd.kind) {
    case 'approve': {
      const approvedElsewhere = state.stages.some(
        (s) => s.id !== stage.id && s.decisions.some((d) => d.kind === 'approve' && d.retractedAt === null && (d.actorId === cmd.actorId || d.principalId === principalId)),
      );
      if (definition.oneStagePerApprover && approvedElsewhere) {
        throw new DomainError('one_stage_per_person', 'This workflow lets one person approve only one stage of a request, and you already approved another.');
      }
      rec.emit('decision.approved', envelope, { decisionId, principalId });
      const updated = rec.current.stages.find((s) => s.id === stage.id) as StageInstance;
      const count = approvalCount(updated);
      if (count >= updated.required) {
        rec.emit('stage.approved', { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId }, { approvals: count, required: updated.required });
        advance(rec, definition, ctx);
      }
      return rec.events;
    }
    case 'reject':
      rec.emit('decision.rejected', envelope, { decisionId, principalId });
      rec.emit('stage.rejected', { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId }, {});
      closeOthers(rec, stage.id, 'the request was rejected in another stage');
      rec.emit('submission.rejected', { submissionId: state.id, reason }, {});
      return rec.events;
    case 'request_changes':
      rec.emit('decision.changes_requested', envelope, { decisionId, principalId });
      rec.emit('stage.changes_requested', { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId }, {});
      closeOthers(rec, stage.id, 'changes were requested in another stage');
      rec.emit('submission.changes_requested', { submissionId: state.id, reason }, {});
      return rec.events;
    case 'delegate': {
      const to = cmd.delegateTo;
      if (!to || !isSlackUserId(to)) throw new DomainError('invalid_delegate', 'Please pick the person to hand this to.', { delegateTo: 'Pick a person' });
      if (to === state.requesterId) throw new DomainError('invalid_delegate', 'You cannot hand a request to the person who made it.', { delegateTo: 'That is the requester' });
      if (to === cmd.actorId) throw new DomainError('invalid_delegate', 'Pick someone other than yourself.', { delegateTo: 'Pick someone else' });
      if (decided.has(to)) throw new DomainError('invalid_delegate', `<@${to}> has already had their say on this stage.`, { delegateTo: 'Already decided' });
      rec.emit('decision.delegated', envelope, { decisionId, principalId, delegateTo: to });
      return rec.events;
    }
  }
}

/** The requester takes the request back. */
export function withdraw(state: SubmissionState, actorId: string, reason: string | null, ctx: RuleContext): SubmissionEvent[] {
  if (actorId !== state.requesterId) throw new DomainError('not_requester', 'Only the person who made the request can withdraw it.');
  if (!isActive(state.status)) throw new DomainError('not_active', ENDED_MESSAGE[state.status] ?? 'This request is no longer active.');
  const rec = new Recorder(state, ctx.now);
  closeOthers(rec, null, 'the request was withdrawn');
  rec.emit('submission.withdrawn', { submissionId: state.id, actorId, capacity: { kind: 'requester' }, reason }, {});
  return rec.events;
}

/** An admin stops a request (for example one made in error); the reason is required for the record. */
export function cancel(state: SubmissionState, actor: { readonly id: string; readonly isAdmin: boolean }, reason: string, ctx: RuleContext): SubmissionEvent[] {
  const actorId = actor.id;
  if (!actor.isAdmin) throw new DomainError('forbidden', 'Only approval admins can cancel a request.');
  if (!reason.trim()) throw new DomainError('reason_required', 'Please say why the request is cancelled.');
  if (!isActive(state.status)) throw new DomainError('not_active', ENDED_MESSAGE[state.status] ?? 'This request is no longer active.');
  const rec = new Recorder(state, ctx.now);
  closeOthers(rec, null, 'the request was cancelled');
  rec.emit('submission.cancelled', { submissionId: state.id, actorId, capacity: { kind: 'admin' }, reason: reason.trim() }, {});
  return rec.events;
}

/**
 * A stage's SLA has passed. Applies the stage's timeout action, or nothing when the stage is no longer open
 * (a timer that fires late or twice must do no harm).
 */
export function timeoutStage(state: SubmissionState, definition: WorkflowDefinition, stageInstanceId: string, ctx: RuleContext): SubmissionEvent[] {
  const stage = state.stages.find((s) => s.id === stageInstanceId);
  if (!stage || stage.status !== 'open' || !isActive(state.status)) return [];
  if (ctx.now.getTime() < Date.parse(stage.dueAt)) return [];
  const stageDef = stageDefinition(definition, stage.stageId);
  const rec = new Recorder(state, ctx.now);
  const rule = `stage "${stageDef.name}" passed its ${stageDef.slaHours}h SLA: ${stageDef.onTimeout}`;
  const system: Capacity = { kind: 'system', rule };
  const envelope = { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, capacity: system, reason: rule };
  switch (stageDef.onTimeout) {
    case 'escalate': {
      if (stage.escalatedAt) return [];
      const ctxFor = resolution(state, ctx.directory);
      const pending = pendingReviewers(stage);
      const targets = stageDef.escalateTo
        ? resolvePool(stageDef.escalateTo, ctxFor)
        : [...new Set(pending.map((u) => ctx.directory.managerOf(u)).filter((m): m is string => m !== null && m !== state.requesterId))].sort();
      const fresh = targets.filter((t) => !decidedPeople(stage).has(t));
      rec.emit('stage.escalated', envelope, { targets: fresh, overdueBy: ctx.now.getTime() - Date.parse(stage.dueAt) });
      return rec.events;
    }
    case 'auto_approve':
      rec.emit('stage.approved', envelope, { approvals: approvalCount(stage), required: stage.required });
      advance(rec, definition, ctx);
      return rec.events;
    case 'auto_reject':
      rec.emit('stage.rejected', envelope, {});
      closeOthers(rec, stage.id, 'the request was rejected when another stage timed out');
      rec.emit('submission.rejected', { submissionId: state.id, capacity: system, reason: rule }, {});
      return rec.events;
  }
}
