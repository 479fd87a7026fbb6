/**
 * The worker process killed with SIGKILL while Slack has carried out its posts but their answers have not come
 * back (the window chat.postMessage leaves: no idempotency key), then started again: the held work resumes within
 * seconds, every reviewer ends up seeing exactly one card per stage (none lost, none doubled), every event is
 * processed, every delivery intent is done, and the chain verifies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oneStageWorkflow, waitUntil } from '../../integration/jobs-harness.ts';
import type { RecordedCall } from '../../support/fake-slack.ts';
import { expectNothingLostOrDuplicated } from '../invariants.ts';
import { cardActionOf, postedCards, stackPerFile, visibleCards, visiblePosts, type Stack } from '../stack.ts';

const currentStack = stackPerFile({ worker: false });
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

/** Posts Slack carried out more than once for the same card (same conversation, same stage), still visible. */
const visibleDuplicates = (): number => {
  const seen = new Map<string, number>();
  for (const { channel, action } of visibleCards(stack.slack)) seen.set(`${channel}/${action.i}`, (seen.get(`${channel}/${action.i}`) ?? 0) + 1);
  return [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
};

/** Whether the message a held post was for is now on record with a ts (by the restarted worker). */
async function heldMessageRecorded(call: RecordedCall): Promise<boolean> {
  const action = cardActionOf(call);
  const recipient = String(call.args.channel);
  const rows = action
    ? await stack.sql<{ ts: string | null }>("select ts from slack_message where kind = 'reviewer' and recipient_id = ? and stage_instance_id = ?", [recipient, action.i])
    : await stack.sql<{ ts: string | null }>("select ts from slack_message where kind = 'requester' and recipient_id = ?", [recipient]);
  return rows.some((r) => r.ts !== null);
}

describe('the worker killed while Slack holds the answers to its posts', () => {
  it('restarts, resumes the held work within 10 s, and no card shows twice', async () => {
    const reviewers = stack.people('WK', 16);
    const requesters = stack.people('WQ', 6);
    await stack.publish(oneStageWorkflow('cards', reviewers, { rule: { kind: 'at_least', count: 2 } }));
    const ids = await Promise.all(requesters.map((r, n) => stack.submit('cards', r, `Request ${n}`)));
    const expected = ids.length * reviewers.length;

    // 96 cards and 6 tracking cards, at most 20 Slack calls a second: a few cards in, the next four posts (as many
    // as the worker sends at once) are carried out by Slack but their answers held; the worker dies waiting.
    const first = await stack.startWorker();
    await waitUntil(() => postedCards(stack.slack).length >= 8, 30_000, 'the first cards posted');
    const hold = stack.slack.holdNext('chat.postMessage', 4);
    await hold.held;
    const heldCalls = stack.slack.callsTo('chat.postMessage').filter((c) => c.carriedOut !== undefined);
    expect(heldCalls).toHaveLength(4);
    await first.kill();
    const killedAt = Date.now();
    hold.release();
    const visibleAtKill = visiblePosts(stack.slack).length;

    await stack.startWorker();
    const restartedAt = Date.now();
    let resumedAt = 0;
    await waitUntil(async () => {
      for (const call of heldCalls) if (!(await heldMessageRecorded(call))) return false;
      resumedAt = Date.now();
      return true;
    }, 120_000, 'the held messages recorded by the restarted worker');
    await waitUntil(() => visibleCards(stack.slack).length - visibleDuplicates() >= expected, 120_000, `all ${expected} cards`);
    const allAt = Date.now();
    const duplicates = visibleDuplicates();
    console.log(`FAULTS worker-killed: ${visibleAtKill} messages visible at the kill (4 of them posted by Slack with their answers lost); `
      + `the worker was ready ${((restartedAt - killedAt) / 1000).toFixed(1)} s after the kill; the held work resumed `
      + `${((resumedAt - restartedAt) / 1000).toFixed(1)} s after that (${((resumedAt - killedAt) / 1000).toFixed(1)} s after the kill); `
      + `all ${expected} cards ${((allAt - killedAt) / 1000).toFixed(1)} s after the kill; ${duplicates} duplicate card(s) visible`);

    expect(duplicates, 'duplicate cards visible').toBe(0);
    expect(resumedAt - restartedAt, 'ms from the restarted worker to the held work done').toBeLessThan(10_000);
    await expectNothingLostOrDuplicated(stack, { settleMs: 60_000 });
    const perSubmission = new Map<string, number>();
    for (const { action } of visibleCards(stack.slack)) perSubmission.set(action.s, (perSubmission.get(action.s) ?? 0) + 1);
    expect([...perSubmission.values()]).toEqual(Array(ids.length).fill(reviewers.length));
  }, 300_000);
});
