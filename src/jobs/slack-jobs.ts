import { delegationNotice, reminderNotice } from '../../blocks/cards.ts';
import { checkpointWitness } from '../../blocks/checkpoint.ts';
import { pendingReviewers } from '../domain/index.ts';
import { deliverMessage } from './card-delivery.ts';
import type { WorkerContext } from './context.ts';
import { cardVersion, loadCardInput, loadDeliveryInput, renderCard } from './render.ts';
import { messageKeys, type JobData } from './registry.ts';
import { callForTeam } from './team-slack.ts';

type Card = JobData<'slack', 'card'>;

/** Posts or updates one card, rendered from the request as it is now. */
export async function handleCardJob(ctx: WorkerContext, card: Card, claimant: string): Promise<void> {
  const input = await loadDeliveryInput(ctx, card.teamId, card.submissionId);
  if (!input) return;
  const delegation = card.delegationId ? await ctx.services.ledger.delegations.find(card.delegationId) : null;
  const message = renderCard(input, card, delegation);
  if (!message) return;
  const ref = {
    teamId: card.teamId,
    key: messageKeys.card(card.kind, card.submissionId, card.stageInstanceId, card.recipientId, card.delegationId),
    kind: card.kind,
    submissionId: card.submissionId,
    stageInstanceId: card.stageInstanceId,
    delegationId: card.delegationId,
    recipientId: card.recipientId,
  };
  await deliverMessage(ctx, ref, message, {
    mode: card.mode === 'ensure' ? 'ensure' : 'refresh', claimant, version: cardVersion(input, card, delegation), force: card.mode === 'reassert',
  });
}

/** A reminder goes in the thread of the reviewer's card; without a card, the card itself is the reminder. */
export async function handleReminderJob(ctx: WorkerContext, job: JobData<'slack', 'reminder'>, claimant: string): Promise<void> {
  const input = await loadCardInput(ctx, job.teamId, job.submissionId);
  const stage = input?.submission.stages.find((s) => s.id === job.stageInstanceId);
  if (!input || !stage || stage.status !== 'open' || !pendingReviewers(stage).includes(job.recipientId)) return;
  const cardKey = messageKeys.card('reviewer', job.submissionId, job.stageInstanceId, job.recipientId, null);
  const card = await ctx.services.ledger.messages.find(job.teamId, cardKey);
  if (!card?.ts || !card.channel) {
    await handleCardJob(ctx, { teamId: job.teamId, kind: 'reviewer', mode: 'ensure', submissionId: job.submissionId, stageInstanceId: job.stageInstanceId, recipientId: job.recipientId, delegationId: null }, claimant);
    return;
  }
  const ref = {
    teamId: job.teamId, key: messageKeys.reminder(job.stageInstanceId, job.n, job.recipientId), kind: 'reminder' as const,
    submissionId: job.submissionId, stageInstanceId: job.stageInstanceId, delegationId: null, recipientId: job.recipientId,
  };
  await deliverMessage(ctx, ref, reminderNotice({ ...input, stageInstanceId: stage.id, reviewerId: job.recipientId }), {
    mode: 'ensure', claimant, thread: { channel: card.channel, ts: card.ts },
  });
}

export async function handleDelegationNoticeJob(ctx: WorkerContext, job: JobData<'slack', 'delegation-notice'>, claimant: string): Promise<void> {
  const delegation = await ctx.services.ledger.delegations.find(job.delegationId);
  if (!delegation) return;
  const message = delegationNotice({ fromUserId: delegation.fromUserId, toUserId: delegation.toUserId, phase: job.phase, until: delegation.endsAt, workflowKey: delegation.workflowKey });
  const ref = {
    teamId: job.teamId, key: messageKeys.delegationNotice(job.delegationId, job.phase), kind: 'delegation_notice' as const,
    submissionId: null, stageInstanceId: null, delegationId: job.delegationId, recipientId: delegation.toUserId,
  };
  await deliverMessage(ctx, ref, message, { mode: 'ensure', claimant });
}

export async function handleHomeJob(ctx: WorkerContext, job: JobData<'slack', 'home'>, claimant?: string): Promise<void> {
  if (!ctx.renderHome) return;
  // Nobody is looking at the tab of someone who has not opened it lately; it is drawn fresh when they do.
  if (!(await ctx.services.home.isViewing(job.teamId, job.userId))) return;
  const view = await ctx.renderHome(ctx.services, job.teamId, job.userId, ctx.deps.clock());
  await callForTeam(ctx, job.teamId, 'views.publish', (slack) => slack.views.publish({ user_id: job.userId, view }), claimant);
}

/** Posts a signed checkpoint to the witness channel once, however often the job runs. */
export async function handleCheckpointJob(ctx: WorkerContext, job: JobData<'slack', 'checkpoint'>, claimant: string): Promise<void> {
  const ref = {
    teamId: job.teamId, key: messageKeys.checkpoint(job.chainId, job.seq), kind: 'checkpoint' as const,
    submissionId: null, stageInstanceId: null, delegationId: null, recipientId: job.channelId,
  };
  await deliverMessage(ctx, ref, checkpointWitness({ chainId: job.chainId, seq: job.seq, text: job.text }), { mode: 'ensure', claimant });
}
