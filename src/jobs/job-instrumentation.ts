import { randomUUID } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import { runInContext } from '../observability/log-context.ts';
import { jobLateness, jobsTotal } from '../observability/metrics.ts';
import type { QueueName } from './registry.ts';

type Processor = (job: Job, token?: string) => Promise<void>;

/** The domain id a job is about, so its log lines line up with the request that caused it. */
function correlationOf(job: Job): string | undefined {
  const data = job.data as { submissionId?: unknown; delegationId?: unknown; outboxId?: unknown } | null;
  const id = data?.submissionId ?? data?.delegationId ?? data?.outboxId ?? job.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * Runs each job in its own log context (trace id per run, correlation id from its domain id), records how
 * late it started against when it was due, and counts how it ended.
 */
export function instrumentJob(queue: QueueName, process: Processor): Processor {
  return (job, token) => {
    const dueAt = job.timestamp + (job.delay ?? 0);
    jobLateness.observe({ queue }, Math.max(0, Date.now() - dueAt) / 1000);
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
