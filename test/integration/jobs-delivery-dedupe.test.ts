/**
 * The rules that keep a message from showing twice when chat.postMessage's answer is lost, against the real
 * ledger (PostgreSQL) and the fake Slack: an attempt that cannot know whether its earlier post went through finds
 * it by its metadata instead of posting again; a refusal Slack gave for sure needs no search; a copy that still
 * slips through is deleted by the attempt whose record lost.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { deliverMessage } from '../../src/jobs/card-delivery.ts';
import { metadataFor } from '../../src/jobs/message-lookup.ts';
import { SlackDeliveryError } from '../../src/jobs/slack-client.ts';
import type { MessageRef } from '../../src/services/delivery-ledger.ts';
import { createHarness, oneStageWorkflow, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
let alice: string;
let ref: MessageRef;
beforeEach(async () => {
  // The worker runtime gives the context deliveries run in; its queues stay idle (no request is submitted).
  h = await createHarness();
  [alice] = h.users('ALICE') as [string];
  ref = { teamId: h.teamId, key: `reviewer/test/${alice}`, kind: 'reviewer', submissionId: null, stageInstanceId: null, delegationId: null, recipientId: alice };
});
afterEach(async () => {
  await h?.stop();
});

const message = { text: 'A card', blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'A card' } }] };
const ctx = () => {
  if (!h.runtime) throw new Error('no runtime');
  return h.runtime.context;
};
const deliver = (claimant = 'card-job-1') => deliverMessage(ctx(), ref, message, { mode: 'ensure', claimant });
const visible = () => h.fake.visibleMessages().filter((m) => m.metadata?.event_payload.key === ref.key);
const row = async () => (await h.sql<{ channel: string | null; ts: string | null; post_attempts: number }>('select channel, ts, post_attempts from slack_message where team_id = ? and key = ?', [h.teamId, ref.key]))[0];
const searches = () => h.fake.callsTo('conversations.history').filter((c) => c.args.include_all_metadata !== undefined);

describe('posting a message whose answer may be lost', () => {
  it('after a 5xx from a post Slack carried out, the retry finds the post by its metadata and records it', async () => {
    h.fake.acceptThenServerErrorNext('chat.postMessage', 503);
    await expect(deliver()).rejects.toBeInstanceOf(SlackDeliveryError);
    expect(visible()).toHaveLength(1);
    expect(await row()).toMatchObject({ ts: null, post_attempts: 1 });

    expect(await deliver()).toBe('found');
    expect(visible()).toHaveLength(1);
    expect(await row()).toMatchObject({ channel: h.fake.dmChannelFor(alice), ts: visible()[0]?.ts, post_attempts: 0 });
    expect(searches()).toHaveLength(1);
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(1);
    // Found, it is redrawn with what the retry meant to post.
    expect(h.fake.callsTo('chat.update').map((c) => c.args.ts)).toEqual([visible()[0]?.ts]);
  });

  it('after a 429 (Slack said for sure it did not post), the retry posts without searching', async () => {
    h.fake.rateLimitNext('chat.postMessage', 1);
    await expect(deliver()).rejects.toBeInstanceOf(SlackDeliveryError);
    expect(await row()).toMatchObject({ ts: null, post_attempts: 0 });
    // The workspace's posts wait out Slack's Retry-After before the retry.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await deliver()).toBe('posted');
    expect(searches()).toHaveLength(0);
    expect(visible()).toHaveLength(1);
  });

  it('posts anyway when the conversation cannot be searched (no im:history), rather than never', async () => {
    h.fake.acceptThenDropNext('chat.postMessage');
    await expect(deliver()).rejects.toBeInstanceOf(SlackDeliveryError);
    h.fake.failNext('conversations.history', { error: 'missing_scope', needed: 'im:history' });
    expect(await deliver()).toBe('posted');
    expect(visible()).toHaveLength(2);
  });

  it('deletes its own copy when another attempt recorded a different message for the key while it was posting', async () => {
    const hold = h.fake.holdNext('chat.postMessage');
    const first = deliver();
    await hold.held;
    // Meanwhile another attempt of the same job posted a copy and recorded it (a worker that lost its lock, say).
    const web = new WebClient('xoxb-test-token', { slackApiUrl: h.fake.url });
    const other = await web.chat.postMessage({ channel: alice, text: 'A card', metadata: metadataFor(ref) });
    expect(await h.services.ledger.messages.recordPosted(ref, String(other.channel), String(other.ts), null)).toBe(true);
    hold.release();

    expect(await first).toBe('found');
    expect(visible().map((m) => m.ts)).toEqual([other.ts]);
    expect(await row()).toMatchObject({ ts: other.ts });
  });

  it('a job that gives up (every attempt answered 500) is recorded as failed and leaves no message claimed', async () => {
    const [requester] = h.users('REQ') as [string];
    await h.publish(oneStageWorkflow('down', [alice]));
    for (let n = 0; n < 40; n++) h.fake.serverErrorNext('chat.postMessage', 500);
    const id = await h.submit('down', requester);
    await waitUntil(async () => (await h.sql('select 1 from notification_failure where team_id = ?', [h.teamId])).length === 2, 20_000, 'both cards given up on');
    // The tracking card's refresh gave up first, waiting for a post that never came: it failed with its intent
    // still pending, so the reconciler runs it again, and with nobody posting the card there is nothing to update.
    await waitUntil(async () => {
      await h.runtime?.reconcileNow();
      return (await h.sql('select 1 from delivery_intent where team_id = ? and done_at is null', [h.teamId])).length === 0;
    }, 20_000, 'every intent finished');
    const intents = await h.sql<{ outcome: string }>("select outcome from delivery_intent where team_id = ? and payload->>'mode' = 'ensure'", [h.teamId]);
    expect(intents.map((i) => i.outcome)).toEqual(['failed', 'failed']);
    const rows = await h.sql<{ claimed_by: string | null; ts: string | null; post_attempts: number }>('select claimed_by, ts, post_attempts from slack_message where submission_id = ?', [id]);
    expect(rows).toHaveLength(2);
    // Nobody holds them; a 500 may have posted, so whoever posts them next looks first.
    for (const row of rows) expect(row).toMatchObject({ claimed_by: null, ts: null });
    expect(rows.every((r) => r.post_attempts > 0)).toBe(true);
  });

  it('keeps finished delivery intents for a week, then the reconciler drops them', async () => {
    await h.sql(`insert into delivery_intent (job_id, team_id, queue, name, payload, done_at, outcome) values
      ('old-one', ?, 'slack', 'card', '{}', now() - interval '8 days', 'done'), ('recent-one', ?, 'slack', 'card', '{}', now() - interval '6 days', 'done')`, [h.teamId, h.teamId]);
    await h.runtime?.reconcileNow();
    expect((await h.sql<{ job_id: string }>('select job_id from delivery_intent where team_id = ? order by job_id', [h.teamId])).map((r) => r.job_id)).toEqual(['recent-one']);
  });
});
