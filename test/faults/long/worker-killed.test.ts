/**
 * The worker process killed with SIGKILL while it is sending cards, then started again: every reviewer ends up
 * with exactly one card per stage (none lost, none doubled), every event is processed, the chain verifies.
 * The dead worker's jobs are taken over once their BullMQ locks expire (DEFAULT_TUNING.lockDurationMs, 30 s).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oneStageWorkflow, waitUntil } from '../../integration/jobs-harness.ts';
import { deliveredCards, expectNothingLostOrDuplicated } from '../invariants.ts';
import { postedCards, stackPerFile, type Stack } from '../stack.ts';

const currentStack = stackPerFile({ worker: false });
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

describe('the worker killed in the middle of sending cards', () => {
  it('restarts and finishes the job: one card per reviewer and stage, nothing lost', async () => {
    const reviewers = stack.people('WK', 16);
    const requesters = stack.people('WQ', 6);
    await stack.publish(oneStageWorkflow('cards', reviewers, { rule: { kind: 'at_least', count: 2 } }));
    const ids = await Promise.all(requesters.map((r, n) => stack.submit('cards', r, `Request ${n}`)));
    const expected = ids.length * reviewers.length;

    // 96 cards and 6 tracking cards, at most 20 Slack calls a second: kill the worker a few cards in.
    const first = await stack.startWorker();
    await waitUntil(() => postedCards(stack.slack).length >= 8, 20_000, 'the first cards posted');
    await first.kill();
    const killedAt = Date.now();
    const postedBeforeKill = postedCards(stack.slack).length;
    expect(postedBeforeKill).toBeLessThan(expected);

    await stack.startWorker();
    await waitUntil(async () => (await deliveredCards(stack, killedAt)).cards.length >= expected, 120_000, `all ${expected} cards (had ${postedBeforeKill} at the kill)`).catch(async (error: Error) => {
      const unposted = await stack.sql("select key, claimed_by, claimed_at from slack_message where ts is null limit 5");
      const outbox = await stack.sql('select id, topic, relayed_at, processed_at from outbox where processed_at is null limit 5');
      const { Queue } = await import('bullmq');
      const counts: Record<string, unknown> = {};
      for (const name of ['events', 'slack']) {
        const q = new Queue(name, { connection: { url: stack.redisUrl }, prefix: stack.queuePrefix });
        counts[name] = await q.getJobCounts();
        counts[`${name}-failed`] = (await q.getFailed(0, 3)).map((j) => `${j.id}: ${j.failedReason} (${j.attemptsMade})`);
        counts[`${name}-delayed`] = (await q.getDelayed(0, 3)).map((j) => `${j.id}: ${j.failedReason ?? ''} (${j.attemptsMade})`);
        await q.close();
      }
      throw new Error(`${error.message}; posted ${postedCards(stack.slack).length}; unposted ${JSON.stringify(unposted)}; outbox ${JSON.stringify(outbox)}; queues ${JSON.stringify(counts)}`, { cause: error });
    });
    await expectNothingLostOrDuplicated(stack, { settleMs: 90_000, workerKilledAt: killedAt });
    const { cards, orphans } = await deliveredCards(stack, killedAt);
    const perSubmission = new Map<string, number>();
    for (const { action } of cards) perSubmission.set(action.s, (perSubmission.get(action.s) ?? 0) + 1);
    expect([...perSubmission.values()]).toEqual(Array(ids.length).fill(reviewers.length));
    // Reported so the documented gap stays visible: each orphan is a reviewer who saw the card twice.
    console.log(`FAULTS worker-killed: ${postedBeforeKill} cards before the kill, all ${expected} and every event ${Math.round((Date.now() - killedAt) / 1000)} s after it; ${orphans.length} card(s) posted twice across the kill`);
  }, 300_000);
});
