import { randomBytes, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { WorkflowDefinitionInput } from '../../src/domain/index.ts';
import type { Orm } from '../../src/db/orm.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/jobs/runtime.ts';
import type { Tuning } from '../../src/jobs/queues.ts';
import { QUEUE_NAMES, type QueueName } from '../../src/jobs/registry.ts';
import { createSlackClient } from '../../src/jobs/slack-client.ts';
import type { WebhookTargetPolicy } from '../../src/jobs/webhook-targets.ts';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.ts';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.ts';
import { createTestOrm, slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';

/** Short locks, fast retries and quick polling so the tests take seconds. */
export const FAST: Partial<Tuning> = {
  retryBaseMs: 100,
  attempts: 6,
  webhookAttempts: 4,
  lockDurationMs: 4000,
  stalledIntervalMs: 1000,
  relayPollMs: 250,
  reconcileEveryMs: 60_000,
  claimTtlMs: 5000,
  webhookTimeoutMs: 3000,
};

export interface Harness {
  readonly orm: Orm;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly teamId: string;
  readonly admin: string;
  readonly prefix: string;
  readonly fake: FakeSlack;
  readonly redis: Redis;
  runtime: WorkerRuntime | null;
  startRuntime(tuning?: Partial<Tuning>): Promise<WorkerRuntime>;
  /** Slack users the fake knows (others answer channel_not_found). */
  users(...labels: string[]): string[];
  publish(definition: WorkflowDefinitionInput): Promise<void>;
  submit(workflowKey: string, requesterId: string, title?: string): Promise<string>;
  /** Deletes every Redis key of this test's queues: Redis losing its data, without touching other tests' keys. */
  wipeRedis(): Promise<number>;
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** Real services on the test database (with a real clock, timers compare with it), fake Slack, own queue prefix. */
export async function createHarness(options: { runtime?: boolean; tuning?: Partial<Tuning>; webhookTargets?: WebhookTargetPolicy } = {}): Promise<Harness> {
  const orm = await createTestOrm();
  const admin = uniqueUserId('ADM');
  const deps: ServiceDeps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [admin] };
  const services = createServices(deps);
  const fake = await startFakeSlack();
  const teamId = uniqueTeamId();
  const prefix = `test${randomBytes(5).toString('hex')}`;
  const redisUrl = inject('redisUrl');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });

  const harness: Harness = {
    orm, services, deps, teamId, admin, prefix, fake, redis, runtime: null,
    async startRuntime(tuning) {
      const runtime = await startWorkerRuntime({
        redisUrl, services, deps, slackClient: createSlackClient('xoxb-test-token', fake.url), queuePrefix: prefix, teams: [teamId], tuning: { ...FAST, ...tuning },
        ...(options.webhookTargets ? { webhookTargets: options.webhookTargets } : {}),
      });
      harness.runtime = runtime;
      return runtime;
    },
    users(...labels) {
      return labels.map((label) => {
        const id = uniqueUserId(label);
        fake.addUser({ id, name: label.toLowerCase() + id.slice(-4).toLowerCase() });
        return id;
      });
    },
    ...teamMoves(services, teamId, admin),
    async wipeRedis() {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      return keys.length;
    },
    sql: (query, params = []) => orm.em.fork().execute(query, params),
    async stop() {
      await harness.runtime?.stop();
      await harness.wipeRedis();
      redis.disconnect();
      await fake.close();
      await orm.close();
    },
  };
  if (options.runtime ?? true) await harness.startRuntime(options.tuning);
  return harness;
}

/** A one-stage workflow asking the given reviewers. */
/** An admin publishing workflows and people submitting requests in one team, through the services. */
export function teamMoves(services: Services, teamId: string, admin: string) {
  return {
    async publish(definition: WorkflowDefinitionInput): Promise<void> {
      await services.workflows.publish(teamId, admin, definition, slackOrigin(teamId));
    },
    async submit(workflowKey: string, requesterId: string, title = 'Access to prod'): Promise<string> {
      const state = await services.submissions.submit({ teamId, workflowKey, requesterId, title, fields: { system: 'db' } }, slackOrigin(teamId));
      return state.id;
    },
  };
}

export function oneStageWorkflow(key: string, reviewers: string[], stage: Partial<WorkflowDefinitionInput['stages'][number]> = {}, extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput {
  return {
    key,
    name: `Workflow ${key}`,
    fields: [{ id: 'system', label: 'System', type: 'short_text', required: true }],
    stages: [{ id: 'review', name: 'Review', step: 1, approvers: reviewers.map((userId) => ({ type: 'user' as const, userId })), rule: { kind: 'any' }, slaHours: 48, ...stage }],
    ...extra,
  };
}

export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Jobs a queue holds that are still to run or running (a timer's delay until it is due does not count, a retry's backoff does). */
async function unfinishedJobs(queue: Queue, countDelayed: boolean): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'waiting-children', ...(countDelayed ? ['delayed' as const] : []));
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** True when every outbox row (of `teamId`, or all) is relayed and processed and no job is waiting, running or backing off. */
export async function workIsDone(sql: <T>(query: string, params?: unknown[]) => Promise<T[]>, queueOf: (name: QueueName) => Queue, teamId?: string): Promise<boolean> {
  const [pending] = await sql<{ n: string }>(
    `select count(*) as n from outbox where processed_at is null${teamId ? ' and team_id = ?' : ''}`, teamId ? [teamId] : [],
  );
  if (Number(pending?.n) > 0) return false;
  for (const name of QUEUE_NAMES) if ((await unfinishedJobs(queueOf(name), name !== 'timers')) > 0) return false;
  return true;
}

/**
 * Resolves once the system has nothing left to do (workIsDone twice in a row, so a job that enqueues the next
 * one is not caught in between): the positive signal before asserting that nothing else happened.
 */
export async function untilIdle(isDone: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  let doneBefore = false;
  await waitUntil(async () => {
    const done = await isDone();
    const twice = done && doneBefore;
    doneBefore = done;
    return twice;
  }, timeoutMs, 'the outbox processed and every queue idle');
}

/** The harness's workspace has nothing left to relay, process or deliver. */
export function settled(h: Harness, timeoutMs?: number): Promise<void> {
  const runtime = h.runtime;
  if (!runtime) throw new Error('settled() needs the worker runtime running');
  return untilIdle(() => workIsDone(h.sql, (name) => runtime.queues.queue(name), h.teamId), timeoutMs);
}

/** Top-level messages Slack accepted in a user's DM (cards and notices, not thread replies). */
export const postsTo = (fake: FakeSlack, userId: string): RecordedCall[] =>
  fake.callsTo('chat.postMessage').filter((c) => c.args.channel === userId && c.response?.ok === true && c.args.thread_ts === undefined);

export const threadRepliesIn = (fake: FakeSlack, channel: string, ts: string): RecordedCall[] =>
  fake.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && c.args.thread_ts === ts && c.response?.ok === true);

export const updatesOf = (fake: FakeSlack, channel: string, ts: string): RecordedCall[] =>
  fake.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts && c.response?.ok === true);

export const blockText = (call: RecordedCall | undefined): string => JSON.stringify(call?.args.blocks ?? []);

export async function auditTypes(h: Harness, submissionId?: string): Promise<string[]> {
  const rows = submissionId
    ? await h.sql<{ type: string }>('select type from audit_event where chain_id = ? and submission_id = ? order by seq', [h.teamId, submissionId])
    : await h.sql<{ type: string }>('select type from audit_event where chain_id = ? order by seq', [h.teamId]);
  return rows.map((r) => r.type);
}

export interface CardRow { key: string; kind: string; recipient_id: string; channel: string | null; ts: string | null; stage_instance_id: string | null }
export const cardRows = (h: Harness, submissionId: string): Promise<CardRow[]> =>
  h.sql<CardRow>('select key, kind, recipient_id, channel, ts, stage_instance_id from slack_message where team_id = ? and submission_id = ? order by created_at', [h.teamId, submissionId]);
