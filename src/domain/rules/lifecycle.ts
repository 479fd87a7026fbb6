import { DomainError } from '../errors.ts';
import type { SubmissionEvent } from '../events.ts';
import { isActive, type SubmissionState } from '../submission.ts';
import type { RuleContext } from './context.ts';
import { ENDED_MESSAGE } from './ended.ts';
import { closeOthers } from './progress.ts';
import { Recorder } from './recorder.ts';

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

