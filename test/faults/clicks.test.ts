/**
 * Clicks as Slack really delivers them, against the app and worker processes: bursts of the same click,
 * Slack's retries of one delivery, and many reviewers approving at once across the quorum boundary.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../integration/jobs-harness.ts';
import { actionTs } from '../support/slack-requests.ts';
import { expectNothingLostOrDuplicated } from './invariants.ts';
import { stackPerFile, type Stack } from './stack.ts';

const currentStack = stackPerFile();
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

const approvals = (submissionId: string) =>
  stack.sql<{ actor_id: string }>("select actor_id from decision where submission_id = ? and kind = 'approve' order by decided_at", [submissionId]);
const refusalCodes = (submissionId: string) =>
  stack.sql<{ code: string }>("select details->>'code' as code from audit_event where submission_id = ? and type = 'decision.refused' order by seq", [submissionId]);

describe('the same click many times', () => {
  it('records one decision for a burst of identical clicks and Slack retries of one delivery, and refuses the rest once each', async () => {
    const { id, cards: [card] } = await stack.openRequest('burst', 2, { rule: { kind: 'all' } });
    if (!card) throw new Error('no card');
    const alice = card.reviewerId;

    // One delivery (one action_ts) sent 12 times at once, half of them marked as Slack's retries.
    const ts = actionTs();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => stack.click(card, { actionTs: ts, ...(n % 2 ? { send: { retryNum: n } } : {}) })));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    // Then a burst of distinct clicks (a person hammering the button): each is a new action_ts.
    const hammered = await Promise.all(Array.from({ length: 6 }, () => stack.click(card)));
    expect(hammered.map((a) => a.status)).toEqual(Array(6).fill(200));

    // Decisions are made after the ack. Retries of the first delivery replay its outcome silently; each
    // distinct later click is refused once.
    await waitUntil(async () => (await refusalCodes(id)).length === 6, 10_000, 'six refusals');
    expect((await approvals(id)).map((r) => r.actor_id)).toEqual([alice]);
    expect((await refusalCodes(id)).map((r) => r.code)).toEqual(Array(6).fill('already_decided'));
    const toAlice = () => stack.slack.callsTo('chat.postEphemeral').filter((c) => c.args.user === alice);
    await waitUntil(() => toAlice().length === 6, 10_000, 'six ephemerals');
    expect(toAlice().every((c) => JSON.stringify(c.args.blocks).includes('You have already had your say'))).toBe(true);
    expect((await stack.services.submissions.get(stack.teamId, id)).status).toBe('in_review');

    await expectNothingLostOrDuplicated(stack);
  });
});

describe('the quorum boundary', () => {
  it('advances once when twelve reviewers approve at once at a quorum of five, each clicking twice', async () => {
    const { id, cards } = await stack.openRequest('quorum', 12, { rule: { kind: 'at_least', count: 5 } });

    const answers = await Promise.all(cards.flatMap((card) => {
      const ts = actionTs();
      return [stack.click(card, { actionTs: ts }), stack.click(card, { actionTs: ts, send: { retryNum: 1 } })];
    }));
    expect(answers.every((a) => a.status === 200)).toBe(true);

    // The seven too late are told so, once each (their retries replay that answer).
    await waitUntil(async () => (await refusalCodes(id)).length === 7, 10_000, 'seven refusals');
    expect(new Set((await refusalCodes(id)).map((r) => r.code))).toEqual(new Set(['not_active']));
    expect((await stack.services.submissions.get(stack.teamId, id)).status).toBe('approved');
    const recorded = await approvals(id);
    expect(recorded).toHaveLength(5);
    expect(new Set(recorded.map((r) => r.actor_id)).size).toBe(5);
    const stageEvents = await stack.sql<{ type: string }>("select type from audit_event where submission_id = ? and type in ('stage.approved', 'submission.approved')", [id]);
    expect(stageEvents.map((e) => e.type).sort()).toEqual(['stage.approved', 'submission.approved']);

    // Each of the stage's changes asks for all twelve cards to be redrawn; the redraws of a card merge, so they
    // stay within Slack's chat.update tier (50 a minute after a burst of 50) and settle in the usual time.
    await expectNothingLostOrDuplicated(stack);
  });
});
