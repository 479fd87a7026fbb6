import { randomUUID } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import { runInContext } from '../observability/log-context.ts';
import { jobLateness, jobsTotal } from '../observability/metrics.ts';
import { DUE_AT } from './queues.ts';
import type { QueueName } from './registry.ts';

type Processor = (job: Job, token?: string) => Promise<void>;

/** The domain id a job is about, so its log lines line up with the request that caused it. */
function correlationOf(job: Job): string | undefined {
  const data = job.data as { submissionId?: unknown; delegationId?: unknown; outboxId?: unknown } | null;
  const id = data?.submissionId ?? data?.delegationId ?? data?.outboxId ?? job.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * When a job was due: the time recorded in its data when it was added or deferred. Not `timestamp + delay`:
 * BullMQ resets `delay` to 0 when it promotes a delayed job. Jobs added elsewhere (the relay's bulk adds,
 * which run at once) were due when they were made.
 */
export function dueTimeOf(job: Pick<Job, 'timestamp' | 'data'>): number {
  const dueAt = (job.data as Record<string, unknown> | null)?.[DUE_AT];
  return typeof dueAt === 'number' && Number.isFinite(dueAt) ? dueAt : job.timestamp;
}

/**
 * Runs each job in its own log context (trace id per run, correlation id from its domain id), records how
 * late its first attempt started against when it was due (a retry's due time is its back-off, which BullMQ
 * does not keep), and counts how it ended.
 */
export function instrumentJob(queue: QueueName, process: Processor): Processor {
  return (job, token) => {
    if (job.attemptsMade === 0) jobLateness.observe({ queue }, Math.max(0, Date.now() - dueTimeOf(job)) / 1000);
    return runInContext({ traceId: randomUUID(), correlationId: correlationOf(job), source: `job:${queue}` }, async () => {
      try {
        await process(job, token);
        jobsTotal.inc({ queue, result: 'completed' });
      } catch (error) {
        jobsTotal.inc({ queue, result: error instanceof DelayedError ? 'deferred' : 'failed' });
        throw error;
      }
    });
  };
}
