import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { loggerFor } from '../observability/logger.ts';
import { QUEUE_NAMES, reusesJobId, type JobData, type JobName, type QueueName } from './registry.ts';

const log = loggerFor('queues');

/** The job data key holding when a job is due (epoch ms); see dueTimeOf. */
export const DUE_AT = 'dueAt';

/** Knobs that production leaves at their defaults and tests shrink (short locks, fast retries). */
export interface Tuning {
  /** Base of the exponential retry backoff for Slack 5xx and webhooks. */
  readonly retryBaseMs: number;
  /** Attempts for Slack and event jobs before they are given up (and recorded as failed). */
  readonly attempts: number;
  /** Attempts for a webhook delivery. */
  readonly webhookAttempts: number;
  /**
   * How long a worker holds a job before another may take it over (its process is presumed dead); the lock is
   * renewed every half of it. With the stalled-job check every `stalledIntervalMs`, the work of a killed worker
   * resumes within about their sum.
   */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** Outbox polling when no NOTIFY arrives (a lost LISTEN connection, rows whose available_at passed). */
  readonly relayPollMs: number;
  /** How often the reconciler compares Postgres with Redis (RECONCILE_INTERVAL_SECONDS). */
  readonly reconcileEveryMs: number;
  /**
   * A claim on a Slack message older than this belongs to a dead job and may be taken over by another job (the
   * same job, retried, takes its own claim over at once). Longer than a Slack call may take (its 15 s timeout).
   */
  readonly claimTtlMs: number;
  readonly slackConcurrency: number;
  /** Event jobs handled at once; each request's events still run one at a time, in relay order. */
  readonly eventConcurrency: number;
  /** Slack calls per second per workspace and method tier (twice that at once in a burst); Slack's 429s pause more. */
  readonly slackPerSecond: number;
  readonly timerConcurrency: number;
  readonly webhookTimeoutMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  retryBaseMs: 2000,
  attempts: 10,
  webhookAttempts: 8,
  lockDurationMs: 6000,
  stalledIntervalMs: 1500,
  relayPollMs: 2000,
  reconcileEveryMs: 10_000,
  claimTtlMs: 30_000,
  slackConcurrency: 8,
  eventConcurrency: 8,
  slackPerSecond: 20,
  timerConcurrency: 8,
  webhookTimeoutMs: 10_000,
};

export interface AddOptions {
  readonly jobId: string;
  readonly delay?: number;
  /** While a job with this key waits, adding another is a no-op; while one runs, one more is kept for after it. */
  readonly coalesceKey?: string;
}

/** The producer side of the registry: typed `add` onto the right queue with its default retry policy. */
export interface Queues {
  readonly prefix: string;
  readonly connection: Redis;
  queue(name: QueueName): Queue;
  add<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: JobData<Q, N>, options: AddOptions): Promise<void>;
  /** Several jobs onto one queue in one round trip (ids as in `add`; a job whose id exists is left as it is). */
  addBulk<Q extends QueueName>(queue: Q, jobs: readonly { name: JobName<Q>; data: JobData<Q, JobName<Q>>; jobId: string }[]): Promise<void>;
  close(): Promise<void>;
}

export function defaultJobOptions(name: QueueName, tuning: Tuning): JobsOptions {
  const keep = { removeOnComplete: { age: 24 * 3600, count: 5000 }, removeOnFail: { age: 14 * 24 * 3600 } };
  switch (name) {
    case 'webhooks':
      return { ...keep, attempts: tuning.webhookAttempts, backoff: { type: 'exponential', delay: tuning.retryBaseMs } };
    case 'timers':
    case 'events':
    case 'slack':
      return { ...keep, attempts: tuning.attempts, backoff: { type: 'exponential', delay: tuning.retryBaseMs } };
  }
}

/** A Redis connection for workers: commands wait for a reconnect instead of failing (BullMQ requires this). */
export const workerConnection = (redisUrl: string): Redis => new Redis(redisUrl, { maxRetriesPerRequest: null });

export function createQueues(redisUrl: string, prefix: string, tuning: Tuning): Queues {
  // Producers fail fast when Redis is away, so the relay keeps the row and retries instead of hanging.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  connection.on('error', (error: Error) => log.error({ err: error.message }, 'redis (producer) connection error'));
  const queues = new Map<QueueName, Queue>();
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions(name, tuning) });
    queue.on('error', (error: Error) => log.error({ queue: name, err: error.message }, 'queue error'));
    queues.set(name, queue);
  }
  const get = (name: QueueName): Queue => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  };
  return {
    prefix,
    connection,
    queue: get,
    async add(queue, name, data, options) {
      const delay = options.delay !== undefined ? Math.max(0, Math.round(options.delay)) : 0;
      // The due time travels with the job: BullMQ sets `delay` to 0 when it promotes a delayed job, so
      // `timestamp + delay` no longer says when it was due (job lateness reads this; payload schemas drop it).
      await get(queue).add(name, { ...(data as Record<string, unknown>), [DUE_AT]: Date.now() + delay }, {
        jobId: options.jobId,
        ...(options.delay !== undefined ? { delay: Math.max(0, Math.round(options.delay)) } : {}),
        ...(options.coalesceKey ? { deduplication: { id: options.coalesceKey, keepLastIfActive: true } } : {}),
      });
    },
    async addBulk(queue, jobs) {
      if (jobs.length === 0) return;
      await get(queue).addBulk(jobs.map((job) => ({
        name: job.name, data: job.data,
        opts: { jobId: job.jobId, ...(reusesJobId(queue, job.name) ? { removeOnComplete: true, removeOnFail: true } : {}) },
      })));
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}
