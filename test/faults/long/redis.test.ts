/**
 * Redis restarted, and separately flushed, while reminders and escalations are pending: every reminder and
 * every escalation still happens, once. After a restart (AOF on) the delayed jobs are still there; after a
 * flush the worker's periodic reconciler puts them back from scheduled_timer and they fire late, not never.
 * And Redis flushed while cards wait in the queue behind a 429 pause: every card still arrives, once, put back
 * from delivery_intent by the reconciler, which logs and counts each repair.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { oneStageWorkflow, sleep, waitUntil } from '../../integration/jobs-harness.ts';
import { startOwnRedis, type OwnRedis } from '../../support/own-redis.ts';
import { expectNothingLostOrDuplicated } from '../invariants.ts';
import { workerBaseUrl } from '../../support/processes.ts';
import { startStack, visibleCards, visiblePosts, type Stack } from '../stack.ts';

let redis: OwnRedis | null = null;
let stack: Stack | null = null;
afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && stack) console.error(stack.logs());
  await stack?.stop();
  await redis?.stop();
  stack = null;
  redis = null;
});


async function pendingTimers(s: Stack, submissionId: string) {
  return s.sql<{ job_id: string; name: string; done_at: string | null; outcome: string | null }>(
    'select t.job_id, t.name, t.done_at, t.outcome from scheduled_timer t join stage_instance si on si.id = t.stage_instance_id where si.submission_id = ? order by t.job_id', [submissionId],
  );
}

/** Two requests whose stage has an SLA of `slaSeconds`, two reminders before it, and escalation to a named person. */
async function setUp(slaSeconds: number) {
  redis = await startOwnRedis();
  const s = await startStack({ redisUrl: redis.url });
  stack = s;
  await s.startWorker();
  const [requester, alice, bob, boss] = s.people('RD', 4) as [string, string, string, string];
  await s.publish(oneStageWorkflow('timers', [alice, bob], {
    slaHours: slaSeconds / 3600, reminderEveryHours: slaSeconds / 3 / 3600 + 1e-6, onTimeout: 'escalate', escalateTo: [{ type: 'user', userId: boss }],
  }));
  const ids = await Promise.all([s.submit('timers', requester, 'First'), s.submit('timers', requester, 'Second')]);
  for (const id of ids) {
    await waitUntil(async () => (await pendingTimers(s, id)).length === 3, 10_000, 'SLA and two reminder timers recorded');
  }
  return { s, ids, reviewers: [alice, bob], boss };
}

/** Each submission escalated once, each reviewer reminded once per reminder, the boss asked once per submission. */
async function expectEveryTimerFiredOnce(s: Stack, ids: readonly string[], reviewers: readonly string[], boss: string, timeoutMs: number) {
  for (const id of ids) {
    await waitUntil(async () => (await s.sql("select 1 from audit_event where submission_id = ? and type = 'stage.escalated'", [id])).length === 1, timeoutMs, `escalation of ${id}`);
    await waitUntil(async () => (await pendingTimers(s, id)).filter((t) => t.done_at === null && t.name !== 'sla').length === 0, timeoutMs, 'reminders done');
    // A reminder timer that fired hands its messages to the Slack queue; they may still be on their way.
    await waitUntil(async () => (await s.sql("select 1 from slack_message where submission_id = ? and kind = 'reminder' and ts is not null", [id])).length === 2 * reviewers.length, timeoutMs, 'reminders posted');
  }
  // Everything due has run and nothing is left to retry: a duplicate would be here by now.
  await s.settled();
  for (const id of ids) {
    expect(await s.sql("select 1 from audit_event where submission_id = ? and type = 'stage.escalated'", [id])).toHaveLength(1);
    const reminders = await s.sql<{ key: string }>("select key from slack_message where submission_id = ? and kind = 'reminder'", [id]);
    expect(reminders.map((r) => r.key).sort()).toHaveLength(2 * reviewers.length);
  }
  // Two reminders per reviewer card thread (n = 1, 2): a third would be a duplicate.
  const reminders = s.slack.callsTo('chat.postMessage').filter((c) => c.response?.ok === true && c.args.thread_ts !== undefined && String(c.args.text).startsWith('Reminder'));
  const perThread = new Map<string, number>();
  for (const reminder of reminders) {
    const key = `${String(reminder.args.channel)}/${String(reminder.args.thread_ts)}`;
    perThread.set(key, (perThread.get(key) ?? 0) + 1);
  }
  expect([...perThread.values()], 'reminders per card thread').toEqual(Array(ids.length * reviewers.length).fill(2));
  const bossCards = s.slack.callsTo('chat.postMessage').filter((c) => c.response?.ok === true && c.args.channel === boss && c.args.thread_ts === undefined);
  expect(bossCards).toHaveLength(ids.length);
}

describe('Redis goes away while timers are pending', () => {
  it('restarted (AOF on): every reminder and escalation fires once, on time', async () => {
    // Reminders at 5 s and 10 s: the cards have time to land after the outage, so each reminder finds its thread
    // (a reminder that finds no card is the card itself, by design).
    const { s, ids, reviewers, boss } = await setUp(15);
    await redis?.restart(1000);
    await sleep(1500);
    await expectEveryTimerFiredOnce(s, ids, reviewers, boss, 30_000);
    await expectNothingLostOrDuplicated(s, { timersInRedis: true });
  });

  it('flushed: the reconciler restores the timers from PostgreSQL and each fires once, late', async () => {
    // The worker reconciles every 10 s (RECONCILE_INTERVAL_SECONDS' default), so the lost timers come back by then;
    // reminders that would land after the deadline are dropped by design, so the SLA is longer than that.
    const { s, ids, reviewers, boss } = await setUp(24);
    await redis?.flush();
    await expectEveryTimerFiredOnce(s, ids, reviewers, boss, 60_000);
    await expectNothingLostOrDuplicated(s, { timersInRedis: true });
  }, 180_000);
});

describe('Redis flushed while cards wait behind a 429 pause', () => {
  it('restores every pending delivery from PostgreSQL: each card arrives once, each repair logged and counted', async () => {
    redis = await startOwnRedis();
    const s = await startStack({ redisUrl: redis.url });
    stack = s;
    const worker = await s.startWorker();
    const reviewers = s.people('RQ', 5);
    const [requester] = s.people('RR', 1) as [string];
    await s.publish(oneStageWorkflow('paused', reviewers));
    // The first post is answered 429 with a Retry-After of 10 s: the worker pauses its Slack queue, the cards wait.
    // (The pause still holds after the flush: it is Slack's.)
    s.slack.rateLimitNext('chat.postMessage', 10);
    const id = await s.submit('paused', requester);
    await waitUntil(async () => (await s.sql('select 1 from outbox where submission_id = ? and processed_at is null', [id])).length === 0
      && (await s.sql("select 1 from stage_instance si where si.submission_id = ? and si.status = 'open'", [id])).length === 1, 20_000, 'the cards queued');
    await waitUntil(() => s.slack.callsTo('chat.postMessage').some((c) => c.status === 429), 10_000, 'the 429');
    const before = visibleCards(s.slack).length;
    expect(before).toBeLessThan(reviewers.length);

    const pendingAtFlush = new Set((await s.sql<{ job_id: string }>('select job_id from delivery_intent where done_at is null')).map((r) => r.job_id));
    await redis.flush();
    const flushedAt = Date.now();
    await waitUntil(() => visibleCards(s.slack).filter((c) => c.action.s === id).length === reviewers.length
      && visiblePosts(s.slack).some((p) => p.channel === s.slack.dmChannelFor(requester)), 60_000, 'every card after the flush');
    console.log(`FAULTS redis-flush: ${before} of ${reviewers.length} cards posted before the flush, all of them and the tracking card ${((Date.now() - flushedAt) / 1000).toFixed(1)} s after it`);
    await expectNothingLostOrDuplicated(s);

    const metrics = await (await fetch(new URL('/metrics', workerBaseUrl(worker)))).text();
    const restored = Number(/^approvals_reconciler_repairs_total\{repair="restored_delivery"\} (\S+)$/m.exec(metrics)?.[1] ?? 0);
    // Each repair is a message that was still to be sent when Redis lost it, logged by job id and counted.
    const logged = worker.output().split('\n').filter((line) => line.includes('"repair":"restored_delivery"'))
      .map((line) => (JSON.parse(line) as { jobId: string }).jobId);
    expect(restored).toBeGreaterThan(0);
    expect(logged.length).toBe(restored);
    expect(logged.filter((jobId) => !pendingAtFlush.has(jobId))).toEqual([]);
  }, 120_000);
});
