import { resolveSpec, type Directory } from '../routing.ts';
import { isActive, pendingReviewers, principalOf, standingDecisions, type Capacity, type StageInstance, type SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import { resolution, stageDefinition } from './recorder.ts';

/*
 * Who may decide on a stage, and so who is asked: one rule, used by the decision gate, by the cards the worker
 * posts (and whether they carry buttons), by delegation start and by the Home tab. The requester is never one.
 */

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

/**
 * Whose say is already in use when `actorId` would act for `principalId`: the actor's own, or the principal's
 * (a review handed to this actor leaves the delegator's say for the actor to use, once). Null when the say is free.
 */
export function sayInUse(stage: StageInstance, actorId: string, principalId: string): 'actor' | 'principal' | null {
  const standing = standingDecisions(stage);
  if (standing.some((d) => d.actorId === actorId || d.principalId === actorId)) return 'actor';
  const handedToActor = (d: { kind: string; delegateTo: string | null }) => d.kind === 'delegate' && d.delegateTo === actorId;
  if (principalId !== actorId && standing.some((d) => d.principalId === principalId && !handedToActor(d))) return 'principal';
  return null;
}

/** The capacity in which `actorId` can decide on `stage` now (eligible, with a say to use), or null. */
export function mayDecide(actorId: string, stage: StageInstance, definition: WorkflowDefinition, state: SubmissionState, directory: Directory): Capacity | null {
  if (!isActive(state.status) || stage.status !== 'open') return null;
  const capacity = capacityOf(actorId, stage, definition, state, directory);
  if (!capacity) return null;
  return sayInUse(stage, actorId, principalOf(actorId, capacity)) ? null : capacity;
}

/** Whether `actorId` can take back their approval of `stage` now: it stands, the stage is open and they are still eligible. */
export function mayRetract(actorId: string, stage: StageInstance, definition: WorkflowDefinition, state: SubmissionState, directory: Directory): boolean {
  if (!isActive(state.status) || stage.status !== 'open') return false;
  const approved = stage.decisions.some((d) => d.kind === 'approve' && d.actorId === actorId && d.retractedAt === null);
  return approved && capacityOf(actorId, stage, definition, state, directory) !== null;
}

/** Someone a stage asks now, and which card they get: their own reviewer card, or a delegate's card for someone away. */
export interface AskedPerson {
  readonly userId: string;
  readonly capacity: Capacity;
  readonly card: 'reviewer' | 'delegate';
  /** The out-of-office delegation a delegate's card is for. */
  readonly delegationId: string | null;
}

export interface StageAudience {
  /** Everyone who may decide now, each once. */
  readonly asked: readonly AskedPerson[];
  /**
   * Reviewers the stage waits for who are away and whose delegates are all the requester: nobody can carry
   * their say while they are away (they keep their own card).
   */
  readonly uncovered: readonly string[];
  /** True when, without the uncovered reviewers, nobody left can bring the stage to its quorum. */
  readonly needsCover: boolean;
}

/** Who a stage asks right now: its reviewers and grant holders, and the out-of-office delegates of those away. */
export function stageAudience(stage: StageInstance, definition: WorkflowDefinition, state: SubmissionState, directory: Directory): StageAudience {
  const pending = pendingReviewers(stage);
  const candidates = new Set<string>([...stage.pool, ...stage.grants.map((g) => g.userId)]);
  const uncovered: string[] = [];
  for (const reviewer of pending) {
    const away = directory.activeDelegationsFrom(reviewer);
    for (const delegation of away) candidates.add(delegation.toUserId);
    if (away.length > 0 && away.every((d) => d.toUserId === state.requesterId)) uncovered.push(reviewer);
  }
  const asked: AskedPerson[] = [];
  for (const userId of candidates) {
    const capacity = mayDecide(userId, stage, definition, state, directory);
    if (!capacity) continue;
    const delegationId = capacity.kind === 'delegate' ? capacity.delegationId : null;
    asked.push({ userId, capacity, card: delegationId ? 'delegate' : 'reviewer', delegationId });
  }
  const present = new Set(asked.filter((a) => !uncovered.includes(a.userId)).map((a) => principalOf(a.userId, a.capacity)));
  const approvals = new Set(standingDecisions(stage).filter((d) => d.kind === 'approve').map((d) => d.principalId)).size;
  const needsCover = uncovered.length > 0 && approvals + present.size < stage.required;
  return { asked, uncovered, needsCover };
}
