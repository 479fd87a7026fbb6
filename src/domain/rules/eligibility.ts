import { resolveSpec, type Directory } from '../routing.ts';
import type { Capacity, StageInstance, SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import { resolution, stageDefinition } from './recorder.ts';

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

