import { DomainError } from '../errors.ts';
import { shortIdOf } from '../identifiers.ts';
import type { SubmissionEvent } from '../events.ts';
import type { FieldValues } from '../fields.ts';
import { planRoute, routingProblem, type ResolutionContext } from '../routing.ts';
import type { SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import type { RuleContext } from './context.ts';
import { openStep } from './progress.ts';
import { Recorder, stageDefinition } from './recorder.ts';

export interface NewSubmission {
  readonly id: string;
  readonly teamId: string;
  readonly workflowVersion: number;
  readonly requesterId: string;
  readonly title: string;
  readonly fields: FieldValues;
  readonly entityKey: string | null;
  readonly predecessor: SubmissionState | null;
  /** The request that already revised `predecessor`, if one did. */
  readonly predecessorRevisedAs?: string | null | undefined;
}

/**
 * Whether `requesterId` may revise `predecessor` into a new request: it ended rejected or sent back, it is
 * theirs, and nobody revised it yet (one notice makes one revision). Throws the refusal.
 */
export function checkRevisable(predecessor: SubmissionState, requesterId: string, revisedAs: string | null): void {
  if (predecessor.status !== 'rejected' && predecessor.status !== 'changes_requested') {
    throw new DomainError('cannot_resubmit', 'Only a request that was rejected or sent back for changes can be revised and resubmitted.');
  }
  if (predecessor.requesterId !== requesterId) throw new DomainError('not_requester', 'Only the person who made the request can resubmit it.');
  if (revisedAs) throw new DomainError('cannot_resubmit', `This request was already revised as \`${shortIdOf(revisedAs)}\`. Follow that one (\`/approval status ${shortIdOf(revisedAs)}\`), or revise it if it comes back.`);
}

/** Starts a request: records it, skips stages whose condition fails, opens the first step. */
export function startSubmission(definition: WorkflowDefinition, input: NewSubmission, ctx: RuleContext): SubmissionEvent[] {
  const { predecessor } = input;
  if (predecessor) {
    checkRevisable(predecessor, input.requesterId, input.predecessorRevisedAs ?? null);
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

