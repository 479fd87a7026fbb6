/**
 * PostgreSQL goes away while reviewers click: every click made during the outage is answered with a clear
 * "not recorded, try again" and leaves nothing half-written; once the server is back the same app and worker
 * processes (no restart) record the retried clicks and deliver what follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../integration/jobs-harness.ts';
import { startOwnPostgres, type OwnPostgres } from '../../support/own-postgres.ts';
import { expectNothingLostOrDuplicated } from '../invariants.ts';
import { stackPerFile, type Stack } from '../stack.ts';

let pgServer: OwnPostgres | null = null;
afterAll(async () => {
  await pgServer?.stop(); // registered first, so it runs after the stack has stopped
});
const currentStack = stackPerFile({
  before: async () => {
    pgServer = await startOwnPostgres();
    return { postgresAdminUrl: pgServer.adminUrl };
  },
});
let stack: Stack;
let server: OwnPostgres;
beforeAll(() => {
  stack = currentStack();
  if (!pgServer) throw new Error('no own PostgreSQL');
  server = pgServer;
});

const ephemeralsTo = (userId: string, since: number) =>
  stack.slack.calls.slice(since).filter((c) => c.method === 'chat.postEphemeral' && c.args.user === userId && c.response?.ok === true);

/** /readyz checks the database; /healthz only says the process is alive. */
const readiness = async (): Promise<number> => {
  try {
    const res = await fetch(new URL('/readyz', stack.app.baseUrl), { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
};

describe('PostgreSQL restarted while clicks arrive', () => {
  it('tells each click in the outage to try again, records none of them, and recovers without a restart', async () => {
    const { requester, reviewers, id, cards } = await stack.openRequest('outage', 4, { rule: { kind: 'all' } });
    const appPid = stack.app.child.pid;
    const workerPid = stack.worker?.child.pid;

    await server.halt();
    const since = stack.slack.calls.length;
    const answers = await Promise.all(cards.map((card) => stack.click(card)));
    expect(answers.map((a) => a.status)).toEqual(Array(cards.length).fill(200));
    await waitUntil(() => reviewers.every((r) => ephemeralsTo(r, since).length === 1), 20_000, 'an answer to every click in the outage');
    for (const reviewer of reviewers) {
      const text = JSON.stringify(ephemeralsTo(reviewer, since)[0]?.args.blocks);
      expect(text).toMatch(/not recorded/i);
      expect(text).toMatch(/try again/i);
    }
    expect(await readiness()).toBe(503);

    await server.start();
    await waitUntil(async () => (await readiness()) === 200, 20_000, 'the app ready again');
    expect(await stack.sql('select 1 from decision where submission_id = ?', [id])).toEqual([]);

    // The same people click again: recorded once each, by the same processes.
    const retried = await Promise.all(cards.map((card) => stack.click(card)));
    expect(retried.map((a) => a.status)).toEqual(Array(cards.length).fill(200));
    await waitUntil(async () => (await stack.services.submissions.get(stack.teamId, id)).status === 'approved', 20_000, 'approved after the outage');
    expect(stack.app.child.pid).toBe(appPid);
    expect(stack.worker?.child.pid).toBe(workerPid);
    expect(stack.app.child.exitCode).toBeNull();
    expect(stack.worker?.child.exitCode).toBeNull();

    // The worker's relay is listening for new outbox rows again (not only polling).
    await waitUntil(async () => (await stack.sql("select 1 from pg_stat_activity where query ilike 'listen outbox%'")).length > 0, 15_000, 'the relay LISTENing again');
    const next = await stack.submit('outage', requester, 'After the outage');
    const nextStage = (await stack.services.submissions.get(stack.teamId, next)).stages[0]?.id ?? '';
    await Promise.all(reviewers.map((r) => stack.cardFor(r, nextStage)));
    const outcome = stack.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === requester);
    expect(outcome.length).toBeGreaterThanOrEqual(2);

    await expectNothingLostOrDuplicated(stack);
  });

  it('records each click made across a restart exactly once or tells its clicker to try again, never both or neither', async () => {
    const { reviewers, id, cards } = await stack.openRequest('restart', 12, { rule: { kind: 'all' } });
    const since = stack.slack.calls.length;

    // One click every 40 ms while the server goes down and comes back up.
    const restarting = server.restart(200);
    const answers = await Promise.all(cards.map(async (card, n) => {
      await new Promise((r) => setTimeout(r, n * 40));
      return stack.click(card);
    }));
    await restarting;
    expect(answers.map((a) => a.status)).toEqual(Array(cards.length).fill(200));

    const recorded = async () => new Set((await stack.sql<{ actor_id: string }>("select actor_id from decision where submission_id = ? and kind = 'approve'", [id])).map((r) => r.actor_id));
    const toldToRetry = (reviewer: string) => ephemeralsTo(reviewer, since).filter((c) => /not recorded/.test(JSON.stringify(c.args.blocks)));
    await waitUntil(async () => {
      const done = await recorded();
      return reviewers.every((r) => done.has(r) || toldToRetry(r).length > 0);
    }, 30_000, 'every click recorded or answered');
    const done = await recorded();
    for (const reviewer of reviewers) {
      expect(`${reviewer}: ${done.has(reviewer) ? 'recorded' : ''}${toldToRetry(reviewer).length ? 'retry' : ''}`).toMatch(/: (recorded|retry)$/);
    }

    // Those told to retry do so and the request completes.
    await Promise.all(cards.filter((c) => !done.has(c.reviewerId)).map((card) => stack.click(card)));
    await waitUntil(async () => (await stack.services.submissions.get(stack.teamId, id)).status === 'approved', 20_000, 'approved after retries');
    // Every decision asks for every reviewer's card to be redrawn; the redraws of a card merge, so they fit in
    // Slack's chat.update tier instead of waiting out its 429s.
    await expectNothingLostOrDuplicated(stack);
  });
});
