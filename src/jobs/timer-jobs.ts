import { isActive, pendingReviewers } from '../domain/index.ts';
import type { DelegationRow } from '../services/delivery-ledger.ts';
import { systemMeta, type WorkerContext } from './context.ts';
import { Outgoing, queueDeliveries } from './deliveries.ts';
import { askReviewers } from './event-jobs.ts';
import { loadCardInput, loadDeliveryInput } from './render.ts';
import { jobIds, type JobData } from './registry.ts';

/** Puts the job back until `at` (a timer that fired early by clock skew must not act early). */
export type Defer = (at: Date) => Promise<never>;

/** SLA deadline: the domain applies the stage's timeout action, or nothing if the stage is no longer open. */
export async function handleSlaTimer(ctx: WorkerContext, jobId: string, data: JobData<'timers', 'sla'>, defer: Defer): Promise<void> {
  const timers = ctx.services.ledger.timers;
  if (!(await timers.isPending(jobId))) return;
  const input = await loadCardInput(ctx, data.teamId, data.submissionId);
  const stage = input?.submission.stages.find((s) => s.id === data.stageInstanceId);
  if (!input || !stage || stage.status !== 'open' || !isActive(input.submission.status)) {
    await timers.finish(jobId, 'skipped');
    return;
  }
  if (ctx.deps.clock().getTime() < Date.parse(stage.dueAt)) await defer(new Date(stage.dueAt));
  // Through the same door as every other decision; the rule re-checks the stage, so a late or second run does nothing.
  await ctx.services.decisions.decide({ kind: 'timeout', teamId: data.teamId, submissionId: data.submissionId, stageInstanceId: data.stageInstanceId }, systemMeta('sla-timer'));
  await timers.finish(jobId, 'fired');
}

/** Reminder n: a nudge for each reviewer the stage is still waiting for, none for those who decided. */
export async function handleReminderTimer(ctx: WorkerContext, jobId: string, data: JobData<'timers', 'reminder'>): Promise<void> {
  const timers = ctx.services.ledger.timers;
  if (!(await timers.isPending(jobId))) return;
  const input = await loadCardInput(ctx, data.teamId, data.submissionId);
  const stage = input?.submission.stages.find((s) => s.id === data.stageInstanceId);
  if (input && stage && stage.status === 'open' && isActive(input.submission.status) && ctx.deps.clock().getTime() < Date.parse(stage.dueAt)) {
    await queueDeliveries(ctx, pendingReviewers(stage).map((reviewer) => ({
      queue: 'slack', name: 'reminder', data: { ...data, recipientId: reviewer }, jobId: jobIds.reminderNotice(stage.id, data.n, reviewer),
    } as const)));
  }
  await timers.finish(jobId, 'fired');
}

/** Tells the delegate a delegation started or ended, and records it once (the timer row is finished in the same transaction). */
async function announceDelegation(ctx: WorkerContext, jobId: string, delegation: DelegationRow, phase: 'started' | 'ended', when: Record<string, string>, out: Outgoing): Promise<void> {
  out.add({ queue: 'slack', name: 'delegation-notice', data: { teamId: delegation.teamId, delegationId: delegation.id, phase }, jobId: jobIds.delegationNotice(delegation.id, phase) });
  await out.send(ctx);
  await ctx.services.ledger.recordDelegationPhase(jobId, delegation, phase, when);
}

/**
 * An out-of-office delegation starts: the delegate gets a card for each item waiting for the delegator (unless
 * the domain says they may not decide on it, as on their own request, which is then escalated) and a notice;
 * the start is audited once. Cards are queued before the timer is marked done so a crash in between re-queues
 * them (same job ids) rather than losing them.
 */
export async function handleDelegationStart(ctx: WorkerContext, jobId: string, data: JobData<'timers', 'delegation-start'>, defer: Defer): Promise<void> {
  const { timers, delegations } = ctx.services.ledger;
  if (!(await timers.isPending(jobId))) return;
  const delegation = await delegations.find(data.delegationId);
  if (!delegation || delegation.revokedAt || delegation.endsAt.getTime() <= ctx.deps.clock().getTime()) {
    await timers.finish(jobId, 'skipped');
    return;
  }
  if (ctx.deps.clock().getTime() < delegation.startsAt.getTime()) await defer(delegation.startsAt);
  const out = new Outgoing(`ds${delegation.id}`);
  for (const item of await ctx.services.ledger.openStagesWithPoolMember(delegation.teamId, delegation.fromUserId, delegation.workflowKey)) {
    const input = await loadDeliveryInput(ctx, delegation.teamId, item.submissionId);
    const stage = input?.submission.stages.find((s) => s.id === item.stageInstanceId);
    if (!input || !stage || !pendingReviewers(stage).includes(delegation.fromUserId)) continue;
    await askReviewers(ctx, out, input, stage, delegation.id);
  }
  await announceDelegation(ctx, jobId, delegation, 'started', { startsAt: delegation.startsAt.toISOString(), endsAt: delegation.endsAt.toISOString() }, out);
}

/** The delegation's end: the grant already lapses in the domain; the delegate's cards and a notice say so. */
export async function handleDelegationEnd(ctx: WorkerContext, jobId: string, data: JobData<'timers', 'delegation-end'>, defer: Defer): Promise<void> {
  const { timers, delegations, messages } = ctx.services.ledger;
  if (!(await timers.isPending(jobId))) return;
  const delegation = await delegations.find(data.delegationId);
  if (!delegation || delegation.revokedAt) {
    await timers.finish(jobId, 'skipped');
    return;
  }
  if (ctx.deps.clock().getTime() < delegation.endsAt.getTime()) await defer(delegation.endsAt);
  const out = new Outgoing(`de${delegation.id}`);
  for (const row of await messages.ofDelegation(delegation.id)) {
    if (!row.submissionId) continue;
    out.card({ teamId: delegation.teamId, kind: 'delegate', mode: 'refresh', submissionId: row.submissionId, stageInstanceId: row.stageInstanceId, recipientId: row.recipientId, delegationId: delegation.id });
  }
  await announceDelegation(ctx, jobId, delegation, 'ended', { endsAt: delegation.endsAt.toISOString() }, out);
}
