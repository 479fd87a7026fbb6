import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from '../../blocks/cards.ts';
import { loggerFor } from '../observability/logger.ts';
import type { MessageRef } from '../services/delivery-ledger.ts';
import type { WorkerContext } from './context.ts';
import { findPosted, metadataFor, type SlackCall } from './message-lookup.ts';
import { SlackDeliveryError } from './slack-client.ts';
import { callForTeam, callReserved } from './team-slack.ts';

const log = loggerFor('delivery');

/** Another job is posting this message right now; try again shortly (then it is an update). */
export class MessageBusyError extends Error {
  constructor(key: string) {
    super(`message ${key} is being posted by another job`);
    this.name = 'MessageBusyError';
  }
}

/** `unchanged`: the message already shows this version, so Slack was not called. */
export type DeliveryResult = 'posted' | 'updated' | 'unchanged' | 'found' | 'absent';

/** A message's version when its sender gives none: a digest of its text and blocks. */
const digestOf = (message: SlackMessage): string =>
  createHash('sha1').update(message.text).update('\u0000').update(JSON.stringify(message.blocks)).digest('base64url');

export interface DeliverOptions {
  /** `ensure` posts when no message exists yet; `refresh` only updates an existing one. */
  readonly mode: 'ensure' | 'refresh';
  /** Post into this thread instead of the recipient's DM top level. */
  readonly thread?: { readonly channel: string; readonly ts: string } | undefined;
  /** Identifies the job; its own earlier claim (a retry after its process died) may be taken over at once. */
  readonly claimant: string;
  /**
   * What the message shows, as a version: a message already drawn at this version is not updated again. Cards
   * give the version of the request they are drawn from (render.ts cardVersion); by default, a digest of the message.
   */
  readonly version?: string | undefined;
  /** Update even a message already drawn at this version (someone's screen may not show it). */
  readonly force?: boolean | undefined;
}

/**
 * Slack's answer says for sure that nothing was posted: it refused the call (ok: false, or a 429). A 5xx, a
 * timeout or a broken connection leaves it open, and so does a platform error Slack documents as temporary.
 */
const surelyNotPosted = (error: unknown): boolean =>
  error instanceof SlackDeliveryError && (error.failure.kind === 'rate_limited' || error.failure.kind === 'permanent');

/**
 * Posts a message once or updates it in place. The slack_message row for `ref.key` is claimed before posting
 * and gets the channel and ts after, so a retried job updates what it posted instead of posting again.
 *
 * chat.postMessage has no idempotency key, so each post carries the key in its metadata. When an earlier attempt
 * may have reached Slack without its ts being recorded (its process died waiting for the answer, a timeout, a
 * 5xx), the conversation is searched for the key first and a message found there is taken as the post. Should
 * two attempts still both post (a worker that lost its lock while posting), the one recorded second deletes its
 * own message, so the person sees one.
 */
export async function deliverMessage(ctx: WorkerContext, ref: MessageRef, message: SlackMessage, options: DeliverOptions): Promise<DeliveryResult> {
  const ledger = ctx.services.ledger.messages;
  if (options.mode === 'refresh') {
    const existing = await ledger.find(ref.teamId, ref.key);
    if (!existing) return 'absent';
    if (!existing.ts || !existing.channel) {
      // Being posted right now: update it once it is. Claimed by nobody (a job gave up on it): nothing to update;
      // whoever posts it draws it as it is then.
      if (existing.claimedBy) throw new MessageBusyError(ref.key);
      return 'absent';
    }
    return update(ctx, ref, existing.channel, existing.ts, message, options, existing.drawnVersion);
  }
  const claim = await ledger.claim(ref, options.claimant, new Date(Date.now() - ctx.tuning.claimTtlMs));
  if (claim.state === 'busy') throw new MessageBusyError(ref.key);
  if (claim.state === 'update') return update(ctx, ref, claim.channel, claim.ts, message, options, claim.drawnVersion);
  if (claim.uncertain) {
    const earlier = await earlierPost(ctx, ref, options, claim.since);
    if (earlier) return adopt(ctx, ref, earlier, message, options);
  }
  let posted: { channel?: string; ts?: string };
  try {
    posted = await callForTeam(ctx, ref.teamId, 'chat.postMessage', (slack) =>
      slack.chat.postMessage({
        channel: options.thread?.channel ?? ref.recipientId,
        text: message.text,
        blocks: message.blocks,
        metadata: metadataFor(ref),
        ...(options.thread ? { thread_ts: options.thread.ts } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }), options.claimant,
    );
  } catch (error) {
    // A refused post leaves nothing behind: the next event may try again (for example after reactivation).
    if (error instanceof SlackDeliveryError && error.failure.kind === 'permanent') await ledger.forget(ref.teamId, ref.key);
    else if (surelyNotPosted(error)) await ledger.postNotMade(ref.teamId, ref.key);
    throw error;
  }
  if (!posted.channel || !posted.ts) throw new Error('chat.postMessage answered without channel or ts');
  if (await ledger.recordPosted(ref, posted.channel, posted.ts, options.thread?.ts ?? null, options.version ?? digestOf(message))) return 'posted';
  await deleteDuplicate(ctx, ref, posted.channel, posted.ts);
  return 'found';
}

/** The message an earlier attempt posted, if the conversation has it; the oldest when there are several (the others go). */
async function earlierPost(ctx: WorkerContext, ref: MessageRef, options: DeliverOptions, since: Date): Promise<{ channel: string; ts: string } | null> {
  let found: Awaited<ReturnType<typeof findPosted>>;
  try {
    const call: SlackCall = (method, fn) => callForTeam(ctx, ref.teamId, method, fn, options.claimant);
    found = await findPosted(call, ref, { recipientId: ref.recipientId, thread: options.thread }, since);
  } catch (error) {
    // Slack will not let us read the conversation (an installation without im:history, say): asking again cannot
    // help, and a card that may come twice is better than none. A temporary failure is retried as usual.
    if (!(error instanceof SlackDeliveryError && error.failure.kind === 'permanent')) throw error;
    log.warn({ key: ref.key, err: error.message }, 'cannot search the conversation for an earlier post of this message; posting without checking');
    return null;
  }
  const [first, ...extra] = found;
  for (const duplicate of extra) await deleteDuplicate(ctx, ref, duplicate.channel, duplicate.ts);
  return first ?? null;
}

/** An earlier attempt's post becomes the message on record, redrawn with what this job would have posted. */
async function adopt(ctx: WorkerContext, ref: MessageRef, earlier: { channel: string; ts: string }, message: SlackMessage, options: DeliverOptions): Promise<DeliveryResult> {
  const ledger = ctx.services.ledger.messages;
  log.info({ key: ref.key, channel: earlier.channel, ts: earlier.ts }, 'an earlier attempt had posted this message; recorded it instead of posting again');
  if (!(await ledger.recordPosted(ref, earlier.channel, earlier.ts, options.thread?.ts ?? null))) {
    // Meanwhile another attempt recorded a message of its own: the one found here is the extra.
    await deleteDuplicate(ctx, ref, earlier.channel, earlier.ts);
    return 'found';
  }
  await update(ctx, ref, earlier.channel, earlier.ts, message, options, null);
  return 'found';
}

async function deleteDuplicate(ctx: WorkerContext, ref: MessageRef, channel: string, ts: string): Promise<void> {
  const recorded = await ctx.services.ledger.messages.find(ref.teamId, ref.key);
  if (recorded?.channel === channel && recorded.ts === ts) return;
  log.warn({ key: ref.key, channel, ts, kept: recorded?.ts ?? null }, 'a second copy of a message was posted; deleting it');
  try {
    await callForTeam(ctx, ref.teamId, 'chat.delete', (slack) => slack.chat.delete({ channel, ts }));
  } catch (error) {
    if (!(error instanceof SlackDeliveryError && error.failure.kind === 'message_gone')) throw error;
  }
}

/**
 * Redraws a posted message, unless it already shows this version (`drawnVersion`, the one it was last drawn at):
 * the redraws several events ask for, and a retried one, cost one chat.update between them (Slack's Tier 3 per workspace).
 */
async function update(ctx: WorkerContext, ref: MessageRef, channel: string, ts: string, message: SlackMessage, options: DeliverOptions, drawnVersion: string | null): Promise<DeliveryResult> {
  const version = options.version ?? digestOf(message);
  if (version === drawnVersion && !options.force) return 'unchanged';
  if (await updateInPlace(ctx, ref, channel, ts, message, { holder: options.claimant }) === 'updated') {
    await ctx.services.ledger.messages.drawn(ref.teamId, ref.key, version);
    return 'updated';
  }
  // Someone deleted the message: when the job may post, it posts it again.
  if (options.mode === 'ensure') return deliverMessage(ctx, ref, message, options);
  return 'absent';
}

/**
 * One chat.update of a posted message, taking its turn in the workspace's pace as `holder` (or in a turn the
 * caller reserved). `gone`: someone deleted it, and its record is forgotten (the next post of it is a new
 * message). The caller records the version it drew.
 */
export async function updateInPlace(ctx: WorkerContext, ref: Pick<MessageRef, 'teamId' | 'key'>, channel: string, ts: string, message: SlackMessage, turn: { readonly holder: string } | 'reserved'): Promise<'updated' | 'gone'> {
  const call = (slack: WebClient) => slack.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
  try {
    await (turn === 'reserved' ? callReserved(ctx, ref.teamId, 'chat.update', call) : callForTeam(ctx, ref.teamId, 'chat.update', call, turn.holder));
    return 'updated';
  } catch (error) {
    if (!(error instanceof SlackDeliveryError && error.failure.kind === 'message_gone')) throw error;
    await ctx.services.ledger.messages.forget(ref.teamId, ref.key);
    return 'gone';
  }
}
