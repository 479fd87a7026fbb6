import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WebClient } from '@slack/web-api';
import type { Plugin } from '../plugin.ts';
import type { Env } from '../config/env.ts';
import type { ServiceDeps, Services } from '../services/index.ts';
import { homeView } from '../../blocks/home.ts';
import { MessageBusyError } from './card-delivery.ts';
import type { HomeRenderer, WorkerContext } from './context.ts';
import { isDeliveryJob } from './deliveries.ts';
import { handleOutboxJob } from './event-jobs.ts';
import { keyedSerial } from './keyed-serial.ts';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay.ts';
import { startTimerWaker } from './timer-waker.ts';
import { createQueues, DEFAULT_TUNING, DUE_AT, workerConnection, type Queues, type Tuning } from './queues.ts';
import { reconcile, type ReconcileReport } from './reconciler.ts';
import { messageKeys, parseJob, reusesJobId, type QueueName } from './registry.ts';
import { createSlackClient, failureCode, SlackDeliveryError } from './slack-client.ts';
import { singleWorkspaceClients, type SlackClients } from './slack-clients.ts';
import { redisTeamRateLimits } from './team-rate-limits.ts';
import { slackMode } from '../config/slack-mode.ts';
import { handleRedrawJob } from './request-redraw.ts';
import { handleCardJob, handleCheckpointJob, handleDelegationNoticeJob, handleHomeJob, handleReminderJob } from './slack-jobs.ts';
import { handleDelegationEnd, handleDelegationStart, handleReminderTimer, handleSlaTimer, type Defer } from './timer-jobs.ts';
import { handleWebhookJob } from './webhooks.ts';
import { createWebhookPoster } from './webhook-post.ts';
import { REFUSE_PRIVATE, webhookTargetPolicy, type WebhookTargetPolicy } from './webhook-targets.ts';
import { instrumentJob } from './job-instrumentation.ts';
import { loggerFor } from '../observability/logger.ts';

const log = loggerFor('worker');

export interface WorkerRuntimeOptions {
  readonly services: Services;
  readonly deps: ServiceDeps;
  /** Supplies REDIS_URL, QUEUE_PREFIX and (single-workspace mode) the Slack token when the explicit options are absent. */
  readonly env?: Env;
  readonly redisUrl?: string;
  /** Slack clients by workspace (OAuth mode: each installation's token); required unless one client or SLACK_BOT_TOKEN serves all. */
  readonly slackClients?: SlackClients;
  /** One client for every workspace (single-workspace mode, tests). */
  readonly slackClient?: WebClient;
  readonly queuePrefix?: string;
  /** Only these workspaces' outbox rows and timers (tests, sharding); all when absent. */
  readonly teams?: readonly string[] | null;
  readonly tuning?: Partial<Tuning>;
  /** Renders App Home for the refresh job (the Home tab's own builder by default); null turns refreshes off. */
  readonly renderHome?: HomeRenderer | null;
  /** Where webhooks may go; from env's WEBHOOK_* settings when absent, else public addresses only. */
  readonly webhookTargets?: WebhookTargetPolicy;
  /** Called with every reconcile report (logging, tests). */
  readonly onReconciled?: (report: ReconcileReport) => void;
}

export interface WorkerRuntime {
  readonly queues: Queues;
  readonly relay: OutboxRelay;
  readonly context: WorkerContext;
  reconcileNow(): Promise<ReconcileReport>;
  /** Stops taking work, lets running jobs finish (BullMQ hands unfinished ones to another worker), closes connections. */
  stop(): Promise<void>;
}

/** The Home tab of one person as it stands now, drawn by the Home builder (the Slack listener uses the same). */
const renderHome: HomeRenderer = async (services, teamId, userId, now) => homeView(await services.home.homeFor(teamId, userId, now), now);

const isLastAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

function slackFailureTarget(job: Job): { key: string; kind: string; recipientId: string | null; submissionId: string | null } {
  const data = job.data as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  // A request's redraw records the cards it gave up on itself; what reaches here is the job as a whole.
  const isCard = job.name === 'card';
  const kind = isCard ? String(data.kind) : job.name;
  const key = isCard
    ? messageKeys.card(kind, String(data.submissionId), str(data.stageInstanceId), String(data.recipientId), str(data.delegationId))
    : job.id ?? job.name;
  // A checkpoint goes to a channel, not a person: the admin is told which channel refused it.
  return { key, kind, recipientId: str(data.recipientId) ?? str(data.userId) ?? str(data.channelId), submissionId: str(data.submissionId) };
}

/**
 * Starts the worker role: the outbox relay, one BullMQ worker per queue and the reconciler. The app can run
 * it in-process (workerPlugin) or as its own process (src/worker.ts).
 */
export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const redisUrl = options.redisUrl ?? options.env?.REDIS_URL;
  if (!redisUrl) throw new Error('startWorkerRuntime needs redisUrl or env.REDIS_URL');
  const slack = workerSlackClients(options);
  if (!slack) throw new Error('startWorkerRuntime needs slackClients, slackClient or env.SLACK_BOT_TOKEN');
  const prefix = options.queuePrefix ?? options.env?.QUEUE_PREFIX ?? 'approvals';
  const fromEnv: Partial<Tuning> = options.env ? { reconcileEveryMs: options.env.RECONCILE_INTERVAL_SECONDS * 1000, slackPerSecond: options.env.SLACK_CALLS_PER_SECOND } : {};
  const tuning: Tuning = { ...DEFAULT_TUNING, ...fromEnv, ...options.tuning };
  const queues = createQueues(redisUrl, prefix, tuning);
  const ctx: WorkerContext = {
    services: options.services, deps: options.deps, queues, slack, tuning,
    rateLimits: redisTeamRateLimits(queues.connection, prefix, { perSecond: tuning.slackPerSecond }),
    teams: options.teams ?? null, renderHome: options.renderHome === undefined ? renderHome : options.renderHome,
    webhooks: createWebhookPoster(options.webhookTargets
      ?? (options.env ? webhookTargetPolicy(options.env.WEBHOOK_ALLOW_PRIVATE_TARGETS, options.env.WEBHOOK_ALLOWED_TARGETS) : REFUSE_PRIVATE)),
  };

  const inRequestOrder = keyedSerial();

  /** A delivery job ends its Postgres intent when it finishes, so the reconciler stops restoring it. */
  const finishIntent = async (job: Job, outcome: 'done' | 'failed'): Promise<void> => {
    if (job.id && isDeliveryJob(job.queueName, job.name)) await ctx.services.ledger.intents.finish(job.id, outcome);
  };

  const processors: Record<QueueName, (job: Job, token?: string) => Promise<void>> = {
    events: async (job) => {
      const parsed = parseJob('events', job.name, job.data);
      await inRequestOrder(parsed.data.submissionId ?? 'outside-requests', () => handleOutboxJob(ctx, parsed.data));
    },
    slack: async (job, token) => {
      const claimant = job.id ?? `${job.name}-${job.timestamp}`;
      try {
        const parsed = parseJob('slack', job.name, job.data);
        switch (parsed.name) {
          case 'card': await handleCardJob(ctx, parsed.data, claimant); break;
          // Finishes its own intent (only when no event asked again while it drew), and records the cards it gave up on.
          case 'redraw': return await handleRedrawJob(ctx, job.id ?? claimant, parsed.data, claimant, isLastAttempt(job));
          case 'reminder': await handleReminderJob(ctx, parsed.data, claimant); break;
          case 'delegation-notice': await handleDelegationNoticeJob(ctx, parsed.data, claimant); break;
          case 'home': return await handleHomeJob(ctx, parsed.data, claimant);
          case 'checkpoint': await handleCheckpointJob(ctx, parsed.data, claimant); break;
        }
        await finishIntent(job, 'done');
      } catch (error) {
        if (error instanceof SlackDeliveryError && error.failure.kind === 'rate_limited') {
          // This workspace must wait (Slack said so, or its pace is spent): only this job goes back until then,
          // without using an attempt; other workspaces' jobs run on.
          await job.moveToDelayed(Date.now() + error.failure.retryAfterMs, token);
          throw new DelayedError();
        }
        const permanent = error instanceof SlackDeliveryError && error.failure.kind === 'permanent';
        // Home is a view people open, not a message they wait for: a refused publish is logged, not audited.
        if (job.name === 'home' && (permanent || isLastAttempt(job))) throw new UnrecoverableError(`home ${job.id}: ${error instanceof Error ? error.message : String(error)}`);
        if (permanent || (isLastAttempt(job) && !(error instanceof MessageBusyError))) {
          const target = slackFailureTarget(job);
          const code = failureCode(error);
          await ctx.services.ledger.recordNotificationFailure({
            teamId: String((job.data as { teamId?: unknown }).teamId ?? ''), messageKey: target.key, kind: target.kind, recipientId: target.recipientId,
            submissionId: target.submissionId, error: code, detail: error instanceof Error ? error.message : String(error),
          });
          await ctx.services.ledger.messages.releaseClaimsOf(claimant);
          await finishIntent(job, 'failed');
          throw new UnrecoverableError(`${job.name} ${job.id}: ${code}`);
        }
        throw error;
      }
    },
    timers: async (job, token) => {
      const jobId = job.id ?? '';
      const defer: Defer = async (at) => {
        // Due again at `at`: lateness is measured from there when it runs.
        await job.updateData({ ...(job.data as Record<string, unknown>), [DUE_AT]: at.getTime() });
        await job.moveToDelayed(at.getTime(), token);
        throw new DelayedError();
      };
      const parsed = parseJob('timers', job.name, job.data);
      switch (parsed.name) {
        case 'sla': return handleSlaTimer(ctx, jobId, parsed.data, defer);
        case 'reminder': return handleReminderTimer(ctx, jobId, parsed.data);
        case 'delegation-start': return handleDelegationStart(ctx, jobId, parsed.data, defer);
        case 'delegation-end': return handleDelegationEnd(ctx, jobId, parsed.data, defer);
      }
    },
    webhooks: async (job) => {
      const parsed = parseJob('webhooks', job.name, job.data);
      try {
        await handleWebhookJob(ctx, parsed.data, job.attemptsMade + 1, isLastAttempt(job));
      } catch (error) {
        // Given up on (and recorded as failed): nothing is left to send.
        if (error instanceof UnrecoverableError) await finishIntent(job, 'failed');
        throw error;
      }
      await finishIntent(job, 'done');
    },
  };
  const concurrency: Record<QueueName, number> = {
    // Several at once, each request's one at a time in relay order (inRequestOrder).
    events: tuning.eventConcurrency,
    slack: tuning.slackConcurrency,
    timers: tuning.timerConcurrency,
    webhooks: 4,
  };

  const connections: Redis[] = [];
  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    const connection = workerConnection(redisUrl);
    connection.on('error', (error: Error) => log.error({ queue: name, err: error.message }, 'redis (worker) connection error'));
    connections.push(connection);
    const worker = new Worker(name, instrumentJob(name, processors[name]), {
      connection, prefix, concurrency: concurrency[name],
      lockDuration: tuning.lockDurationMs, stalledInterval: tuning.stalledIntervalMs, maxStalledCount: 3,
    });
    worker.on('error', (error: Error) => log.error({ queue: name, err: error.message }, 'worker error'));
    // A redraw asked for while its finished job was still leaving Redis found that job there and added nothing:
    // once it has left, the card's intent says whether to run it again.
    worker.on('completed', (job) => {
      if (!job.id || !reusesJobId(name, job.name)) return;
      void runAgainIfWanted(ctx, name, job.name, job.id, job.data).catch((error: unknown) => log.error({ queue: name, jobId: job.id, err: error }, 'could not re-add a redraw asked for while it finished; the reconciler will'));
    });
    worker.on('failed', (job, error) => {
      if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError)) log.error({ queue: name, job: job.name, jobId: job.id, err: error.message }, 'job failed for good');
    });
    return worker;
  });

  // Wakes the timers worker at each due millisecond instead of Redis' next cron tick (see timer-waker.ts); the
  // Slack worker too, for jobs a workspace's rate limit put back.
  const wakers = [startTimerWaker(queues.connection, prefix, 'timers'), startTimerWaker(queues.connection, prefix, 'slack')];
  const relay = startOutboxRelay({ outbox: options.services.ledger.outbox, queues, teams: ctx.teams, pollMs: tuning.relayPollMs });

  let reconciling: Promise<ReconcileReport> | null = null;
  const reconcileNow = (): Promise<ReconcileReport> => {
    reconciling ??= reconcile(ctx, relay)
      .then((report) => {
        options.onReconciled?.(report);
        return report;
      })
      .finally(() => {
        reconciling = null;
      });
    return reconciling;
  };
  const firstReconcile = reconcileNow().catch((error: unknown) => log.error({ err: error }, 'reconcile failed'));
  const periodic = setInterval(() => void reconcileNow().catch((error: unknown) => log.error({ err: error }, 'reconcile failed')), tuning.reconcileEveryMs);
  periodic.unref();

  return {
    queues, relay, context: ctx, reconcileNow,
    async stop() {
      clearInterval(periodic);
      for (const waker of wakers) waker.stop();
      await firstReconcile;
      await reconciling?.catch(() => undefined);
      await relay.stop();
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      for (const connection of connections) connection.disconnect();
    },
  };
}

/** Adds a job whose id is reused (a card's redraw) back to Redis when its intent is pending again. */
async function runAgainIfWanted(ctx: WorkerContext, queue: QueueName, name: string, jobId: string, data: unknown): Promise<void> {
  if (queue !== 'slack' || (await ctx.services.ledger.intents.requests(jobId)) === null) return;
  const parsed = parseJob('slack', name, data);
  await ctx.queues.addBulk('slack', [{ name: parsed.name, data: parsed.data, jobId }]);
}

function workerSlackClients(options: WorkerRuntimeOptions): SlackClients | null {
  if (options.slackClients) return options.slackClients;
  if (options.slackClient) return singleWorkspaceClients(options.slackClient);
  if (!options.env) return null;
  const mode = slackMode(options.env);
  return mode.kind === 'single' ? singleWorkspaceClients(createSlackClient(mode.botToken, options.env.SLACK_API_URL)) : null;
}

/** The worker inside the app process, for small teams: add `workerPlugin()` to the plugin list in main.ts. */
export function workerPlugin(options: { teams?: readonly string[]; queuePrefix?: string; tuning?: Partial<Tuning>; renderHome?: HomeRenderer | null } = {}): Plugin {
  return async ({ env, services, deps, slackClients }) => {
    const runtime = await startWorkerRuntime({ env, services, deps, slackClients, ...options });
    return { components: [{ name: 'worker', stop: () => runtime.stop() }] };
  };
}
