/**
 * The whole system as it runs in production, for fault injection: the app process (RUN_WORKER=false) and a
 * separate worker process on their own freshly migrated database, Redis under a unique queue prefix, and
 * Slack's Web API answered by the fake in this process. The test process keeps its own services on the same
 * database for set-up and for checking invariants at the end.
 *
 * Each stack gets its own database (a clone of the run's migrated template, or a new one on a private server)
 * because the worker process serves every workspace it finds: it must relay only this stack's outbox rows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { cardActionValueSchema, decodeValue, type CardActionValue } from '../../blocks/values.ts';
import { createOrm, migrateToLatest, type Orm } from '../../src/db/orm.ts';
import type { WorkflowDefinitionInput } from '../../src/domain/index.ts';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.ts';
import { oneStageWorkflow, teamMoves, untilIdle, workIsDone } from '../integration/jobs-harness.ts';
import { QUEUE_NAMES } from '../../src/jobs/registry.ts';
import { uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { acquireDatabase, releaseDatabase } from '../support/test-databases.ts';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.ts';
import { startAppProcess, startWorkerProcess, type AppProcess, type ManagedProcess } from '../support/processes.ts';
import { slackRequester, type SendOptions, type SlackRequester } from '../support/slack-requests.ts';

/** Teardown asks the processes to stop (SIGTERM) and kills what is still running after this long. */
const STOP_GRACE_MS = 2000;

export interface StackOptions {
  /** Server to create the stack's database on; the run's shared PostgreSQL by default. */
  readonly postgresAdminUrl?: string;
  /** Redis to use; the run's shared Redis by default (the queue prefix keeps keys apart). */
  readonly redisUrl?: string;
}

export interface Card {
  readonly reviewerId: string;
  readonly channelId: string;
  readonly ts: string;
  readonly value: string;
  readonly action: CardActionValue;
}

type StageOverrides = Partial<WorkflowDefinitionInput['stages'][number]>;

export interface OpenRequest {
  readonly requester: string;
  readonly reviewers: string[];
  readonly id: string;
  readonly stageInstanceId: string;
  readonly cards: Card[];
}

export interface Stack {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly orm: Orm;
  readonly services: Services;
  readonly slack: FakeSlack;
  readonly requests: SlackRequester;
  readonly teamId: string;
  readonly admin: string;
  app: AppProcess;
  worker: ManagedProcess | null;
  /** People known to the fake Slack (unknown ones answer user_not_found). */
  people(label: string, count: number): string[];
  publish(definition: WorkflowDefinitionInput): Promise<void>;
  submit(workflowKey: string, requesterId: string, title?: string): Promise<string>;
  startWorker(): Promise<ManagedProcess>;
  /** The reviewer's card for a stage as the worker posted it (waits for it). */
  cardFor(reviewerId: string, stageInstanceId: string, timeoutMs?: number): Promise<Card>;
  /** A published one-stage workflow asking `reviewerCount` new people, a request to it, and each reviewer's card. */
  openRequest(workflowKey: string, reviewerCount: number, stage?: StageOverrides): Promise<OpenRequest>;
  /** A signed click on a card's button. */
  click(card: Card, options?: { actionId?: string; actionTs?: string; send?: SendOptions }): ReturnType<SlackRequester['action']>;
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  /** Resolves once every outbox row is processed and the worker's queues have nothing left to run (future timers aside). */
  settled(timeoutMs?: number): Promise<void>;
  /** The children's output, to print when a case fails. */
  logs(): string;
  stop(): Promise<void>;
}

/** What the approve button of a posted card carries, or null when the message is not a card. */
export function cardActionOf(call: RecordedCall): CardActionValue | null {
  const blocks = call.args.blocks;
  if (!Array.isArray(blocks)) return null;
  for (const block of blocks as { elements?: { action_id?: string; value?: string }[] }[]) {
    const approve = block.elements?.find((e) => e.action_id === ACTION_IDS.approve);
    if (approve) return decodeValue(cardActionValueSchema, approve.value);
  }
  return null;
}

/** Top-level messages Slack accepted that carry decision buttons: the reviewer cards. */
export const postedCards = (slack: FakeSlack): { call: RecordedCall; action: CardActionValue }[] =>
  slack.callsTo('chat.postMessage').flatMap((call) => {
    if (call.response?.ok !== true || call.args.thread_ts !== undefined) return [];
    const action = cardActionOf(call);
    return action ? [{ call, action }] : [];
  });

export interface VisiblePost {
  readonly call: RecordedCall;
  readonly channel: string;
  readonly ts: string;
  /** What the message is: the ledger key its metadata carries, or for a reviewer card without one, its stage. */
  readonly identity: string | null;
  /** For a top-level message with decision buttons (a reviewer card): what its buttons carry. */
  readonly action: CardActionValue | null;
}

const metadataKey = (args: Record<string, unknown>): string | null => {
  const payload = (args.metadata as { event_payload?: { key?: unknown } } | undefined)?.event_payload;
  return typeof payload?.key === 'string' ? payload.key : null;
};

/**
 * Every message a post created that still exists, whatever the poster heard back (an answer lost to a killed
 * process, a 5xx or a dropped connection still leaves the message in front of the person): what people see.
 */
export const visiblePosts = (slack: FakeSlack): VisiblePost[] =>
  slack.callsTo('chat.postMessage').flatMap((call) => {
    const result = call.carriedOut ?? call.response;
    if (result?.ok !== true) return [];
    const channel = String(result.channel);
    const ts = String(result.ts);
    if (!slack.getMessage(channel, ts)) return [];
    const action = call.args.thread_ts === undefined ? cardActionOf(call) : null;
    return [{ call, channel, ts, action, identity: metadataKey(call.args) ?? (action ? `card/${action.i}` : null) }];
  });

/** Reviewer cards people see: top-level messages with decision buttons that still exist. */
export const visibleCards = (slack: FakeSlack): (VisiblePost & { action: CardActionValue })[] =>
  visiblePosts(slack).filter((p): p is VisiblePost & { action: CardActionValue } => p.action !== null);

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `faults_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabaseAt(adminUrl: string, databaseUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${new URL(databaseUrl).pathname.slice(1)} with (force)`);
  } finally {
    await admin.end();
  }
}

/** The stack's database: a clone of the run's migrated template, or (on a private server) a new one migrated here. */
async function stackDatabase(postgresAdminUrl: string | undefined): Promise<{ url: string; orm: Orm; drop: () => Promise<void> }> {
  if (postgresAdminUrl === undefined) {
    const databases = inject('testDatabases');
    const url = await acquireDatabase(databases);
    return { url, orm: await createOrm({ databaseUrl: url, poolSize: 10 }), drop: () => releaseDatabase(databases, url) };
  }
  const url = await createDatabase(postgresAdminUrl);
  const orm = await createOrm({ databaseUrl: url, poolSize: 10 });
  await migrateToLatest(orm);
  return { url, orm, drop: () => dropDatabaseAt(postgresAdminUrl, url) };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { url: databaseUrl, orm, drop: dropStackDatabase } = await stackDatabase(options.postgresAdminUrl);
  const admin = uniqueUserId('ADM');
  const deps: ServiceDeps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [admin] };
  const services = createServices(deps);
  const slack = await startFakeSlack();
  const teamId = uniqueTeamId();
  const signingSecret = randomBytes(16).toString('hex');
  const redisUrl = options.redisUrl ?? inject('redisUrl');
  const queuePrefix = `faults${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-fault-suite',
    SLACK_API_URL: slack.url,
    APPROVAL_ADMINS: admin,
    LOG_LEVEL: 'info',
  };
  slack.addUser({ id: admin, name: admin.toLowerCase() });

  const retired: ManagedProcess[] = [];
  const app = await startAppProcess(env);
  const stack: Stack = {
    databaseUrl, redisUrl, queuePrefix, orm, services, slack, teamId, admin, app, worker: null,
    requests: slackRequester(app.baseUrl, signingSecret),
    people(label, count) {
      return Array.from({ length: count }, () => {
        const id = uniqueUserId(label);
        slack.addUser({ id, name: id.toLowerCase() });
        return id;
      });
    },
    ...teamMoves(services, teamId, admin),
    async startWorker() {
      if (stack.worker) retired.push(stack.worker);
      stack.worker = await startWorkerProcess(env);
      return stack.worker;
    },
    async cardFor(reviewerId, stageInstanceId, timeoutMs = 20_000) {
      const matches = (c: RecordedCall) => c.method === 'chat.postMessage' && c.response?.ok === true && c.args.channel === reviewerId
        && c.args.thread_ts === undefined && cardActionOf(c)?.i === stageInstanceId;
      const call = slack.calls.find(matches) ?? (await slack.waitFor(matches, timeoutMs));
      const action = cardActionOf(call);
      if (!action) throw new Error('not a card');
      const blocks = call.args.blocks as { elements?: { action_id?: string; value?: string }[] }[];
      const value = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION_IDS.approve)?.value ?? '';
      return { reviewerId, channelId: String(call.response?.channel), ts: String(call.response?.ts), value, action };
    },
    async openRequest(workflowKey, reviewerCount, stage = {}) {
      const [requester] = stack.people('REQ', 1) as [string];
      const reviewers = stack.people('REV', reviewerCount);
      await stack.publish(oneStageWorkflow(workflowKey, reviewers, stage));
      const id = await stack.submit(workflowKey, requester);
      const stageInstanceId = (await services.submissions.get(teamId, id)).stages[0]?.id ?? '';
      const cards = await Promise.all(reviewers.map((r) => stack.cardFor(r, stageInstanceId)));
      return { requester, reviewers, id, stageInstanceId, cards };
    },
    click(card, clickOptions = {}) {
      return stack.requests.action({
        teamId, userId: card.reviewerId, actionId: clickOptions.actionId ?? ACTION_IDS.approve, value: card.value,
        message: { channelId: card.channelId, ts: card.ts }, ...(clickOptions.actionTs ? { actionTs: clickOptions.actionTs } : {}),
      }, clickOptions.send);
    },
    sql: (query, params = []) => orm.em.fork().execute(query, params),
    async settled(timeoutMs = 20_000) {
      const queues = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: { url: redisUrl }, prefix: queuePrefix })]));
      try {
        await untilIdle(() => workIsDone(stack.sql, (name) => queues.get(name) as Queue), timeoutMs);
      } finally {
        await Promise.all([...queues.values()].map((q) => q.close()));
      }
    },
    logs() {
      return [stack.app, ...retired, stack.worker].flatMap((p) => (p ? [`--- ${p.name} (pid ${p.child.pid}) ---\n${p.output().slice(-6000)}`] : [])).join('\n');
    },
    async stop() {
      // FAULTS_LOG_DIR keeps every child's whole output, for digging into a failure.
      const logDir = process.env.FAULTS_LOG_DIR;
      if (logDir) for (const p of [stack.app, ...retired, stack.worker]) if (p) writeFileSync(join(logDir, `${p.name}-${p.child.pid}.log`), p.output());
      await Promise.all([stack.app, stack.worker, ...retired].map((p) => p?.stop(STOP_GRACE_MS)));
      await slack.close();
      await orm.close();
      await dropStackDatabase().catch(() => undefined);
    },
  };
  return stack;
}

/**
 * One stack for a test file: started before its first case (with a worker unless `worker: false`), its
 * processes' output printed when a case fails, stopped after the last case. Returns a getter for it.
 */
export function stackPerFile(options: StackOptions & { readonly worker?: boolean; readonly before?: () => Promise<StackOptions> } = {}): () => Stack {
  let stack: Stack | null = null;
  beforeAll(async () => {
    stack = await startStack({ ...options, ...(await options.before?.()) });
    if (options.worker ?? true) await stack.startWorker();
  }, 90_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && stack) console.error(stack.logs());
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the stack has not started');
    return stack;
  };
}
