import type { SlackMessage } from '../../blocks/cards.ts';
import type { MessageRef } from '../services/delivery-ledger.ts';
import type { WorkerContext } from './context.ts';
import { SlackDeliveryError } from './slack-client.ts';
import { callForTeam } from './team-slack.ts';

/** Another job is posting this message right now; try again shortly (then it is an update). */
export class MessageBusyError extends Error {
  constructor(key: string) {
    super(`message ${key} is being posted by another job`);
    this.name = 'MessageBusyError';
  }
}

export type DeliveryResult = 'posted' | 'updated' | 'absent';

export interface DeliverOptions {
  /** `ensure` posts when no message exists yet; `refresh` only updates an existing one. */
  readonly mode: 'ensure' | 'refresh';
  /** Post into this thread instead of the recipient's DM top level. */
  readonly thread?: { readonly channel: string; readonly ts: string } | undefined;
  /** Identifies the job; its own earlier claim (a retry after its process died) may be taken over at once. */
  readonly claimant: string;
}

/**
 * Posts a message once or updates it in place. The slack_message row for `ref.key` is claimed before posting
 * and gets the channel and ts after, so a retried job updates what it posted instead of posting again.
 * The one gap Slack leaves: if the process dies after Slack accepted a post and before the ts is written, the
 * retry posts again (chat.postMessage has no idempotency key).
 */
export async function deliverMessage(ctx: WorkerContext, ref: MessageRef, message: SlackMessage, options: DeliverOptions): Promise<DeliveryResult> {
  const ledger = ctx.services.ledger.messages;
  if (options.mode === 'refresh') {
    const existing = await ledger.find(ref.teamId, ref.key);
    if (!existing) return 'absent';
    if (!existing.ts || !existing.channel) throw new MessageBusyError(ref.key);
    return update(ctx, ref, existing.channel, existing.ts, message, options);
  }
  const claim = await ledger.claim(ref, options.claimant, new Date(Date.now() - ctx.tuning.claimTtlMs));
  if (claim.state === 'busy') throw new MessageBusyError(ref.key);
  if (claim.state === 'update') return update(ctx, ref, claim.channel, claim.ts, message, options);
  try {
    const posted = await callForTeam(ctx, ref.teamId, 'chat.postMessage', (slack) =>
      slack.chat.postMessage({
        channel: options.thread?.channel ?? ref.recipientId,
        text: message.text,
        blocks: message.blocks,
        ...(options.thread ? { thread_ts: options.thread.ts } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }), options.claimant,
    );
    if (!posted.channel || !posted.ts) throw new Error('chat.postMessage answered without channel or ts');
    await ledger.recordPosted(ref.teamId, ref.key, posted.channel, posted.ts, options.thread?.ts ?? null);
    return 'posted';
  } catch (error) {
    // A refused post leaves nothing behind: the next event may try again (for example after reactivation).
    if (error instanceof SlackDeliveryError && error.failure.kind === 'permanent') await ledger.forget(ref.teamId, ref.key);
    throw error;
  }
}

async function update(ctx: WorkerContext, ref: MessageRef, channel: string, ts: string, message: SlackMessage, options: DeliverOptions): Promise<DeliveryResult> {
  try {
    await callForTeam(ctx, ref.teamId, 'chat.update', (slack) => slack.chat.update({ channel, ts, text: message.text, blocks: message.blocks }), options.claimant);
    await ctx.services.ledger.messages.touch(ref.teamId, ref.key);
    return 'updated';
  } catch (error) {
    // Someone deleted the message: forget it and, when the job may post, post it again.
    if (error instanceof SlackDeliveryError && error.failure.kind === 'message_gone') {
      await ctx.services.ledger.messages.forget(ref.teamId, ref.key);
      if (options.mode === 'ensure') return deliverMessage(ctx, ref, message, options);
      return 'absent';
    }
    throw error;
  }
}
