/**
 * approvals_job_lateness_seconds measures from when a job was due. BullMQ resets a delayed job's `delay` to 0
 * when it promotes it, so a timer that fires on time must not look as late as its delay.
 */
import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dueTimeOf, instrumentJob } from '../../src/jobs/job-instrumentation.ts';
import { createQueues, DEFAULT_TUNING, workerConnection, type Queues } from '../../src/jobs/queues.ts';
import { jobLateness } from '../../src/observability/metrics.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** The histogram's sum and count for one queue. */
async function lateness(queue: string): Promise<{ sum: number; count: number }> {
  const { values } = await jobLateness.get();
  const of = (suffix: string) => values.find((v) => v.metricName === `approvals_job_lateness_seconds${suffix}` && v.labels.queue === queue)?.value ?? 0;
  return { sum: of('_sum'), count: of('_count') };
}

describe('job lateness', () => {
  it('reads the due time a job carries, and falls back to when it was made', () => {
    expect(dueTimeOf({ timestamp: 1000, data: { dueAt: 5000 } } as Job)).toBe(5000);
    expect(dueTimeOf({ timestamp: 1000, data: { teamId: 'T1' } } as Job)).toBe(1000);
  });

  it('a delayed job that runs on time is reported on time, not as late as its delay', async () => {
    const prefix = `late${randomBytes(4).toString('hex')}`;
    const queues: Queues = createQueues(inject('redisUrl'), prefix, DEFAULT_TUNING);
    closers.push(() => queues.close());
    const ran: { job: Job; at: number }[] = [];
    const connection = workerConnection(inject('redisUrl'));
    const worker = new Worker('timers', instrumentJob('timers', async (job) => {
      ran.push({ job, at: Date.now() });
    }), { connection, prefix });
    closers.push(async () => {
      await worker.close();
      connection.disconnect();
    });
    const before = await lateness('timers');
    const delay = 1500;
    const added = Date.now();
    await queues.add('timers', 'sla', { teamId: 'T1', submissionId: '3f2a9c1b-0000-4000-8000-000000000001', stageInstanceId: '3f2a9c1b-0000-4000-8000-000000000002' }, { jobId: `late-${prefix}`, delay });
    for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ran).toHaveLength(1);
    const [{ job, at } = { job: null as unknown as Job, at: 0 }] = ran;
    // BullMQ promoted it: its delay reads 0 now, which is why timestamp + delay cannot be used.
    expect(job.delay).toBe(0);
    const after = await lateness('timers');
    expect(after.count - before.count).toBe(1);
    const reported = after.sum - before.sum;
    const actual = (at - (added + delay)) / 1000;
    // What was reported is how late it really ran (within scheduling noise), far below the delay itself.
    expect(reported).toBeLessThan(delay / 1000 / 2);
    expect(Math.abs(reported - Math.max(0, actual))).toBeLessThan(0.25);
  });
});
