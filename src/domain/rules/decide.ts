import { DomainError } from '../errors.ts';
import type { SubmissionEvent } from '../events.ts';
import { hasUnstorableCharacter, UNSTORABLE_MESSAGE } from '../fields.ts';
import { isSlackUserId } from '../identifiers.ts';
import { approvalCount, decidedPeople, isActive, openStages, principalOf, type Capacity, type Decision, type DecisionKind, type StageInstance, type SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import { MAX_REASON_LENGTH, type RuleContext } from './context.ts';
import { capacityOf, sayInUse } from './eligibility.ts';
import { ENDED_MESSAGE } from './ended.ts';
import { advance, closeOthers } from './progress.ts';
import { Recorder } from './recorder.ts';

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

/** Where a decision would land, once the gate lets it through: the stage, in what capacity, using whose say. */
export interface Admitted {
  readonly stage: StageInstance;
  readonly capacity: Capacity;
  readonly principalId: string;
}

/**
 * The gate without the reason: whether `cmd.actorId` may make this kind of decision now (the request is active,
 * the card is current, they are eligible and have their say). Throws the refusal; asked before a reason modal
 * opens, so a stale card is refused before anyone types.
 */
export function admit(state: SubmissionState, definition: WorkflowDefinition, cmd: DecisionCommand, ctx: RuleContext): Admitted {
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
  if (cmd.kind === 'comment') return { stage, capacity, principalId };
  if (cmd.kind === 'retract') {
    if (!ownApproval(stage, cmd.actorId)) throw new DomainError('nothing_to_retract', 'You have no approval on this stage to retract.');
    return { stage, capacity, principalId };
  }
  const used = sayInUse(stage, cmd.actorId, principalId);
  if (used === 'actor') throw new DomainError('already_decided', `You have already had your say on stage "${stage.name}".`);
  if (used === 'principal') throw new DomainError('already_decided', `<@${principalId}> has already had their say on stage "${stage.name}", so it cannot be used again.`);
  return { stage, capacity, principalId };
}

const ownApproval = (stage: StageInstance, actorId: string) => stage.decisions.find((d) => d.kind === 'approve' && d.actorId === actorId && d.retractedAt === null);

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
  const { stage, capacity, principalId } = admit(state, definition, cmd, ctx);
  const envelope = { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, actorId: cmd.actorId, capacity, reason };
  const rec = new Recorder(state, ctx.now);
  const decisionId = ctx.newId();

  if (cmd.kind === 'comment') {
    rec.emit('decision.commented', envelope, { decisionId, principalId });
    return rec.events;
  }

  if (cmd.kind === 'retract') {
    const approval = ownApproval(stage, cmd.actorId) as Decision;
    rec.emit('decision.retracted', envelope, { decisionId, principalId: approval.principalId, retractedDecisionId: approval.id });
    return rec.events;
  }

  const decided = decidedPeople(stage);
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

