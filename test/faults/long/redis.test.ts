/**
 * Redis restarted, and separately flushed, while reminders and escalations are pending: every reminder and
 * every escalation still happens, once. After a restart (AOF on) the delayed jobs are still there; after a
 * flush the worker's periodic reconciler puts them back from scheduled_timer and they fire late, not never.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { oneStageWorkflow, sleep, waitUntil } from '../../integration/jobs-harness.ts';
import { startOwnRedis, type OwnRedis } from '../../support/own-redis.ts';
import { expectNothingLostOrDuplicated } from '../invariants.ts';
import { startStack, type Stack } from '../stack.ts';

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
    const { s, ids, reviewers, boss } = await setUp(9);
    await redis?.restart(1000);
    await sleep(1500);
    await expectEveryTimerFiredOnce(s, ids, reviewers, boss, 30_000);
    await expectNothingLostOrDuplicated(s, { timersInRedis: true });
  });

  it('flushed: the reconciler restores the timers from PostgreSQL and each fires once, late', async () => {
    // The worker reconciles every 60 s (DEFAULT_TUNING.reconcileEveryMs), so the lost timers come back by then;
    // reminders that would land after the deadline are dropped by design, so the SLA is longer than that.
    const { s, ids, reviewers, boss } = await setUp(70);
    await redis?.flush();
    await expectEveryTimerFiredOnce(s, ids, reviewers, boss, 90_000);
    await expectNothingLostOrDuplicated(s, { timersInRedis: true });
  }, 180_000);
});
