/**
 * The decision path as it runs in production: the app (`src/main.ts`, HTTP receiver, RUN_WORKER=false) and the
 * worker (`src/worker.ts`) as their own processes on a throwaway database and queue prefix, Slack's Web API
 * answered by the local fake in a third process, and simulated reviewers clicking Approve on their cards with
 * signed block_actions requests.
 *   npm run bench:decision-path          (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CLIENTS, BENCH_PROFILE=0, BENCH_SCALE)
 * Open-loop phases at 200 and 800 clicks/s give ack latency (client side, due time → HTTP 200) and committed
 * decisions/s (audit events in the phase window); a closed-loop phase with BENCH_CLIENTS reviewers (each waits
 * for its card to be redrawn as approved) gives the sustained maximum, compared with pgbench TPC-B at the same
 * client count on the same PostgreSQL. Order: warm-up, 200/s, closed loop, 800/s (last, because it may leave a
 * backlog; it is waited for only briefly). The app and the worker run with --cpu-prof unless BENCH_PROFILE=0;
 * their CPU time and peak memory (VmHWM) are read from /proc before they stop, and the app's memory at idle
 * (VmRSS) a moment after it started. An acknowledged click is committed when its decision row exists; one
 * answered out loud (an ephemeral or a response_url post, which the fake Slack sees) is refused, not uncommitted.
 * BENCH_SCALE=2 runs two app processes behind a round-robin proxy (bench/proxy.ts) and two workers against the
 * one PostgreSQL and Redis, and checks that every decision and message still happened exactly once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ACTION_IDS } from '../blocks/ids.ts';
import { encodeCardAction } from '../blocks/values.ts';
import type { Orm } from '../src/db/orm.ts';
import { messageKeys } from '../src/jobs/registry.ts';
import { createServices, type RequestMeta } from '../src/services/index.ts';
import { blockActionsPayload } from '../test/support/slack-requests.ts';
import { startFakeSlackProcess, type FakeSlackProcess } from './fake-slack-client.ts';
import { closedLoop, openLoop, slackPoster, type LoadResult, type SlackPoster } from './load.ts';
import { runPgbench, type PgbenchResult } from './pgbench.ts';
import { fork } from 'node:child_process';
import { cpuSeconds, freePort, httpOk, NODE_FLAGS, peakMemoryMiB, residentMemoryMiB, startNode, stopChild, waitUntil, type Child } from './processes.ts';
import { summariseProfile, type ProfileSummary } from './profile.ts';
import type { MetricRow } from './report.ts';
import { sampleWaitEvents, type WaitShare } from './wait-events.ts';
import { benchDatabase, percentile } from './support.ts';

export interface DecisionPathOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Simulated reviewers in the closed loop, the app's DATABASE_POOL_SIZE and pgbench's -c. */
  readonly clients: number;
  readonly rates: readonly number[];
  readonly profile: boolean;
  /** App processes (behind a round-robin proxy when more than one) and worker processes. */
  readonly scale: number;
  readonly redisUrl: string;
  readonly log: (line: string) => void;
}

export interface PhaseResult {
  readonly name: string;
  readonly offeredPerSecond: number | null;
  readonly clicks: number;
  readonly failedAcks: number;
  /** Open loop: due time → HTTP 200 (the ack). Closed loop: click sent → its card redrawn as approved. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly committedPerSecond: number;
  /** Click (due time) → decision committed (its decision row), for the clicks of this phase. */
  readonly commitLagMs: { readonly p50: number; readonly p99: number };
  /** Clicks answered out loud (ephemeral or response_url) during the phase, and how many of those said nothing was recorded. */
  readonly refused: number;
  readonly notRecorded: number;
  /** Acknowledged clicks neither committed nor refused when the last ack came back. */
  readonly uncommittedAtEnd: number;
  /** CPU used per click of this phase (its drain included), by the app processes and by the workers. */
  readonly cpuMsPerClick: { readonly app: number; readonly worker: number };
  /** What the database's busy backends were doing during the phase (sampled pg_stat_activity). */
  readonly databaseWaits: readonly WaitShare[];
  /** How long after the last click the backlog took to commit (or was waited for). */
  readonly drainSeconds: number;
  /** How long after that the worker took to deliver what the phase caused (or was waited for). */
  readonly workerDrainSeconds: number;
  /** Acknowledged clicks not committed when the drain wait ended (an overloaded phase). */
  readonly uncommitted: number;
}

/** What must have happened once each, checked at the end of the run (across every app and worker). */
export interface ExactlyOnce {
  /** A person's approval recorded twice on one stage. */
  readonly duplicateDecisions: number;
  /** Decision rows without exactly one audit event. */
  readonly decisionsWithoutOneEvent: number;
  /** Messages of ours visible twice in one conversation (the fake Slack's view). */
  readonly duplicateMessages: number;
}

export interface DecisionPathResult {
  readonly clients: number;
  readonly phases: readonly PhaseResult[];
  readonly sustainedPerSecond: number;
  readonly pgbench: PgbenchResult;
  readonly scale: number;
  /** VmHWM of the app at the end and before the highest (overloading) rate, and of the worker (the largest replica's). */
  readonly peakMemoryMiB: { readonly app: number; readonly appBeforeOverload: number; readonly worker: number };
  /** VmRSS of the app and the worker a moment after they started, before any load. */
  readonly idleMemoryMiB: { readonly app: number; readonly worker: number };
  readonly exactlyOnce: ExactlyOnce;
  /** Every click sent (warm-up included) and the CPU the app and the worker used over the run. */
  readonly clicksSent: number;
  readonly cpuSeconds: { readonly app: number; readonly worker: number };
  readonly profiles: { readonly app: ProfileSummary | null; readonly worker: ProfileSummary | null };
  readonly rows: MetricRow[];
}

const TEAM = 'T0BENCH';
const ADMIN = 'UADMINBENCH';
const SEED_CONCURRENCY = 8;
/** Clicks a submission absorbs: its one stage asks a group of five reviewers and needs all of them. */
const CLICKS_PER_SUBMISSION = 5;
/** What the closed loop might reach, to seed enough cards for it. */
const SATURATION_ESTIMATE_PER_SECOND = 600;
/** How long a phase's backlog is waited for; after the last (overloading) phase only briefly. */
const DRAIN_LIMIT_SECONDS = 180;
const LAST_DRAIN_LIMIT_SECONDS = 20;

interface Card {
  readonly submissionId: string;
  readonly stageInstanceId: string;
  readonly reviewerId: string;
  readonly channel: string;
  readonly ts: string;
}

const reviewerIds = (clients: number) => Array.from({ length: clients }, (_, i) => `URV${String(i).padStart(3, '0')}`);
const requesterIds = Array.from({ length: 50 }, (_, i) => `URQ${String(i).padStart(3, '0')}`);

/** Roles of five reviewers, one workflow per role (one stage, all must approve), and in-review submissions. */
async function seed(orm: Orm, clients: number, submissions: number, log: (line: string) => void): Promise<void> {
  const services = createServices({ orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [ADMIN] });
  const meta: RequestMeta = { origin: { kind: 'system', component: 'bench' }, traceId: null };
  const reviewers = reviewerIds(clients);
  const groups = Math.floor(clients / CLICKS_PER_SUBMISSION);
  for (let p = 0; p < groups; p++) {
    const role = `group_${p}`;
    await services.directory.setRole(TEAM, ADMIN, { name: role, members: reviewers.slice(p * CLICKS_PER_SUBMISSION, (p + 1) * CLICKS_PER_SUBMISSION) }, meta);
    await services.workflows.publish(TEAM, ADMIN, {
      key: `bench-${p}`, name: `Bench ${p}`,
      stages: [{ id: 'review', name: 'Review', step: 1, approvers: [{ type: 'role', role }], rule: { kind: 'all' } }],
    }, meta);
  }
  let next = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, async () => {
    for (let i = next++; i < submissions; i = next++) {
      await services.submissions.submit({ teamId: TEAM, workflowKey: `bench-${i % groups}`, requesterId: requesterIds[i % requesterIds.length] as string, title: `Bench request ${i}` }, meta);
    }
  }));
  log(`  seeded ${submissions} submissions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Every reviewer card, posted to the fake Slack and recorded in slack_message as the worker records its posts.
 * The worker's Slack queue is limited to Slack's own pace (a few messages a second), far too slow to post
 * thousands of seeded cards, so the bench posts them itself and marks the seeding's outbox rows done before
 * the worker starts; the worker then only carries what the clicks cause. Returns the cards in click order.
 */
async function seedCards(orm: Orm, fake: FakeSlackProcess, log: (line: string) => void): Promise<Card[]> {
  const started = Date.now();
  const em = orm.em.fork();
  const pending = await em.execute<{ submission_id: string; stage_instance_id: string; reviewer: string }[]>(
    `select si.submission_id, si.id as stage_instance_id, p.u as reviewer
       from stage_instance si join submission s on s.id = si.submission_id, jsonb_array_elements_text(si.pool) as p(u)
      where si.status = 'open' order by s.created_at, s.id, p.u`,
  );
  const posted = await fake.post(pending.map((r) => ({ channel: r.reviewer, text: 'Approval needed (seeded card)' })));
  const cards = pending.map((r, i) => ({ submissionId: r.submission_id, stageInstanceId: r.stage_instance_id, reviewerId: r.reviewer, channel: posted[i]?.channel ?? '', ts: posted[i]?.ts ?? '' }));
  await em.execute(
    `insert into slack_message (team_id, key, kind, submission_id, stage_instance_id, recipient_id, channel, ts)
     select ?, x.key, 'reviewer', x.s::uuid, x.i::uuid, x.r, x.c, x.t
       from jsonb_to_recordset(?::jsonb) as x(key text, s text, i text, r text, c text, t text)`,
    [TEAM, JSON.stringify(cards.map((c) => ({ key: messageKeys.card('reviewer', c.submissionId, c.stageInstanceId, c.reviewerId, null), s: c.submissionId, i: c.stageInstanceId, r: c.reviewerId, c: c.channel, t: c.ts })))],
  );
  await em.execute('update outbox set relayed_at = now(), processed_at = now() where processed_at is null');
  log(`  posted ${cards.length} reviewer cards in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The clicks on one request arrive a block apart, as separate people's would, not back to back.
  const block = 100 * CLICKS_PER_SUBMISSION;
  const ordered: Card[] = [];
  for (let start = 0; start < cards.length; start += block) {
    const chunk = cards.slice(start, start + block);
    for (let k = 0; k < CLICKS_PER_SUBMISSION; k++) ordered.push(...chunk.filter((_, i) => i % CLICKS_PER_SUBMISSION === k));
  }
  return ordered;
}

/** The form body of a real Approve click on `card`, with the action_ts it is sent at. */
function approveClick(card: Card, actionTs: string, respondUrl: string): string {
  const payload = blockActionsPayload({
    teamId: TEAM, userId: card.reviewerId, actionId: ACTION_IDS.approve, blockId: 'review_actions',
    value: encodeCardAction(card.submissionId, card.stageInstanceId, 1), actionTs,
    message: { channelId: card.channel, ts: card.ts }, triggerId: `${Date.now()}.1000000001.${randomBytes(8).toString('hex')}`,
  });
  payload.response_url = respondUrl;
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

const slackTs = (ms: number, seq: number): string => `${Math.floor(ms / 1000)}.${String(seq % 1_000_000).padStart(6, '0')}`;

/** Committed approvals (decision rows) decided in a window, and each one's commit time by card. */
async function committed(orm: Orm, from: Date, to: Date): Promise<{ count: number; at: Map<string, number> }> {
  const rows = await orm.em.fork().execute<{ stage_instance_id: string; actor_id: string; decided_at: Date }[]>(
    `select stage_instance_id, actor_id, decided_at from decision where kind = 'approve' and decided_at >= ? and decided_at < ?`,
    [from, to],
  );
  return { count: rows.length, at: new Map(rows.map((r) => [`${r.stage_instance_id}/${r.actor_id}`, new Date(r.decided_at).getTime()])) };
}

async function countApprovals(orm: Orm): Promise<number> {
  const [row] = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from decision where kind = 'approve'`);
  return Number(row?.n ?? 0);
}

async function exactlyOnce(orm: Orm, fake: FakeSlackProcess): Promise<ExactlyOnce> {
  const em = orm.em.fork();
  const [twice] = await em.execute<{ n: string }[]>(
    `select count(*) as n from (select 1 from decision where kind = 'approve' group by stage_instance_id, actor_id having count(*) > 1) d`,
  );
  const [unevented] = await em.execute<{ n: string }[]>(
    `select count(*) as n from decision d where (select count(*) from audit_event e where e.type like 'decision.%' and e.details->>'decisionId' = d.id::text) <> 1`,
  );
  return { duplicateDecisions: Number(twice?.n ?? 0), decisionsWithoutOneEvent: Number(unevented?.n ?? 0), duplicateMessages: (await fake.stats()).duplicates };
}

/** Waits until every open stage has its timers scheduled (the worker's start-up repair of the seeding); returns the seconds it took. */
async function waitForTimers(orm: Orm, worker: Child, limitSeconds: number): Promise<number> {
  const started = Date.now();
  await waitUntil(worker, async () => {
    const [row] = await orm.em.fork().execute<{ n: string }[]>(
      `select count(*) as n from stage_instance si where si.status = 'open' and not exists (select 1 from scheduled_timer t where t.job_id = 'sla-' || si.id::text)`,
    );
    return Number(row?.n ?? 1) === 0;
  }, limitSeconds * 1000);
  return (Date.now() - started) / 1000;
}

/** Waits until the worker has caught up (every outbox row processed, every message sent), at most `limitSeconds`. */
async function drainWorker(orm: Orm, limitSeconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [row] = await orm.em.fork().execute<{ n: string }[]>(
      `select (select count(*) from outbox where processed_at is null) + (select count(*) from delivery_intent where done_at is null) as n`,
    );
    const seconds = (Date.now() - started) / 1000;
    if (Number(row?.n ?? 0) === 0 || seconds >= limitSeconds) return seconds;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `expected` approvals are committed in total, at most `limitSeconds`; returns the seconds waited and what is left. */
async function drain(orm: Orm, expected: number, limitSeconds: number): Promise<{ seconds: number; left: number }> {
  const started = Date.now();
  for (;;) {
    const n = await countApprovals(orm);
    const seconds = (Date.now() - started) / 1000;
    if (n >= expected || seconds >= limitSeconds) return { seconds, left: Math.max(0, expected - n) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Clicker {
  next(): { card: Card; body: string; dueMs: number };
  sent(): number;
  sentAt: Map<string, number>;
}

function clicker(cards: readonly Card[], respondUrl: string): Clicker {
  let index = 0;
  const sentAt = new Map<string, number>();
  return {
    sentAt,
    sent: () => index,
    next() {
      const card = cards[index++];
      if (!card) throw new Error('out of seeded cards; raise the seed count');
      const now = Date.now();
      sentAt.set(`${card.stageInstanceId}/${card.reviewerId}`, now);
      return { card, body: approveClick(card, slackTs(now, index), respondUrl), dueMs: now };
    },
  };
}

/** The processes under load and the fake Slack, for what a phase reads besides the database. */
interface Observed {
  readonly orm: Orm;
  readonly databaseUrl: string;
  readonly fake: FakeSlackProcess;
  readonly apps: readonly Child[];
  readonly workers: readonly Child[];
}

const cpuOf = async (children: readonly Child[]): Promise<number> => {
  let total = 0;
  for (const child of children) total += await cpuSeconds(child.process.pid ?? 0);
  return total;
};

/** How long after the last ack the bench waits for answers still on their way to the fake Slack. */
const ANSWER_GRACE_MS = 500;

async function measurePhase(name: string, offered: number | null, seen: Observed, clicks: Clicker, run: () => Promise<LoadResult>, approvedBefore: number, drainLimitSeconds: number): Promise<PhaseResult> {
  const { orm } = seen;
  const cpuBefore = { app: await cpuOf(seen.apps), worker: await cpuOf(seen.workers) };
  const answersBefore = await seen.fake.stats();
  const from = new Date();
  const sampler = sampleWaitEvents(seen.databaseUrl);
  const load = await run();
  const to = new Date();
  const databaseWaits = await sampler.stop();
  await new Promise((resolve) => setTimeout(resolve, ANSWER_GRACE_MS));
  const answers = await seen.fake.stats();
  const refused = answers.answered - answersBefore.answered;
  const committedAtEnd = (await committed(orm, from, to)).count;
  const uncommittedAtEnd = Math.max(0, load.ok - committedAtEnd - refused);
  const drained = await drain(orm, approvedBefore + load.ok - refused, drainLimitSeconds);
  // The worker's share of the phase (cards, timers) is done before the next phase starts and the CPU is read.
  const workerDrainSeconds = await drainWorker(orm, drainLimitSeconds);
  const cpuAfter = { app: await cpuOf(seen.apps), worker: await cpuOf(seen.workers) };
  const all = await committed(orm, from, new Date(Date.now() + 1000));
  const lags: number[] = [];
  for (const [key, at] of all.at) {
    const sent = clicks.sentAt.get(key);
    if (sent !== undefined) lags.push(at - sent);
  }
  lags.sort((a, b) => a - b);
  // An open loop offers its clicks over `sent / rate` seconds: all of them committed by the end is the full rate.
  const seconds = offered ? load.sent / offered : (to.getTime() - from.getTime()) / 1000;
  const perClick = (cpu: number) => (load.sent > 0 ? (cpu * 1000) / load.sent : Number.NaN);
  return {
    name, offeredPerSecond: offered, clicks: load.sent, failedAcks: load.failed,
    latencyMs: { p50: percentile(load.latencies, 50), p95: percentile(load.latencies, 95), p99: percentile(load.latencies, 99), max: load.latencies.at(-1) ?? Number.NaN },
    committedPerSecond: committedAtEnd / seconds,
    commitLagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99) },
    refused, notRecorded: answers.notRecorded - answersBefore.notRecorded, uncommittedAtEnd,
    cpuMsPerClick: { app: perClick(cpuAfter.app - cpuBefore.app), worker: perClick(cpuAfter.worker - cpuBefore.worker) },
    databaseWaits,
    drainSeconds: drained.seconds,
    workerDrainSeconds,
    uncommitted: drained.left,
  };
}

async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Issue 15's goals for the decision path: ack within Slack's patience, every acknowledged click committed, bounded memory. */
const GOALS = {
  ackP99Ms: (rate: number) => (rate <= 200 ? 50 : 1000),
  commitLagP99Ms: 100,
  committedPerSecond: (rate: number) => (rate <= 200 ? rate : rate / 2),
  closedLoopVsPgbench: 0.3,
  cpuMsPerClick: { app: 0.8, worker: 0.6 },
  appPeakMiB: 250,
  appPeakBeforeOverloadMiB: 200,
  appIdleMiB: 150,
};

function rowsFor(result: Omit<DecisionPathResult, 'rows'>, options: DecisionPathOptions): MetricRow[] {
  const b = options.scale > 1 ? `decision path ×${options.scale}` : 'decision path';
  const rows: MetricRow[] = [];
  const open = result.phases.filter((p) => p.offeredPerSecond !== null);
  const phaseDetail = (phase: PhaseResult) => `${phase.clicks} clicks, ${phase.failedAcks} failed acks, ${phase.refused} refused out loud (${phase.notRecorded} "not recorded"); drain ${phase.drainSeconds.toFixed(1)} s${phase.uncommitted ? `, ${phase.uncommitted} acked clicks still uncommitted after it` : ''}, worker caught up ${phase.workerDrainSeconds.toFixed(1)} s later`;
  // The goal table first, in the issue's order.
  for (const phase of open) {
    const rate = phase.offeredPerSecond ?? 0;
    rows.push({ benchmark: b, metric: `ack p99 @ ${rate}/s`, value: phase.latencyMs.p99, unit: 'ms', goal: { kind: 'at_most', target: GOALS.ackP99Ms(rate) }, detail: `p50 ${phase.latencyMs.p50.toFixed(1)} / p95 ${phase.latencyMs.p95.toFixed(1)} / max ${phase.latencyMs.max.toFixed(0)} ms` });
    if (rate <= 200) rows.push({ benchmark: b, metric: `commit lag p99 @ ${rate}/s`, value: phase.commitLagMs.p99, unit: 'ms', goal: { kind: 'at_most', target: GOALS.commitLagP99Ms }, detail: `click → decision row; p50 ${phase.commitLagMs.p50.toFixed(0)} ms` });
    rows.push({ benchmark: b, metric: `committed decisions/s @ ${rate}/s`, value: phase.committedPerSecond, unit: '/s', goal: { kind: 'at_least', target: GOALS.committedPerSecond(rate) }, detail: 'committed by the last ack, over the seconds the clicks were offered' });
    rows.push({ benchmark: b, metric: `acked, not committed at end @ ${rate}/s`, value: phase.uncommittedAtEnd, unit: '', goal: { kind: 'at_most', target: 0 }, detail: phaseDetail(phase) });
  }
  const saturation = result.phases.find((p) => p.offeredPerSecond === null);
  rows.push({
    benchmark: b, metric: `closed loop / pgbench TPC-B (${options.clients} clients)`, value: result.sustainedPerSecond / result.pgbench.tps, unit: '×',
    goal: { kind: 'at_least', target: GOALS.closedLoopVsPgbench },
    detail: `${result.sustainedPerSecond.toFixed(0)} decisions/s vs ${result.pgbench.tps.toFixed(0)} tps (-c ${result.pgbench.clients} -j 2 -s ${result.pgbench.scale}, ${result.pgbench.seconds} s)${saturation ? `; click→redrawn p50 ${saturation.latencyMs.p50.toFixed(0)} ms; ${saturation.uncommittedAtEnd} acked not committed at end` : ''}`,
  });
  const perClick = (cpu: number) => (cpu * 1000) / result.clicksSent;
  const phaseCpu = (which: 'app' | 'worker') => result.phases.map((p) => `${p.name} ${p.cpuMsPerClick[which].toFixed(2)}`).join(', ');
  rows.push({ benchmark: b, metric: 'app CPU per click', value: perClick(result.cpuSeconds.app), unit: 'ms', goal: { kind: 'at_most', target: GOALS.cpuMsPerClick.app }, detail: `${result.cpuSeconds.app.toFixed(1)} s over ${result.clicksSent} clicks; by phase: ${phaseCpu('app')}` });
  rows.push({ benchmark: b, metric: 'worker CPU per click', value: perClick(result.cpuSeconds.worker), unit: 'ms', goal: { kind: 'at_most', target: GOALS.cpuMsPerClick.worker }, detail: `${result.cpuSeconds.worker.toFixed(1)} s (5 reviewers per stage); by phase: ${phaseCpu('worker')}` });
  const profiled = options.profile ? '; --cpu-prof on (adds memory; BENCH_PROFILE=0 to measure without)' : '';
  rows.push({ benchmark: b, metric: 'app peak memory, whole run (VmHWM)', value: result.peakMemoryMiB.app, unit: 'MiB', goal: { kind: 'at_most', target: GOALS.appPeakMiB }, detail: `including the highest rate${profiled}` });
  rows.push({ benchmark: b, metric: 'app peak memory before the highest rate', value: result.peakMemoryMiB.appBeforeOverload, unit: 'MiB', goal: { kind: 'at_most', target: GOALS.appPeakBeforeOverloadMiB }, detail: 'warm-up, lowest rate and closed loop' });
  rows.push({ benchmark: b, metric: 'app memory at idle after start (VmRSS)', value: result.idleMemoryMiB.app, unit: 'MiB', goal: { kind: 'at_most', target: GOALS.appIdleMiB }, detail: `worker ${result.idleMemoryMiB.worker.toFixed(0)} MiB at idle${profiled}` });
  // Per phase, the figures behind the goals.
  for (const phase of result.phases) {
    rows.push({
      benchmark: b, metric: `${phase.name}: commit lag p50 / p99`, value: phase.commitLagMs.p99, unit: 'ms', goal: null,
      detail: `p50 ${phase.commitLagMs.p50.toFixed(0)} ms; ${phase.uncommittedAtEnd} acked not committed at end; CPU per click app ${phase.cpuMsPerClick.app.toFixed(2)} / worker ${phase.cpuMsPerClick.worker.toFixed(2)} ms; committed ${phase.committedPerSecond.toFixed(0)}/s`,
    });
  }
  rows.push({ benchmark: b, metric: 'worker peak memory (VmHWM)', value: result.peakMemoryMiB.worker, unit: 'MiB', goal: null });
  const once = result.exactlyOnce;
  rows.push({ benchmark: b, metric: 'decisions recorded twice', value: once.duplicateDecisions + once.decisionsWithoutOneEvent, unit: '', goal: { kind: 'at_most', target: 0 }, detail: `${once.duplicateDecisions} approvals twice on a stage, ${once.decisionsWithoutOneEvent} decisions without exactly one audit event` });
  rows.push({ benchmark: b, metric: 'messages shown twice', value: once.duplicateMessages, unit: '', goal: { kind: 'at_most', target: 0 }, detail: 'worker posts (by metadata key) visible twice in one conversation' });
  return rows;
}

/** The round-robin proxy in its own process (so it does not share the load generator's event loop). */
async function startProxy(upstreams: readonly string[]): Promise<{ url: string; child: Child }> {
  const process = fork(new URL('./proxy.ts', import.meta.url).pathname, [], { execArgv: NODE_FLAGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const child: Child = { name: 'proxy', process, output: () => '' };
  const url = await new Promise<string>((resolve, reject) => {
    process.once('exit', (code) => reject(new Error(`proxy exited with ${code}`)));
    process.once('message', (m: { url: string }) => resolve(m.url));
    process.send({ upstreams });
  });
  return { url, child };
}

const maxOf = async (children: readonly Child[], read: (pid: number) => Promise<number>): Promise<number> => {
  let most = 0;
  for (const child of children) most = Math.max(most, await read(child.process.pid ?? 0));
  return most;
};

/** How long the app and the worker are left alone after they start before their idle memory is read. */
const IDLE_SETTLE_MS = 3000;

export async function runDecisionPath(options: DecisionPathOptions): Promise<DecisionPathResult> {
  const { log, clients, scale } = options;
  const clicksNeeded = options.warmupSeconds * 100 + options.rates.reduce((n, r) => n + r * options.seconds, 0) + SATURATION_ESTIMATE_PER_SECOND * scale * options.seconds;
  const submissions = Math.ceil(clicksNeeded / CLICKS_PER_SUBMISSION);
  const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
  const profileDir = options.profile ? await mkdtemp(join(tmpdir(), 'approvals-bench-prof-')) : null;
  const db = await benchDatabase(SEED_CONCURRENCY + 2);
  const children: Child[] = [];
  let fake: FakeSlackProcess | null = null;
  let poster: SlackPoster | null = null;
  try {
    fake = await startFakeSlackProcess([ADMIN, ...reviewerIds(clients), ...requesterIds]);
    const signingSecret = randomBytes(16).toString('hex');
    // Each replica gets the pool size of one: together they may open `scale` times the connections.
    const env = {
      DATABASE_URL: db.url, DATABASE_POOL_SIZE: String(clients), REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: queuePrefix, SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_API_URL: fake.url,
      APPROVAL_ADMINS: ADMIN, RUN_WORKER: 'false', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_SECONDS: '0',
      // The fake Slack has no rate limits: the worker's own pace would measure Slack's, not the decision path.
      SLACK_CALLS_PER_SECOND: '100000',
    };
    const profileFlags = (name: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
    const apps: Child[] = [];
    const appUrls: string[] = [];
    for (let n = 0; n < scale; n++) {
      const port = await freePort();
      const app = startNode(n === 0 ? 'app' : `app${n + 1}`, 'src/main.ts', { ...env, PORT: String(port) }, profileFlags(n === 0 ? 'app' : `app${n + 1}`));
      children.push(app);
      apps.push(app);
      appUrls.push(`http://127.0.0.1:${port}`);
      await waitUntil(app, () => httpOk(`http://127.0.0.1:${port}/healthz`));
    }
    let baseUrl = appUrls[0] ?? '';
    if (scale > 1) {
      const proxy = await startProxy(appUrls);
      children.push(proxy.child);
      baseUrl = proxy.url;
    }
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const appIdle = await maxOf(apps, residentMemoryMiB);
    log(`  ${scale} app${scale > 1 ? 's' : ''} (idle ${appIdle.toFixed(0)} MiB) and fake Slack started; seeding ${submissions} submissions (${clients / CLICKS_PER_SUBMISSION} groups of ${CLICKS_PER_SUBMISSION} reviewers)`);

    await seed(db.orm, clients, submissions, log);
    const cards = clicker(await seedCards(db.orm, fake, log), fake.respondUrl);
    // The seeded stages have no timers yet (their outbox rows were marked done): a worker reconciling every second
    // schedules them first, so the measured workers do not spend the phases catching up on the seeding.
    const seedingPort = await freePort();
    const seeding = startNode('seeding worker', 'src/worker.ts', { ...env, PORT: String(seedingPort), RECONCILE_INTERVAL_SECONDS: '1' });
    children.push(seeding);
    const timersScheduled = await waitForTimers(db.orm, seeding, 600);
    await stopChild(seeding);
    log(`  timers of the seeded stages scheduled in ${timersScheduled.toFixed(1)} s`);
    const workers: Child[] = [];
    for (let n = 0; n < scale; n++) {
      const workerPort = await freePort();
      const name = n === 0 ? 'worker' : `worker${n + 1}`;
      const worker = startNode(name, 'src/worker.ts', { ...env, PORT: String(workerPort) }, profileFlags(name));
      children.push(worker);
      workers.push(worker);
      await waitUntil(worker, () => httpOk(`http://127.0.0.1:${workerPort}/healthz`));
    }
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const workerIdle = await maxOf(workers, residentMemoryMiB);
    poster = slackPoster(baseUrl, signingSecret);
    const send = poster;
    const seen: Observed = { orm: db.orm, databaseUrl: db.url, fake, apps, workers };

    const phases: PhaseResult[] = [];
    let approved = await countApprovals(db.orm);
    const openPhase = async (name: string, rate: number, seconds: number, drainLimitSeconds: number) => {
      const phase = await measurePhase(name, rate, seen, cards, () => openLoop(rate, seconds, () => cards.next().body, send), approved, drainLimitSeconds);
      approved = await countApprovals(db.orm);
      log(`  ${name}: ack p50 ${phase.latencyMs.p50.toFixed(1)} / p95 ${phase.latencyMs.p95.toFixed(1)} / p99 ${phase.latencyMs.p99.toFixed(1)} ms; committed ${phase.committedPerSecond.toFixed(0)}/s; commit lag p99 ${phase.commitLagMs.p99.toFixed(0)} ms; ${phase.uncommittedAtEnd} acked not committed at end, ${phase.refused} refused; drain ${phase.drainSeconds.toFixed(1)} s, ${phase.uncommitted} left; worker caught up ${phase.workerDrainSeconds.toFixed(1)} s later`);
      return phase;
    };
    await openPhase('warm-up', 100, options.warmupSeconds, DRAIN_LIMIT_SECONDS);
    if (approved === 0) throw new Error(`no click was committed during the warm-up; app output:\n${apps.map((a) => a.output()).join('\n')}`);
    const [lowRate, ...higherRates] = [...options.rates].sort((a, b) => a - b);
    if (lowRate !== undefined) phases.push(await openPhase(`open loop ${lowRate}/s`, lowRate, options.seconds, DRAIN_LIMIT_SECONDS));

    // Before the highest rate: a backlog left by an overload would otherwise run into this phase.
    const saturation = await measurePhase('closed loop', null, seen, cards, () => closedLoop(clients, options.seconds, () => {
      const click = cards.next();
      const key = `${click.card.channel}/${click.card.ts}`;
      return { body: click.body, settled: () => fake?.approved(key, 10_000) ?? Promise.resolve() };
    }, send), approved, DRAIN_LIMIT_SECONDS);
    approved = await countApprovals(db.orm);
    phases.push(saturation);
    log(`  closed loop (${clients} clients): ${saturation.committedPerSecond.toFixed(0)} decisions/s; click→redrawn p50 ${saturation.latencyMs.p50.toFixed(1)} ms`);
    const appPeakBeforeOverload = await maxOf(apps, peakMemoryMiB);
    // The last phase may overload the app; its backlog is waited for only briefly (what is left is reported).
    for (const rate of higherRates) phases.push(await openPhase(`open loop ${rate}/s`, rate, options.seconds, LAST_DRAIN_LIMIT_SECONDS));

    if (process.env.BENCH_VERBOSE) log(`app output (tail):\n${apps.map((a) => a.output()).join('\n')}\nworker output (tail):\n${workers.map((w) => w.output()).join('\n')}`);
    const clicksSent = cards.sent();
    const cpu = { app: await cpuOf(apps), worker: await cpuOf(workers) };
    const peak = { app: await maxOf(apps, peakMemoryMiB), appBeforeOverload: appPeakBeforeOverload, worker: await maxOf(workers, peakMemoryMiB) };
    // Whatever the last phase left is given a moment more before counting what happened twice.
    await drain(db.orm, approved, LAST_DRAIN_LIMIT_SECONDS);
    const once = await exactlyOnce(db.orm, fake);
    poster.close();
    for (const child of children.splice(0)) await stopChild(child, 60_000);
    await fake.stop();
    fake = null;

    log(`  pgbench TPC-B, ${clients} clients, ${options.seconds} s`);
    const pgbench = await runPgbench(clients, options.seconds);
    // A child killed after its grace period writes no profile; the figures stand without it.
    const summary = async (name: string) => (profileDir ? summariseProfile(join(profileDir, `${name}.cpuprofile`)).catch(() => null) : null);
    const profiles = { app: await summary('app'), worker: await summary('worker') };
    const result = {
      clients, scale, phases, sustainedPerSecond: saturation.committedPerSecond, pgbench, peakMemoryMiB: peak,
      idleMemoryMiB: { app: appIdle, worker: workerIdle }, exactlyOnce: once, clicksSent, cpuSeconds: cpu, profiles,
    };
    return { ...result, rows: rowsFor(result, options) };
  } finally {
    poster?.close();
    for (const child of children) await stopChild(child).catch(() => undefined);
    await fake?.stop().catch(() => undefined);
    await deleteQueueKeys(options.redisUrl, queuePrefix).catch(() => undefined);
    await db.drop();
  }
}

export const decisionPathOptionsFromEnv = (log: (line: string) => void): DecisionPathOptions => ({
  seconds: Number(process.env.BENCH_SECONDS ?? 20),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 3),
  clients: Number(process.env.BENCH_CLIENTS ?? 10),
  rates: [200, 800],
  profile: process.env.BENCH_PROFILE !== '0',
  scale: Math.max(1, Number(process.env.BENCH_SCALE ?? 1)),
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  log,
});

if (import.meta.main) {
  const { configureLogging } = await import('../src/observability/logger.ts');
  configureLogging('warn');
  const { formatTable } = await import('./report.ts');
  const { formatProfile } = await import('./profile.ts');
  const result = await runDecisionPath(decisionPathOptionsFromEnv((line) => console.error(line)));
  console.log(formatTable(result.rows));
  for (const phase of result.phases) console.log(`database during ${phase.name}: ${phase.databaseWaits.map((w) => `${w.event} ${w.percent}%`).join(', ')}`);
  if (result.profiles.app) console.log(formatProfile('app', result.profiles.app));
  if (result.profiles.worker) console.log(formatProfile('worker', result.profiles.worker));
}
