import type { SubmissionEvent, SubmissionState } from '../domain/index.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** Facts that change nothing anyone sees (a skipped stage is shown from the plan) need no delivery. */
const SILENT: ReadonlySet<string> = new Set(['stage.skipped']);

/**
 * Records a submission's new facts in the audit trail and queues what must happen after commit: cards to
 * post or refresh, timers to set or clear, people to tell, webhooks to call. Workers read the topic.
 */
export function recordSubmissionEvents(uow: UnitOfWork, state: SubmissionState, events: readonly SubmissionEvent[]): void {
  for (const event of events) {
    const eventId = uow.record({
      type: event.type,
      submissionId: event.submissionId,
      workflowKey: state.workflowKey,
      workflowVersion: state.workflowVersion,
      stageInstanceId: event.stageInstanceId,
      stageId: event.stageId,
      actorId: event.actorId,
      capacity: event.capacity,
      reason: event.reason,
      details: event.details,
    });
    if (SILENT.has(event.type)) continue;
    uow.enqueue(event.type, event.submissionId, {
      eventId,
      submissionId: event.submissionId,
      stageInstanceId: event.stageInstanceId,
      actorId: event.actorId,
    });
  }
}
