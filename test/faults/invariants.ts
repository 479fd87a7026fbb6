/**
 * What must hold at the end of every fault case, whatever was injected: each decision recorded once (one row,
 * one audit event), no duplicate card visible to a person (each reviewer sees one card per stage, and no message
 * shows twice in a conversation), no delivery intent left unsent (every intent done, every claimed message
 * posted and recorded where it is), every outbox row processed, every open stage with its pending timers (and,
 * when asked, those timers back in Redis), no notification given up on, and an audit chain that verifies.
 */
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { waitUntil } from '../integration/jobs-harness.ts';
import { visibleCards, visiblePosts, type Stack } from './stack.ts';

export interface InvariantOptions {
  /** Also require that every pending timer row has its job in Redis (after a reconcile). */
  readonly timersInRedis?: boolean;
  /** How long to wait for in-flight work (relay, cards) to settle. */
  readonly settleMs?: number;
}

interface DecisionRow { id: string; stage_instance_id: string; actor_id: string; kind: string }
interface DecisionEvent { decision_id: string; type: string }

async function decisionsRecordedOnce(stack: Stack): Promise<void> {
  const rows = await stack.sql<DecisionRow>('select id, stage_instance_id, actor_id, kind from decision');
  const events = await stack.sql<DecisionEvent>(
    "select details->>'decisionId' as decision_id, type from audit_event where type like 'decision.%' and type <> 'decision.refused'",
  );
  const says = rows.filter((r) => ['approve', 'reject', 'request_changes', 'delegate'].includes(r.kind)).map((r) => `${r.stage_instance_id}/${r.actor_id}`);
  expect(new Set(says).size, 'one say per person per stage').toBe(says.length);
  expect(events.map((e) => e.decision_id).sort(), 'one audit event per decision row').toEqual(rows.map((r) => r.id).sort());
}

/** No duplicate card visible to a person: what people can see now, whatever the poster was told. */
async function noDuplicateVisible(stack: Stack): Promise<void> {
  const perIdentity = new Map<string, string[]>();
  for (const post of visiblePosts(stack.slack)) {
    if (!post.identity) continue;
    const key = `${post.channel} ${post.identity}`;
    perIdentity.set(key, [...(perIdentity.get(key) ?? []), post.ts]);
  }
  expect([...perIdentity].filter(([, copies]) => copies.length > 1), 'messages shown twice in one conversation').toEqual([]);

  const perReviewerStage = new Map<string, number>();
  for (const { channel, action } of visibleCards(stack.slack)) {
    const key = `${channel}/${action.i}`;
    perReviewerStage.set(key, (perReviewerStage.get(key) ?? 0) + 1);
  }
  expect([...perReviewerStage].filter(([, n]) => n > 1), 'cards visible twice for one (reviewer, stage)').toEqual([]);

  // Everyone a still-open stage asks has their card (none lost).
  const asked = await stack.sql<{ stage_instance_id: string; pool: string[] }>(
    "select e.stage_instance_id, e.details->'pool' as pool from audit_event e join stage_instance s on s.id = e.stage_instance_id where e.type = 'stage.opened' and s.status = 'open'",
  );
  for (const { stage_instance_id: stage, pool } of asked) {
    for (const reviewer of pool) expect(perReviewerStage.get(`${stack.slack.dmChannelFor(reviewer)}/${stage}`), `card of ${reviewer} for open stage ${stage}`).toBe(1);
  }
}

/** No delivery intent left unsent: every intent done, every claimed message posted, and on record where people see it. */
async function noIntentUnsent(stack: Stack): Promise<void> {
  expect(await stack.sql('select job_id, name, created_at from delivery_intent where done_at is null'), 'delivery intents never finished').toEqual([]);
  expect(await stack.sql('select key, claimed_by, post_attempts from slack_message where ts is null'), 'messages claimed but never posted').toEqual([]);
  const recorded = await stack.sql<{ key: string; channel: string; ts: string }>('select key, channel, ts from slack_message');
  const missing = recorded.filter((r) => !stack.slack.getMessage(r.channel, r.ts));
  expect(missing, 'messages on record that nobody can see').toEqual([]);
}

async function timersPending(stack: Stack, inRedis: boolean): Promise<void> {
  // An open stage waits for its SLA timer, unless it already escalated (its last timeout action).
  const open = await stack.sql<{ id: string }>(
    "select id from stage_instance si where status = 'open' and not exists (select 1 from audit_event e where e.stage_instance_id = si.id and e.type = 'stage.escalated')",
  );
  const pending = await stack.sql<{ job_id: string; stage_instance_id: string | null }>('select job_id, stage_instance_id from scheduled_timer where done_at is null');
  for (const stage of open) {
    expect(pending.some((t) => t.stage_instance_id === stage.id && t.job_id.startsWith('sla-')), `SLA timer of open stage ${stage.id}`).toBe(true);
  }
  if (!inRedis) return;
  const timers = new Queue('timers', { connection: { url: stack.redisUrl }, prefix: stack.queuePrefix });
  try {
    const missing: string[] = [];
    for (const timer of pending) {
      const job = await timers.getJob(timer.job_id);
      const state = job ? await job.getState() : 'missing';
      if (!['delayed', 'waiting', 'active', 'prioritized'].includes(state)) missing.push(`${timer.job_id}: ${state}`);
    }
    expect(missing, 'pending timers without a scheduled job in Redis').toEqual([]);
  } finally {
    await timers.close();
  }
}

export async function expectNothingLostOrDuplicated(stack: Stack, options: InvariantOptions = {}): Promise<void> {
  const settleMs = options.settleMs ?? 20_000;
  await waitUntil(async () => (await stack.sql('select id from outbox where processed_at is null')).length === 0, settleMs, 'every outbox row processed')
    .catch(async (error: Error) => {
      const rows = await stack.sql('select id, topic, created_at, relayed_at, attempts, last_error from outbox where processed_at is null order by id');
      const sessions = await stack.sql("select pid, application_name, state, wait_event_type, wait_event, xact_start, left(query, 120) as query from pg_stat_activity where datname = current_database()");
      throw new Error(`${error.message}; unprocessed: ${JSON.stringify(rows)}; sessions: ${JSON.stringify(sessions)}`, { cause: error });
    });
  await waitUntil(async () => (await stack.sql('select key from slack_message where ts is null')).length === 0, settleMs, 'every claimed message posted');
  await waitUntil(async () => (await stack.sql('select job_id from delivery_intent where done_at is null')).length === 0, settleMs, 'every delivery intent done')
    .catch(async (error: Error) => {
      const rows = await stack.sql<{ job_id: string; name: string; created_at: string }>('select job_id, name, created_at from delivery_intent where done_at is null order by created_at');
      const slack = new Queue('slack', { connection: { url: stack.redisUrl }, prefix: stack.queuePrefix });
      try {
        const states = await Promise.all(rows.slice(0, 20).map(async (r) => {
          const job = await slack.getJob(r.job_id);
          return `${r.job_id}: ${job ? `${await job.getState()} attempts=${job.attemptsMade} ${job.failedReason ?? ''}` : 'not in Redis'}`;
        }));
        throw new Error(`${error.message}; ${rows.length} pending, first: ${states.join('; ')}`, { cause: error });
      } finally {
        await slack.close();
      }
    });
  await decisionsRecordedOnce(stack);
  await noDuplicateVisible(stack);
  await noIntentUnsent(stack);
  await timersPending(stack, options.timersInRedis ?? false);
  expect(await stack.sql('select message_key, error from notification_failure'), 'notifications given up on').toEqual([]);
  const chains = await stack.services.audit.verifyAll();
  expect(chains.length).toBeGreaterThan(0);
  for (const chain of chains) expect(chain, `audit chain ${chain.chainId}`).toMatchObject({ ok: true });
}
