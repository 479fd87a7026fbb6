/**
 * Slack carries out a post but its answer comes later than the worker's Web API timeout (15 s): the worker gives
 * up on the call, retries, finds the post by its metadata and records it. One card per person, none twice.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oneStageWorkflow, sleep, waitUntil } from '../../integration/jobs-harness.ts';
import { expectNothingLostOrDuplicated } from '../invariants.ts';
import { stackPerFile, visibleCards, visiblePosts, type Stack } from '../stack.ts';

const currentStack = stackPerFile();
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

describe('Slack answering a post after the worker timed out', () => {
  it('does not post again: the retry finds the post and records it', async () => {
    const reviewers = stack.people('TO', 2);
    const [requester] = stack.people('TR', 1) as [string];
    await stack.publish(oneStageWorkflow('slow', reviewers));
    const hold = stack.slack.holdNext('chat.postMessage');
    const id = await stack.submit('slow', requester);
    await hold.held;
    const heldAt = Date.now();
    try {
      await waitUntil(async () => (await stack.sql('select 1 from slack_message where submission_id = ? and ts is not null', [id])).length === reviewers.length + 1, 60_000, 'every card recorded');
    } finally {
      hold.release();
    }
    expect(Date.now() - heldAt, 'the held post was recorded only after the client timed out').toBeGreaterThan(14_000);
    await sleep(1000);
    expect(visibleCards(stack.slack).filter((c) => c.action.s === id).map((c) => c.channel).sort()).toEqual(reviewers.map((r) => stack.slack.dmChannelFor(r)).sort());
    expect(visiblePosts(stack.slack).filter((p) => p.channel === stack.slack.dmChannelFor(requester))).toHaveLength(1);
    await expectNothingLostOrDuplicated(stack);
  }, 120_000);
});
