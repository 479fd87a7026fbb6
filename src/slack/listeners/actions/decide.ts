import type { Logger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { reviewerCard } from '../../../../blocks/cards.ts';
import type { DecisionKind, SubmissionState, WorkflowDefinition } from '../../../domain/index.ts';
import type { RequestMeta } from '../../../services/index.ts';
import { rolesOf } from '../../../services/submission-service.ts';
import { loadRequest, type SlackDeps } from '../../context.ts';
import { publishHome } from '../../home/render-home.ts';

/**
 * Brings roles bound to Slack user groups up to date. When Slack cannot be reached the last synced members
 * stand: a person's decision should not fail because a directory lookup did. A workflow none of whose roles
 * is bound (the usual case) costs one small read.
 */
export async function syncRolesOrKeep(deps: SlackDeps, teamId: string, meta: RequestMeta, definition: WorkflowDefinition, logger: Logger, knownBoundRoles?: ReadonlySet<string>): Promise<void> {
  try {
    const bound = knownBoundRoles ?? await deps.services.directory.boundRoles(teamId);
    if (!rolesOf(definition).some((role) => bound.has(role))) return;
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
 * decide who may act), then the gated decision. Returns the submission as the decision left it (null when the
 * key was a replay); throws the DomainError of a refusal.
 */
export async function decideFromCard(deps: SlackDeps, decision: CardDecision, meta: RequestMeta, logger: Logger): Promise<SubmissionState | null> {
  const { definition, boundRoles } = await deps.services.submissions.decisionContext(decision.teamId, decision.submissionId);
  await syncRolesOrKeep(deps, decision.teamId, meta, definition, logger, boundRoles);
  let decided: SubmissionState | null = null;
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
  }, meta, { onCommitted: (state) => { decided = state; } });
  return decided;
}

export interface RefreshInput {
  readonly teamId: string;
  readonly submissionId: string;
  readonly stageInstanceId: string;
  readonly reviewerId: string;
  /** The submission as a decision just left it; without it (a refusal, a replay) the card is drawn from a fresh read. */
  readonly decided?: SubmissionState | null;
}

/** The submission to draw and its workflow version: the state a decision returned, or a fresh read. */
async function requestToDraw(deps: SlackDeps, input: RefreshInput): Promise<{ submission: SubmissionState; definition: WorkflowDefinition }> {
  if (!input.decided) return loadRequest(deps, input.teamId, input.submissionId);
  const { definition } = await deps.services.workflows.getVersion(input.teamId, input.decided.workflowKey, input.decided.workflowVersion);
  return { submission: input.decided, definition };
}

/** Redraws the clicker's card from the current state (after a decision, and after a refusal: it may be stale). */
export async function refreshCard(deps: SlackDeps, client: WebClient, logger: Logger, input: RefreshInput & { card: CardLocation }): Promise<void> {
  try {
    const { submission, definition } = await requestToDraw(deps, input);
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
export async function refreshAfterDecision(deps: SlackDeps, client: WebClient, logger: Logger, input: RefreshInput & { card: CardLocation | null }): Promise<void> {
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
