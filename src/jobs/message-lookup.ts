import type { WebAPICallResult, WebClient } from '@slack/web-api';
import type { MessageRef } from '../services/delivery-ledger.ts';

/**
 * chat.postMessage has no idempotency key, so every message the worker posts carries its ledger key in Slack's
 * message metadata. A retry that cannot know whether the earlier post went through (the process died waiting
 * for the answer, a timeout, a 5xx) looks the key up in the conversation before posting again.
 */
export const MESSAGE_EVENT_TYPE = 'approval_message';

export interface MessageMetadata {
  readonly event_type: string;
  readonly event_payload: { readonly key: string; readonly team: string };
}

export const metadataFor = (ref: MessageRef): MessageMetadata => ({ event_type: MESSAGE_EVENT_TYPE, event_payload: { key: ref.key, team: ref.teamId } });

/** Where a message was posted: a person's DM (the recipient is a user id), a channel, or a thread in either. */
export interface PostTarget {
  readonly recipientId: string;
  readonly thread?: { readonly channel: string; readonly ts: string } | undefined;
}

/** Pages read at most: a DM gets a few cards a day, and the search starts when the first attempt did. */
const MAX_PAGES = 10;
const PAGE_SIZE = 200;
/** Slack's clock and ours may differ a little; the search starts this much before the first attempt. */
const CLOCK_SKEW_S = 300;

/** Makes one Web API call for the message's workspace (its client, its rate limits). */
export type SlackCall = <T extends WebAPICallResult>(method: string, call: (client: WebClient) => Promise<T>) => Promise<T>;

interface FoundMessage {
  readonly channel: string;
  readonly ts: string;
}

type Listed = { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };

const carries = (message: Listed, ref: MessageRef): boolean =>
  message.metadata?.event_type === MESSAGE_EVENT_TYPE && message.metadata.event_payload?.key === ref.key && message.metadata.event_payload.team === ref.teamId;

/** The conversation a post to `recipientId` lands in: a user's DM channel (opened, as posting does), or the channel itself. */
async function conversationOf(call: SlackCall, recipientId: string): Promise<string> {
  if (!/^[UW]/.test(recipientId)) return recipientId;
  const opened = await call('conversations.open', (slack) => slack.conversations.open({ users: recipientId }));
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open answered without a channel id');
  return id;
}

/**
 * Every message of ours carrying `ref`'s key posted since `since` (oldest first), read back with their metadata
 * (conversations.history, or conversations.replies inside a thread; both need the *:history scope of the
 * conversation's kind).
 */
export async function findPosted(call: SlackCall, ref: MessageRef, target: PostTarget, since: Date): Promise<FoundMessage[]> {
  const channel = target.thread?.channel ?? (await conversationOf(call, target.recipientId));
  const oldest = String(Math.floor(since.getTime() / 1000) - CLOCK_SKEW_S);
  const found: FoundMessage[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const common = { channel, oldest, limit: PAGE_SIZE, include_all_metadata: true, ...(cursor ? { cursor } : {}) };
    const answer = target.thread
      ? await call('conversations.replies', (slack) => slack.conversations.replies({ ...common, ts: target.thread?.ts ?? '' }))
      : await call('conversations.history', (slack) => slack.conversations.history(common));
    for (const message of (answer.messages ?? []) as Listed[]) {
      if (message.ts && carries(message, ref)) found.push({ channel, ts: message.ts });
    }
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!answer.has_more || !cursor) break;
  }
  // Message ts strings have a fixed shape (seconds.micros), so they sort as text.
  return found.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}
