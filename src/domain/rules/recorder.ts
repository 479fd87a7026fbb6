import { applyEvent } from '../apply.ts';
import type { SubmissionEvent, SubmissionEventDetails, SubmissionEventType } from '../events.ts';
import type { Directory, ResolutionContext } from '../routing.ts';
import type { Capacity, SubmissionState } from '../submission.ts';
import type { StageDefinition, WorkflowDefinition } from '../workflow.ts';

/** Collects events while keeping the state they produce, so later rules see earlier facts. */
export class Recorder {
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

export const stageDefinition = (definition: WorkflowDefinition, stageId: string): StageDefinition => {
  const stage = definition.stages.find((s) => s.id === stageId);
  if (!stage) throw new Error(`workflow ${definition.key} has no stage ${stageId}`);
  return stage;
};

export const resolution = (state: SubmissionState, directory: Directory): ResolutionContext => ({
  requesterId: state.requesterId,
  fields: state.fields,
  directory,
});

