/**
 * Slack's Web API answering 429 with Retry-After, then 500, for a while: the worker waits as told and retries,
 * and every card arrives exactly once, with nothing given up on. And posts Slack carried out whose answer the
 * worker never got (a 5xx after the fact, a dropped connection): found by their metadata, not posted twice.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oneStageWorkflow, sleep, waitUntil } from '../integration/jobs-harness.ts';
import { expectNothingLostOrDuplicated } from './invariants.ts';
import { workerBaseUrl } from '../support/processes.ts';
import { postedCards, stackPerFile, visibleCards, visiblePosts, type Stack } from './stack.ts';

const currentStack = stackPerFile();
let stack: Stack;
beforeAll(() => {
  stack = currentStack();
});

describe('Slack answering 429 and 500 for a while', () => {
  it('delivers every card once after the rate limit and the errors pass', async () => {
    const reviewers = stack.people('SL', 6);
    const [requester] = stack.people('SR', 1) as [string];
    await stack.publish(oneStageWorkflow('flaky', reviewers));
    // The next posts are refused: three 429s (wait 1 s each), then three 500s.
    for (let n = 0; n < 3; n++) stack.slack.rateLimitNext('chat.postMessage', 1);
    for (let n = 0; n < 3; n++) stack.slack.serverErrorNext('chat.postMessage', 500);
    const started = Date.now();
    const id = await stack.submit('flaky', requester);

    await waitUntil(() => postedCards(stack.slack).length === reviewers.length, 30_000, 'every card');
    const refused = stack.slack.callsTo('chat.postMessage').filter((c) => c.status === 429 || c.status === 500);
    expect(refused.map((c) => c.status).sort()).toEqual([429, 429, 429, 500, 500, 500]);
    // The first 429 asked for a second's pause: no post was accepted before it was over.
    const firstRefusal = refused.find((c) => c.status === 429)?.at ?? started;
    const accepted = stack.slack.callsTo('chat.postMessage').filter((c) => c.response?.ok === true);
    expect(Math.min(...accepted.map((c) => c.at)) - firstRefusal).toBeGreaterThanOrEqual(900);
    await waitUntil(() => stack.slack.callsTo('chat.postMessage').some((c) => c.response?.ok === true && c.args.channel === requester), 20_000, 'the tracking card');

    expect(new Set(postedCards(stack.slack).map((c) => String(c.call.args.channel)))).toEqual(new Set(reviewers));
    expect(postedCards(stack.slack).every((c) => c.action.s === id)).toBe(true);
    await expectNothingLostOrDuplicated(stack);

    // The worker's own /metrics saw it all, and it stayed ready throughout.
    if (!stack.worker) throw new Error('the stack runs a worker');
    const base = workerBaseUrl(stack.worker);
    expect((await fetch(new URL('/readyz', base))).status).toBe(200);
    const metrics = await (await fetch(new URL('/metrics', base))).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(value('approvals_slack_rate_limited_total{method="chat.postMessage"}')).toBe(3);
    expect(value('approvals_slack_api_errors_total{method="chat.postMessage",error="http_500"}')).toBe(3);
    expect(value('approvals_slack_api_calls_total{method="chat.postMessage",result="ok"}')).toBeGreaterThanOrEqual(reviewers.length + 1);
    expect(value('approvals_jobs_total{queue="slack",result="completed"}')).toBeGreaterThanOrEqual(reviewers.length + 1);
    expect(value('approvals_job_lateness_seconds_count{queue="slack"}')).toBeGreaterThan(0);
  });
});

describe('Slack posting a message and then answering 502 or dropping the connection', () => {
  it('finds the posts by their metadata on the retry instead of posting again: one card each, every intent done', async () => {
    const reviewers = stack.people('SX', 3);
    const [requester] = stack.people('SY', 1) as [string];
    await stack.publish(oneStageWorkflow('lost-answers', reviewers));
    const since = stack.slack.calls.length;
    stack.slack.acceptThenServerErrorNext('chat.postMessage', 502);
    stack.slack.acceptThenDropNext('chat.postMessage');
    const id = await stack.submit('lost-answers', requester);

    const mine = () => visibleCards(stack.slack).filter((c) => c.action.s === id);
    await waitUntil(async () => (await stack.sql('select 1 from slack_message where submission_id = ? and ts is not null', [id])).length === reviewers.length + 1, 30_000, 'every card recorded');
    await sleep(500); // room for a second copy to show up
    expect(mine().map((c) => c.channel).sort(), 'one visible card per reviewer').toEqual(reviewers.map((r) => stack.slack.dmChannelFor(r)).sort());
    const lost = stack.slack.calls.slice(since).filter((c) => c.method === 'chat.postMessage' && c.carriedOut !== undefined);
    expect(lost.map((c) => c.status)).toEqual([502, 0]);
    // Each of the two retries read the conversation (with metadata) and recorded what it found.
    const lookups = stack.slack.calls.slice(since).filter((c) => c.method === 'conversations.history' && c.args.include_all_metadata !== undefined);
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    expect(visiblePosts(stack.slack).filter((p) => p.channel === stack.slack.dmChannelFor(requester))).toHaveLength(1);
    await expectNothingLostOrDuplicated(stack);
  });
});
