import type { Logger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { reviewerCard } from '../../../../blocks/cards.ts';
import type { DecisionKind, WorkflowDefinition } from '../../../domain/index.ts';
import type { RequestMeta } from '../../../services/index.ts';
import { loadRequest, type SlackDeps } from '../../context.ts';
import { publishHome } from '../../home/render-home.ts';

/**
 * Brings roles bound to Slack user groups up to date. When Slack cannot be reached the last synced members
 * stand: a person's decision should not fail because a directory lookup did.
 */
export async function syncRolesOrKeep(deps: SlackDeps, teamId: string, meta: RequestMeta, definition: WorkflowDefinition, logger: Logger): Promise<void> {
  try {
    await deps.directory.syncBoundRoles(deps.services, teamId, meta, definition);
  } catch (error) {
    logger.warn('could not sync roles from Slack user groups; using the last known members', error);
  }
}

/** The card a click came from, so it can be redrawn with the outcome. */
export interface CardLocation {
  readonly channelId: string;
  readonly ts: string;
}

export interface CardDecision {
  readonly teamId: string;
  readonly actorId: string;
  readonly submissionId: string;
  readonly stageInstanceId: string;
  readonly workflowVersion: number;
  readonly kind: DecisionKind;
  readonly reason?: string | undefined;
  readonly delegateTo?: string | undefined;
  readonly idempotencyKey: string;
}

/**
 * A card decision through the core: roles bound to Slack user groups are brought up to date first (they
 * decide who may act), then the gated decision. Throws the DomainError of a refusal.
 */
export async function decideFromCard(deps: SlackDeps, decision: CardDecision, meta: RequestMeta, logger: Logger): Promise<void> {
  const { definition } = await loadRequest(deps, decision.teamId, decision.submissionId);
  await syncRolesOrKeep(deps, decision.teamId, meta, definition, logger);
  await deps.services.decisions.decide({
    teamId: decision.teamId,
    submissionId: decision.submissionId,
    kind: decision.kind,
    actorId: decision.actorId,
    stageInstanceId: decision.stageInstanceId,
    workflowVersion: decision.workflowVersion,
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    ...(decision.delegateTo !== undefined ? { delegateTo: decision.delegateTo } : {}),
    idempotencyKey: decision.idempotencyKey,
  }, meta);
}

/** Redraws the clicker's card from the current state (after a decision, and after a refusal: it may be stale). */
export async function refreshCard(deps: SlackDeps, client: WebClient, logger: Logger, input: { teamId: string; submissionId: string; stageInstanceId: string; reviewerId: string; card: CardLocation }): Promise<void> {
  try {
    const { submission, definition } = await loadRequest(deps, input.teamId, input.submissionId);
    if (!submission.stages.some((s) => s.id === input.stageInstanceId)) return;
    const card = reviewerCard({ submission, definition, now: deps.clock(), stageInstanceId: input.stageInstanceId, reviewerId: input.reviewerId });
    await client.chat.update({ channel: input.card.channelId, ts: input.card.ts, text: card.text, blocks: card.blocks });
  } catch (error) {
    // The decision (or refusal) stands either way; a card that could not be redrawn is redrawn by the next update.
    logger.warn('could not refresh a reviewer card', error);
  }
}

/**
 * Redraws where the decision was made: the card it came from, or (for buttons on the Home tab, which have no
 * message) the clicker's Home tab.
 */
export async function refreshAfterDecision(deps: SlackDeps, client: WebClient, logger: Logger, input: { teamId: string; submissionId: string; stageInstanceId: string; reviewerId: string; card: CardLocation | null }): Promise<void> {
  if (input.card) {
    await refreshCard(deps, client, logger, { ...input, card: input.card });
    return;
  }
  try {
    await publishHome(client, deps, input.teamId, input.reviewerId);
  } catch (error) {
    logger.warn('could not refresh the Home tab after a decision', error);
  }
}
