import type { WorkerContext } from './context.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import { loadCardInput } from './render.ts';
import { jobIds, JOB_SCHEMAS, type JobName } from './registry.ts';
import { scheduleDelegationTimers, scheduleStageTimers } from './timers.ts';

export interface ReconcileReport {
  /** Timers Redis had lost, added again (late ones fire at once). */
  readonly restoredTimers: number;
  /** Overdue delayed jobs Redis had not promoted, promoted now. */
  readonly promotedTimers: number;
  /** Open stages / delegations whose timers were never recorded, scheduled now. */
  readonly scheduledStages: number;
  readonly scheduledDelegations: number;
  /** Relayed outbox rows whose job vanished before it finished, enqueued again. */
  readonly requeuedEvents: number;
}

const PAGE = 500;
/** A delayed job this late was missed by Redis' promotion (a known BullMQ case after connection loss). */
const OVERDUE_MS = 5000;

/** A row relayed a moment ago is looked at next time rather than judged lost while its job is being taken. */
const RELAY_GRACE_MS = 1000;

const isTimerName = (name: string): name is JobName<'timers'> => name in JOB_SCHEMAS.timers;

/**
 * Compares what Postgres says must be scheduled with what Redis holds and repairs the difference. Runs at
 * worker start and periodically; safe to run in several workers at once (every repair is idempotent).
 */
export async function reconcile(ctx: WorkerContext, relay: OutboxRelay | null): Promise<ReconcileReport> {
  const ledger = ctx.services.ledger;
  const timers = ctx.queues.queue('timers');
  let restoredTimers = 0;
  let promotedTimers = 0;
  let after = '';
  for (;;) {
    const page = await ledger.timers.pending(ctx.teams, after, PAGE);
    for (const timer of page) {
      if (!isTimerName(timer.name)) continue;
      const job = await timers.getJob(timer.jobId);
      if (!job) {
        await ctx.queues.add('timers', timer.name, JOB_SCHEMAS.timers[timer.name].parse(timer.payload) as never, { jobId: timer.jobId, delay: timer.fireAt.getTime() - Date.now() });
        restoredTimers++;
        continue;
      }
      const state = await job.getState();
      if (state === 'delayed' && timer.fireAt.getTime() < Date.now() - OVERDUE_MS) {
        await job.promote().catch(() => undefined);
        promotedTimers++;
      } else if (state === 'completed') {
        // The job ran but the timer was not marked done (it deferred itself or died at the end): run it again.
        await job.remove().catch(() => undefined);
        await ctx.queues.add('timers', timer.name, JOB_SCHEMAS.timers[timer.name].parse(timer.payload) as never, { jobId: timer.jobId, delay: timer.fireAt.getTime() - Date.now() });
        restoredTimers++;
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.jobId ?? after;
  }

  let scheduledStages = 0;
  for (const item of await ledger.timers.openStagesWithout(ctx.teams, PAGE)) {
    const input = await loadCardInput(ctx, item.teamId, item.submissionId);
    const stage = input?.submission.stages.find((s) => s.id === item.stageInstanceId);
    if (!input || !stage) continue;
    await scheduleStageTimers(ctx, input.submission, stage, input.definition);
    scheduledStages++;
  }

  let scheduledDelegations = 0;
  for (const delegation of await ledger.timers.delegationsWithout(ctx.teams, PAGE)) {
    await scheduleDelegationTimers(ctx, delegation);
    scheduledDelegations++;
  }

  if (relay && (await ledger.outbox.hasUnrelayed(ctx.teams))) relay.kick();

  let requeuedEvents = 0;
  const events = ctx.queues.queue('events');
  let afterId = 0;
  for (;;) {
    const rows = await ledger.outbox.relayedUnprocessed(ctx.teams, new Date(Date.now() - RELAY_GRACE_MS), afterId, PAGE);
    for (const row of rows) {
      const jobId = jobIds.outbox(row.id);
      // Still in Redis (waiting, running, retrying or finishing): leave it to its worker.
      if (await events.getJob(jobId)) continue;
      await ctx.queues.add('events', 'outbox', { outboxId: row.id, teamId: row.teamId, submissionId: row.submissionId, topic: row.topic, payload: row.payload }, { jobId });
      requeuedEvents++;
    }
    if (rows.length < PAGE) break;
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }

  return { restoredTimers, promotedTimers, scheduledStages, scheduledDelegations, requeuedEvents };
}
