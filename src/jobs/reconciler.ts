import { loggerFor } from '../observability/logger.ts';
import { reconcilerRepairsTotal } from '../observability/metrics.ts';
import type { WorkerContext } from './context.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import { loadCardInput } from './render.ts';
import type { DeliveryIntent } from '../services/delivery-ledger.ts';
import { jobIds, JOB_SCHEMAS, parseJob, type JobData, type JobName, type QueueName } from './registry.ts';
import { scheduleDelegationTimers, scheduleStageTimers } from './timers.ts';

const log = loggerFor('reconciler');

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
  /** Messages and webhooks still to send whose job Redis no longer had (or had given up on unrecorded), added again. */
  readonly restoredDeliveries: number;
}

type Repair = 'restored_timer' | 'promoted_timer' | 'scheduled_stage' | 'scheduled_delegation' | 'requeued_event' | 'restored_delivery';

/** Every repair is logged with what it repaired and counted in /metrics. */
function repaired(repair: Repair, what: Record<string, unknown>): void {
  reconcilerRepairsTotal.inc({ repair });
  log.warn({ repair, ...what }, 'reconciler repaired work Redis had lost');
}

const PAGE = 500;
/** A delayed job this late was missed by Redis' promotion (a known BullMQ case after connection loss). */
const OVERDUE_MS = 5000;
/** A row relayed a moment ago is looked at next time rather than judged lost while its job is being taken. */
const RELAY_GRACE_MS = 1000;
/** An intent recorded a moment ago may not have reached Redis yet. */
const INTENT_GRACE_MS = 2000;
const INTENT_RETENTION_MS = 7 * 24 * 3_600_000;

const isTimerName = (name: string): name is JobName<'timers'> => name in JOB_SCHEMAS.timers;

/** What Redis holds of each job: nothing, a job still to run (or running), or a job that ended (completed or failed). */
type Held = 'missing' | 'unfinished' | 'finished';

/** One round trip for a page of jobs: each job's hash, read for whether it exists and whether it finished. */
async function heldBy(ctx: WorkerContext, queue: QueueName, jobIds: readonly string[]): Promise<Held[]> {
  if (jobIds.length === 0) return [];
  const q = ctx.queues.queue(queue);
  const pipeline = ctx.queues.connection.pipeline();
  for (const id of jobIds) pipeline.hmget(q.toKey(id), 'timestamp', 'finishedOn');
  const answers = (await pipeline.exec()) ?? [];
  return answers.map(([error, value]) => {
    if (error) throw error;
    const [timestamp, finishedOn] = value as (string | null)[];
    if (timestamp === null || timestamp === undefined) return 'missing';
    return finishedOn ? 'finished' : 'unfinished';
  });
}

/**
 * Compares what Postgres says must be scheduled or sent with what Redis holds and repairs the difference. Runs at
 * worker start and every RECONCILE_INTERVAL_SECONDS; safe to run in several workers at once (every repair is
 * idempotent). Redis is a cache of work: after a flush or a failover, this puts it back.
 */
export async function reconcile(ctx: WorkerContext, relay: OutboxRelay | null): Promise<ReconcileReport> {
  const timers = await reconcileTimers(ctx);
  const stages = await scheduleMissingStageTimers(ctx);
  const delegations = await scheduleMissingDelegationTimers(ctx);
  if (relay && (await ctx.services.ledger.outbox.hasUnrelayed(ctx.teams))) relay.kick();
  const requeuedEvents = await requeueLostEvents(ctx);
  const restoredDeliveries = await restoreDeliveries(ctx);
  // Failed API authentications of closed rate-limit windows go into the trail as counts (the API only counted them).
  await ctx.services.apiLimits.closeWindows();
  // Finished intents are kept a while (to look into a delivery), then dropped a page at a time.
  await ctx.services.ledger.intents.prune(new Date(Date.now() - INTENT_RETENTION_MS), PAGE);
  return { ...timers, scheduledStages: stages, scheduledDelegations: delegations, requeuedEvents, restoredDeliveries };
}

async function reconcileTimers(ctx: WorkerContext): Promise<{ restoredTimers: number; promotedTimers: number }> {
  const queue = ctx.queues.queue('timers');
  let restoredTimers = 0;
  let promotedTimers = 0;
  let after = '';
  for (;;) {
    const rows = await ctx.services.ledger.timers.pending(ctx.teams, after, PAGE);
    const page = rows.filter((t) => isTimerName(t.name));
    const held = await heldBy(ctx, 'timers', page.map((t) => t.jobId));
    for (const [index, timer] of page.entries()) {
      if (!isTimerName(timer.name)) continue;
      const state = held[index];
      const readd = async () => {
        await ctx.queues.add('timers', timer.name as JobName<'timers'>, JOB_SCHEMAS.timers[timer.name as JobName<'timers'>].parse(timer.payload) as never, { jobId: timer.jobId, delay: timer.fireAt.getTime() - Date.now() });
        restoredTimers++;
        repaired('restored_timer', { jobId: timer.jobId, fireAt: timer.fireAt.toISOString() });
      };
      if (state === 'missing') {
        await readd();
      } else if (state === 'finished') {
        // The job ran but the timer was not marked done (it died at the end): run it again.
        await queue.remove(timer.jobId).catch(() => 0);
        await readd();
      } else if (timer.fireAt.getTime() < Date.now() - OVERDUE_MS) {
        const job = await queue.getJob(timer.jobId);
        if (job && (await job.getState()) === 'delayed') {
          await job.promote().catch(() => undefined);
          promotedTimers++;
          repaired('promoted_timer', { jobId: timer.jobId, fireAt: timer.fireAt.toISOString() });
        }
      }
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]?.jobId ?? after;
  }
  return { restoredTimers, promotedTimers };
}

async function scheduleMissingStageTimers(ctx: WorkerContext): Promise<number> {
  let scheduled = 0;
  for (const item of await ctx.services.ledger.timers.openStagesWithout(ctx.teams, PAGE)) {
    const input = await loadCardInput(ctx, item.teamId, item.submissionId);
    const stage = input?.submission.stages.find((s) => s.id === item.stageInstanceId);
    if (!input || !stage) continue;
    await scheduleStageTimers(ctx, input.submission, stage, input.definition);
    scheduled++;
    repaired('scheduled_stage', { submissionId: item.submissionId, stageInstanceId: item.stageInstanceId });
  }
  return scheduled;
}

async function scheduleMissingDelegationTimers(ctx: WorkerContext): Promise<number> {
  let scheduled = 0;
  for (const delegation of await ctx.services.ledger.timers.delegationsWithout(ctx.teams, PAGE)) {
    await scheduleDelegationTimers(ctx, delegation);
    scheduled++;
    repaired('scheduled_delegation', { delegationId: delegation.id });
  }
  return scheduled;
}

async function requeueLostEvents(ctx: WorkerContext): Promise<number> {
  let requeued = 0;
  let afterId = 0;
  for (;;) {
    const rows = await ctx.services.ledger.outbox.relayedUnprocessed(ctx.teams, new Date(Date.now() - RELAY_GRACE_MS), afterId, PAGE);
    const held = await heldBy(ctx, 'events', rows.map((r) => jobIds.outbox(r.id)));
    for (const [index, row] of rows.entries()) {
      // Still in Redis (waiting, running, retrying or finishing): leave it to its worker.
      if (held[index] !== 'missing') continue;
      await ctx.queues.add('events', 'outbox', { outboxId: row.id, teamId: row.teamId, submissionId: row.submissionId, topic: row.topic, payload: row.payload }, { jobId: jobIds.outbox(row.id) });
      requeued++;
      repaired('requeued_event', { outboxId: row.id, topic: row.topic });
    }
    if (rows.length < PAGE) break;
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
  return requeued;
}

/**
 * Pending delivery intents whose job Redis lost are added again under the same job id: the job then claims its
 * message as its own and, if its earlier run may have posted, finds that post instead of posting twice. A job that
 * ended without finishing its intent (it gave up while another job held the message) is run again.
 */
async function restoreDeliveries(ctx: WorkerContext): Promise<number> {
  let restored = 0;
  let after = '';
  for (;;) {
    const page = await ctx.services.ledger.intents.pending(ctx.teams, new Date(Date.now() - INTENT_GRACE_MS), after, PAGE);
    restored += await restoreInto(ctx, 'slack', page.filter((i) => i.queue === 'slack'));
    restored += await restoreInto(ctx, 'webhooks', page.filter((i) => i.queue === 'webhooks'));
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.jobId ?? after;
  }
  return restored;
}

async function restoreInto<Q extends 'slack' | 'webhooks'>(ctx: WorkerContext, queue: Q, intents: readonly DeliveryIntent[]): Promise<number> {
  const held = await heldBy(ctx, queue, intents.map((i) => i.jobId));
  const jobs: { name: JobName<Q>; data: JobData<Q, JobName<Q>>; jobId: string }[] = [];
  for (const [index, intent] of intents.entries()) {
    if (held[index] === 'unfinished') continue;
    if (held[index] === 'finished') await ctx.queues.queue(queue).remove(intent.jobId).catch(() => 0);
    try {
      const parsed = parseJob(queue, intent.name, intent.payload) as { name: JobName<Q>; data: JobData<Q, JobName<Q>> };
      jobs.push({ name: parsed.name, data: parsed.data, jobId: intent.jobId });
    } catch (error) {
      log.error({ jobId: intent.jobId, err: error instanceof Error ? error.message : String(error) }, 'a delivery intent cannot be read as a job; left pending');
    }
  }
  await ctx.queues.addBulk(queue, jobs);
  for (const job of jobs) repaired('restored_delivery', { jobId: job.jobId, queue, name: job.name });
  return jobs.length;
}
