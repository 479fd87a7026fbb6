/**
 * The app process killed with SIGKILL in the middle of a burst of clicks: every click Slack got a 200 for is
 * either committed or its clicker was told that nothing was recorded (never both, never neither), and no
 * decision is recorded twice. Clicks the dead process never answered may go either way (Slack shows those
 * as failed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SlackResponse } from '../../support/slack-requests.ts';
import { stackPerFile, type Stack } from '../stack.ts';

const currentStack = stackPerFile();
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

/** Two requests of 15 reviewers each (a stage asks at most 25 people). */
const REVIEWERS = 15;

describe('the app killed during a click burst', () => {
  it('loses no acknowledged decision', async () => {
    const opened = await Promise.all(['killed-burst-a', 'killed-burst-b'].map((key) => stack.openRequest(key, REVIEWERS, { rule: { kind: 'all' } })));
    const cards = opened.flatMap((o) => o.cards);
    const ids = opened.map((o) => o.id);
    const since = stack.slack.calls.length;

    let acked = 0;
    let killed: Promise<void> | null = null;
    // Every reviewer clicks at once, a few ms apart; the app dies once the fifth answer is back.
    const answers = await Promise.all(cards.map(async (card, n): Promise<SlackResponse | null> => {
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      try {
        const answer = await stack.click(card, { send: { timeoutMs: 5000 } });
        if (answer.status === 200 && ++acked === 5) killed = stack.app.kill();
        return answer;
      } catch {
        return null; // the connection died with the process: no ack
      }
    }));
    await killed;
    expect(stack.app.child.signalCode).toBe('SIGKILL');

    // The killed process's connections are gone, so its open transactions are rolled back by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await stack.sql<{ actor_id: string }>("select actor_id from decision where submission_id in (?, ?) and kind = 'approve'", ids);
    const committed = new Map<string, number>();
    for (const { actor_id: actor } of rows) committed.set(actor, (committed.get(actor) ?? 0) + 1);
    expect([...committed].filter(([, n]) => n > 1), 'decisions recorded twice').toEqual([]);

    const refused = new Set(stack.slack.calls.slice(since)
      .filter((c) => c.method === 'chat.postEphemeral' && /nothing was recorded|not recorded/i.test(JSON.stringify(c.args.blocks)))
      .map((c) => String(c.args.user)));
    const outcomes = cards.map((card, n) => {
      const answer = answers[n];
      const state = committed.has(card.reviewerId) ? 'committed' : refused.has(card.reviewerId) ? 'refused' : 'lost';
      return { reviewer: card.reviewerId, acked: answer?.status === 200, state, both: committed.has(card.reviewerId) && refused.has(card.reviewerId) };
    });
    const ackedOutcomes = outcomes.filter((o) => o.acked);
    expect(ackedOutcomes.length).toBeGreaterThanOrEqual(5);
    expect(ackedOutcomes.filter((o) => o.state === 'lost'), 'acknowledged clicks neither committed nor refused').toEqual([]);
    expect(outcomes.filter((o) => o.both), 'clicks both committed and refused').toEqual([]);
    // The kill came mid-burst: some clicks never got their answer.
    expect(outcomes.some((o) => !o.acked)).toBe(true);
  });
});
