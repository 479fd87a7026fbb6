import { stageAudience, type StageInstance, type SubmissionState } from '../domain/index.ts';
import { parseOutboxMessage, type OutboxMessage } from '../services/outbox-topics.ts';
import { systemMeta, type WorkerContext } from './context.ts';
import { Outgoing } from './deliveries.ts';
import type { CardInput } from '../../blocks/cards.ts';
import { delegationPhase, loadCardInput, loadDeliveryInput, type DeliveryInput } from './render.ts';
import { jobIds, type JobData } from './registry.ts';
import { cancelTimersOf, scheduleDelegationTimers, scheduleStageTimers } from './timers.ts';

type Card = JobData<'slack', 'card'>;

async function queueHome(ctx: WorkerContext, cause: string, teamId: string, users: Iterable<string>): Promise<void> {
  if (!ctx.renderHome) return;
  // Only tabs opened lately are redrawn (the others are drawn fresh when opened): asked for all at once, so an
  // event whose people are not looking adds no job (the job asks again, as it may run later).
  const viewing = await ctx.services.home.viewingAmong(teamId, [...new Set(users)]);
  // A burst of events for one person publishes their Home once, a moment later, from the state by then.
  for (const userId of viewing) {
    await ctx.queues.add('slack', 'home', { teamId, userId }, { jobId: jobIds.home(cause, userId), delay: 250, coalesceKey: jobIds.home(teamId, userId) });
  }
}

/**
 * Refreshes every card already posted about a stage (reviewers, escalation targets, delegates), or only
 * `onlyFor`'s, drawn again even if it shows the current version (a refused click).
 */
async function refreshStageCards(ctx: WorkerContext, out: Outgoing, state: SubmissionState, stageInstanceId: string, onlyFor?: string): Promise<void> {
  for (const row of await ctx.services.ledger.messages.ofStage(stageInstanceId)) {
    if (row.kind !== 'reviewer' && row.kind !== 'delegate') continue;
    if (onlyFor && row.recipientId !== onlyFor) continue;
    out.card({ teamId: state.teamId, kind: row.kind, mode: onlyFor ? 'reassert' : 'refresh', submissionId: state.id, stageInstanceId, recipientId: row.recipientId, delegationId: row.delegationId });
  }
}

const requesterCard = (state: SubmissionState, mode: 'ensure' | 'refresh'): Card =>
  ({ teamId: state.teamId, kind: 'requester', mode, submissionId: state.id, stageInstanceId: null, recipientId: state.requesterId, delegationId: null });

/**
 * Cards for everyone the stage asks (the domain's rule: never the requester), and when only the requester could
 * move the stage, its escalation through the decision door. `onlyDelegation` limits the cards to one delegation's.
 */
export async function askReviewers(ctx: WorkerContext, out: Outgoing, input: DeliveryInput, stage: StageInstance, onlyDelegation?: string): Promise<void> {
  const state = input.submission;
  const audience = stageAudience(stage, input.definition, state, input.directory);
  for (const person of audience.asked) {
    if (onlyDelegation && person.delegationId !== onlyDelegation) continue;
    out.card({
      teamId: state.teamId, kind: person.card, mode: 'ensure', submissionId: state.id, stageInstanceId: stage.id, recipientId: person.userId, delegationId: person.delegationId,
    });
  }
  if (audience.needsCover) {
    await ctx.services.decisions.decide({ kind: 'cover', teamId: state.teamId, submissionId: state.id, stageInstanceId: stage.id }, systemMeta('stage-cover'));
  }
}

const ENDINGS: Record<string, 'approved' | 'rejected' | 'withdrawn' | null> = {
  'submission.approved': 'approved',
  'submission.rejected': 'rejected',
  'submission.withdrawn': 'withdrawn',
  'submission.changes_requested': null,
  'submission.cancelled': null,
};

const knowsWhoDecides = (input: CardInput): input is DeliveryInput => 'directory' in input;

type SubmissionMessage = Exclude<OutboxMessage, { topic: 'workflow.published' | 'delegation.created' | 'delegation.revoked' | 'checkpoint.post' }>;

/** What a submission's event means for Slack, timers and webhooks. Everything is rendered from current state. */
async function onSubmissionEvent(ctx: WorkerContext, data: JobData<'events', 'outbox'>, message: SubmissionMessage, cause: string, out: Outgoing): Promise<void> {
  // Only events that ask someone new need to know who may decide (the directory slice); the others redraw what
  // exists, and the redraw reads the directory itself.
  const asks = message.topic === 'stage.opened' || message.topic === 'decision.delegated' || message.topic === 'stage.escalated';
  const input = asks ? await loadDeliveryInput(ctx, data.teamId, message.payload.submissionId) : await loadCardInput(ctx, data.teamId, message.payload.submissionId);
  if (!input) return;
  const state = input.submission;
  const stageInstanceId = message.payload.stageInstanceId;
  const stage = stageInstanceId ? state.stages.find((s) => s.id === stageInstanceId) : undefined;
  const affected = new Set<string>([state.requesterId]);
  if (stage) for (const u of [...stage.pool, ...stage.grants.map((g) => g.userId)]) affected.add(u);

  switch (message.topic) {
    case 'decision.refused':
      // The refused person's view may be stale (that is often why): redraw only their card and Home.
      if (stageInstanceId) await refreshStageCards(ctx, out, state, stageInstanceId, message.payload.actorId);
      await queueHome(ctx, cause, state.teamId, [message.payload.actorId]);
      return;
    case 'submission.created':
      out.card(requesterCard(state, 'ensure'));
      // The notice of the request this one revises loses its button and links here.
      if (state.predecessorId) out.card({ ...requesterCard(state, 'refresh'), kind: 'outcome', submissionId: state.predecessorId });
      break;
    case 'stage.opened':
      out.card(requesterCard(state, 'refresh'));
      if (stage && stage.status === 'open' && knowsWhoDecides(input)) {
        await askReviewers(ctx, out, input, stage);
        // The cards go out before the timers are written: people wait for those, nobody for these.
        await out.send(ctx);
        await scheduleStageTimers(ctx, state, stage, input.definition);
      }
      break;
    case 'decision.delegated':
    case 'stage.escalated':
      if (stage && stage.status === 'open' && knowsWhoDecides(input)) {
        // New holders of the stage (the delegate, the escalation targets) get their own card, if the domain lets them decide.
        const kind = message.topic === 'decision.delegated' ? 'delegate' : 'escalation';
        const holders = new Set(stage.grants.filter((g) => g.kind === kind).map((g) => g.userId));
        for (const person of stageAudience(stage, input.definition, state, input.directory).asked.filter((a) => holders.has(a.userId))) {
          out.card({ teamId: state.teamId, kind: 'reviewer', mode: 'ensure', submissionId: state.id, stageInstanceId: stage.id, recipientId: person.userId, delegationId: null });
        }
        // A late stage that found nobody nearer than the approval admins, or nobody at all, is stuck: its requester is told.
        if (message.topic === 'stage.escalated' && (stage.escalatedVia === 'admins' || stage.escalatedVia === 'nobody')) {
          out.card({ teamId: state.teamId, kind: 'escalation_notice', mode: 'ensure', submissionId: state.id, stageInstanceId: stage.id, recipientId: state.requesterId, delegationId: null });
        }
      }
      if (stageInstanceId) await refreshStageCards(ctx, out, state, stageInstanceId);
      out.card(requesterCard(state, 'refresh'));
      break;
    case 'decision.approved':
    case 'decision.rejected':
    case 'decision.changes_requested':
    case 'decision.retracted':
    case 'decision.commented':
      if (stageInstanceId) await refreshStageCards(ctx, out, state, stageInstanceId);
      out.card(requesterCard(state, 'refresh'));
      break;
    case 'stage.approved':
    case 'stage.rejected':
    case 'stage.changes_requested':
    case 'stage.closed':
      if (stageInstanceId) {
        await cancelTimersOf(ctx, { stageInstanceId });
        await refreshStageCards(ctx, out, state, stageInstanceId);
      }
      out.card(requesterCard(state, 'refresh'));
      break;
    case 'submission.approved':
    case 'submission.rejected':
    case 'submission.changes_requested':
    case 'submission.withdrawn':
    case 'submission.cancelled': {
      for (const s of state.stages) await cancelTimersOf(ctx, { stageInstanceId: s.id });
      out.card(requesterCard(state, 'refresh'));
      out.card({ ...requesterCard(state, 'ensure'), kind: 'outcome' });
      const event = ENDINGS[message.topic] ?? null;
      if (event) {
        for (const [index, hook] of input.definition.webhooks.entries()) {
          if (!hook.events.includes(event)) continue;
          const deliveryId = `${data.outboxId}-${index}`;
          out.add({
            queue: 'webhooks', name: 'deliver', jobId: jobIds.webhook(deliveryId),
            data: { teamId: state.teamId, deliveryId, submissionId: state.id, workflowKey: state.workflowKey, workflowVersion: state.workflowVersion, url: hook.url, event },
          });
        }
      }
      for (const s of state.stages) for (const u of [...s.pool, ...s.grants.map((g) => g.userId)]) affected.add(u);
      break;
    }
    default:
      return;
  }
  await queueHome(ctx, cause, state.teamId, affected);
}

/** An out-of-office delegation was revoked: its timers go, the delegate's cards and a notice say so. */
async function onDelegationRevoked(ctx: WorkerContext, delegationId: string, cause: string, out: Outgoing): Promise<void> {
  await cancelTimersOf(ctx, { delegationId });
  const delegation = await ctx.services.ledger.delegations.find(delegationId);
  if (!delegation) return;
  for (const row of await ctx.services.ledger.messages.ofDelegation(delegationId)) {
    if (!row.submissionId) continue;
    out.card({ teamId: delegation.teamId, kind: 'delegate', mode: 'refresh', submissionId: row.submissionId, stageInstanceId: row.stageInstanceId, recipientId: row.recipientId, delegationId });
  }
  // Only a delegation that had started was announced to the delegate; only then is its end news.
  if (delegation.revokedAt && delegation.revokedAt.getTime() >= delegation.startsAt.getTime()) {
    out.add({ queue: 'slack', name: 'delegation-notice', data: { teamId: delegation.teamId, delegationId, phase: 'revoked' }, jobId: jobIds.delegationNotice(delegationId, 'revoked') });
  }
  await queueHome(ctx, cause, delegation.teamId, [delegation.fromUserId, delegation.toUserId]);
}

/** Handles one relayed outbox row, then marks it processed (the reconciler re-enqueues rows that never get here). */
export async function handleOutboxJob(ctx: WorkerContext, data: JobData<'events', 'outbox'>): Promise<void> {
  const cause = `o${data.outboxId}`;
  const out = new Outgoing(cause);
  const message = parseOutboxMessage(data.topic, data.payload);
  switch (message.topic) {
    case 'workflow.published': {
      const { key, version } = message.payload;
      const published = await ctx.services.workflows.getVersion(data.teamId, key, version);
      for (const hook of published.definition.webhooks) await ctx.services.ledger.webhookSecret(data.teamId, key, hook.url);
      break;
    }
    case 'delegation.created': {
      const delegation = await ctx.services.ledger.delegations.find(message.payload.delegationId);
      if (delegation && delegationPhase(delegation, new Date()) !== 'revoked') await scheduleDelegationTimers(ctx, delegation);
      break;
    }
    case 'delegation.revoked':
      await onDelegationRevoked(ctx, message.payload.delegationId, cause, out);
      break;
    case 'checkpoint.post': {
      const post = { ...message.payload, teamId: data.teamId };
      out.add({ queue: 'slack', name: 'checkpoint', data: post, jobId: jobIds.checkpoint(post.chainId, post.seq) });
      break;
    }
    default:
      await onSubmissionEvent(ctx, data, message, cause, out);
  }
  // Recorded with the row marked processed, before the jobs reach Redis: an event that dies before runs again and
  // records the same ids; one that dies after leaves intents the reconciler hands to Redis.
  await out.send(ctx, { processedOutboxId: data.outboxId });
}
