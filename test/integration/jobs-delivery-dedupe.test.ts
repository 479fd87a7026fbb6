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
import { createHarness, type Harness } from './jobs-harness.ts';

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
});
