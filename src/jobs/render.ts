import { createHash } from 'node:crypto';
import { context as contextBlock, delegationNotice, escalationNotice, outcomeNotice, requesterCard, reviewerCard, type CardInput, type EscalationView, type SlackMessage } from '../../blocks/cards.ts';
import { escapeMrkdwn } from '../../blocks/text.ts';
import { DomainError, isActive, mayDecide, mayRetract, stageAudience, type Directory, type StageInstance, type SubmissionState, type WorkflowDefinition } from '../domain/index.ts';
import type { DelegationRow } from '../services/delivery-ledger.ts';
import type { WorkerContext } from './context.ts';
import type { JobData } from './registry.ts';

/** The request and its workflow version as they are now, or null when the request does not exist. */
export async function loadCardInput(ctx: WorkerContext, teamId: string, submissionId: string): Promise<CardInput | null> {
  try {
    const { submission, definition } = await ctx.services.submissions.withVersion(teamId, submissionId);
    return { submission, definition, now: ctx.deps.clock() };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') return null;
    throw error;
  }
}

/** A request as cards are drawn from it: with the directory slice that says who may decide (the domain's rule). */
export interface DeliveryInput extends CardInput {
  readonly directory: Directory;
}

/** The request, its workflow version, its directory slice and revision links as they are now; null when the request does not exist. */
export async function loadDeliveryInput(ctx: WorkerContext, teamId: string, submissionId: string): Promise<DeliveryInput | null> {
  try {
    const found = await ctx.services.submissions.forCards(teamId, submissionId);
    return { ...found, now: ctx.deps.clock() };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') return null;
    throw error;
  }
}

/**
 * An escalation target's card says why it came to them, for as long as the stage stays open: who the late stage
 * went to, or (escalated before it was due) who is away with only the requester to decide for them.
 */
export function escalationOf(input: { submission: SubmissionState; definition: WorkflowDefinition; directory: Directory }, stage: StageInstance, userId: string): EscalationView | undefined {
  if (stage.status !== 'open' || !stage.escalatedAt) return undefined;
  if (!stage.grants.some((g) => g.kind === 'escalation' && g.userId === userId)) return undefined;
  const early = Date.parse(stage.escalatedAt) < Date.parse(stage.dueAt);
  const away = early ? stageAudience(stage, input.definition, input.submission, input.directory).uncovered : [];
  return { via: stage.escalatedVia, away };
}

export function delegationPhase(delegation: DelegationRow, now: Date): 'pending' | 'started' | 'ended' | 'revoked' {
  if (delegation.revokedAt) return 'revoked';
  if (now.getTime() >= delegation.endsAt.getTime()) return 'ended';
  if (now.getTime() < delegation.startsAt.getTime()) return 'pending';
  return 'started';
}

/** Who may do what on a card (the domain's rule): buttons only for someone the domain lets decide now. */
const abilitiesOf = (input: DeliveryInput, card: CardIdentity, stage: StageInstance) => ({
  canAct: mayDecide(card.recipientId, stage, input.definition, input.submission, input.directory) !== null,
  canRetract: mayRetract(card.recipientId, stage, input.definition, input.submission, input.directory),
});

type CardIdentity = Omit<JobData<'slack', 'card'>, 'mode'>;

/**
 * The version of the request a card shows: a digest of everything its renderer reads, except the clock, which it
 * reads only through what changes the card (overdue or not, a delegation's phase, the buttons). Two redraws of the
 * same version draw the same card but for how long the stage has waited, so the second is skipped (card-delivery.ts):
 * the wait a card shows is as of the request's last change.
 */
export function cardVersion(input: DeliveryInput, card: CardIdentity, delegation: DelegationRow | null): string {
  const { submission, predecessor, successorId, now } = input;
  const stage = card.stageInstanceId ? submission.stages.find((s) => s.id === card.stageInstanceId) : undefined;
  const facts = {
    card: [card.kind, card.submissionId, card.stageInstanceId, card.recipientId, card.delegationId],
    // A request's workflow version never changes, so its key and number stand for its definition.
    submission, predecessor: predecessor ?? null, successorId: successorId ?? null,
    overdue: submission.stages.map((s) => now.getTime() >= Date.parse(s.dueAt)),
    abilities: stage ? abilitiesOf(input, card, stage) : null,
    escalation: stage ? escalationOf(input, stage, card.recipientId) ?? null : null,
    delegation: delegation ? { ...delegation, phase: delegationPhase(delegation, now) } : null,
  };
  return createHash('sha1').update(JSON.stringify(facts)).digest('base64url');
}

/**
 * The one renderer of every card kind: the card to show now, from current state (never from the event that asked for it, so late or reordered jobs
 * still show the truth). Null when there is nothing to show (the stage does not exist, the request is still
 * running for an outcome notice).
 */
export function renderCard(input: DeliveryInput, card: CardIdentity, delegation: DelegationRow | null): SlackMessage | null {
  const { submission } = input;
  const stage = card.stageInstanceId ? submission.stages.find((s) => s.id === card.stageInstanceId) : undefined;
  // Buttons only for someone the domain lets decide now: a card never offers what a click would refuse.
  const abilities = (s: StageInstance) => abilitiesOf(input, card, s);
  switch (card.kind) {
    case 'requester':
      return requesterCard(input);
    case 'outcome':
      return isActive(submission.status) ? null : outcomeNotice(input);
    case 'reviewer':
      if (!stage) return null;
      return reviewerCard({ ...input, ...abilities(stage), stageInstanceId: stage.id, reviewerId: card.recipientId, escalation: escalationOf(input, stage, card.recipientId) });
    case 'escalation_notice':
      return stage ? escalationNotice({ ...input, stageInstanceId: stage.id }) : null;
    case 'delegate': {
      if (!stage || !delegation) return null;
      const phase = delegationPhase(delegation, input.now);
      if (phase === 'ended' || phase === 'revoked') {
        const notice = delegationNotice({ fromUserId: delegation.fromUserId, toUserId: delegation.toUserId, phase, until: delegation.endsAt, workflowKey: delegation.workflowKey });
        return { text: notice.text, blocks: [...notice.blocks, contextBlock(`This card was for *${escapeMrkdwn(submission.title)}*; it is back with <@${delegation.fromUserId}>.`)] };
      }
      // The delegate acts with the delegator's say, so the card shows the delegator's position on the stage.
      const card = reviewerCard({ ...input, ...abilities(stage), stageInstanceId: stage.id, reviewerId: delegation.fromUserId, escalation: undefined });
      const note = contextBlock(`:palm_tree: You decide on behalf of <@${delegation.fromUserId}>, who is away until <!date^${Math.floor(delegation.endsAt.getTime() / 1000)}^{date_short_pretty} {time}|${delegation.endsAt.toISOString()}>.`);
      return { text: card.text, blocks: [card.blocks[0], note, ...card.blocks.slice(1)].filter((b) => b !== undefined) };
    }
  }
}
