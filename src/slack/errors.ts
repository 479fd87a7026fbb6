import type { WebClient } from '@slack/web-api';
import type { Logger } from '@slack/bolt';
import { problemMessage } from '../../blocks/command-replies.ts';
import { isDomainError, type DomainError } from '../domain/index.ts';
import { isNotRecordedInTime } from '../services/index.ts';

/** Socket errors and PostgreSQL's connection/shutdown SQLSTATEs (classes 08, 57P, 53300): the database is away, not the request wrong. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_MESSAGES = /connection terminated|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|Connection is closed|terminating connection/i;

/** True when the failure is our infrastructure being unreachable (a restart, a failover), looking through wrapped causes. */
export function isInfrastructureUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = String((current as { code?: unknown }).code ?? '');
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || UNREACHABLE_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

export const UNAVAILABLE_MESSAGE = 'Our database could not be reached just now, so this was not recorded. Please try again in a minute.';

/** A click that could not be decided within its ack budget (too many at once): nothing was kept of it. */
export const BUSY_MESSAGE = 'We could not get to this in time, so it was not recorded and nothing changed. Please click again.';

/** At most one line a second about clicks turned away (a busy process turns away hundreds; /metrics counts each). */
const TURNED_AWAY_LOG_INTERVAL_MS = 1000;
let lastTurnedAwayLine = 0;
let turnedAwaySinceLine = 0;
function warnTurnedAway(logger: Logger, reason: string): void {
  const now = Date.now();
  if (now - lastTurnedAwayLine < TURNED_AWAY_LOG_INTERVAL_MS) {
    turnedAwaySinceLine++;
    return;
  }
  const more = turnedAwaySinceLine > 0 ? ` (and ${turnedAwaySinceLine} more since the last such line)` : '';
  logger.warn(`a Slack request was turned away: ${reason}${more}`);
  lastTurnedAwayLine = now;
  turnedAwaySinceLine = 0;
}

/**
 * The one place that turns failures into what a Slack user sees: a domain refusal keeps its own message
 * (written for the person who clicked); an outage, or a click not decided within its ack budget, says that
 * nothing was recorded and to try again; anything else is logged and gets a generic apology.
 */
export function userMessageFor(error: unknown, logger?: Logger): string {
  if (isDomainError(error)) return error.message;
  if (isNotRecordedInTime(error)) {
    if (logger) warnTurnedAway(logger, error.message);
    return BUSY_MESSAGE;
  }
  if (isInfrastructureUnavailable(error)) {
    logger?.warn('a Slack request failed while the database was unreachable', error);
    return UNAVAILABLE_MESSAGE;
  }
  logger?.error('unexpected error in a Slack listener', error);
  return 'Something went wrong on our side and nothing was changed. Please try again in a moment.';
}

/**
 * `response_action: errors` for a modal: each per-field problem under its block (field ids are block ids),
 * anything without a visible block under `fallbackBlockId`. Unknown block ids would make Slack reject the
 * whole response, so only blocks in the view are named.
 */
export function modalErrors(error: DomainError, blockIds: readonly string[], fallbackBlockId: string, blockOf: (key: string) => string = (key) => key): Record<string, string> {
  const known = new Set(blockIds);
  const errors: Record<string, string> = {};
  const leftover: string[] = [];
  for (const [key, message] of Object.entries(error.fieldErrors)) {
    const blockId = blockOf(key);
    if (known.has(blockId)) errors[blockId] = message;
    else leftover.push(message);
  }
  if (Object.keys(errors).length === 0 || leftover.length > 0) {
    const text = Object.keys(errors).length === 0 ? error.message : leftover.join('; ');
    errors[fallbackBlockId] = errors[fallbackBlockId] ? `${errors[fallbackBlockId]}; ${text}` : text;
  }
  return errors;
}

/**
 * Where a decision refusal belongs in the reason/person modal. The decision service reports refusals by code
 * (its stored outcomes carry no per-field detail), so the code says which input to point at.
 */
export function decisionModalErrors(error: DomainError, reasonBlockId: string, delegateBlockId: string): Record<string, string> | null {
  switch (error.code) {
    case 'reason_required':
    case 'invalid_input':
      return { [reasonBlockId]: error.message };
    case 'invalid_delegate':
      return { [delegateBlockId]: error.message };
    default:
      return null;
  }
}

/** Block ids of a view's blocks, to know where inline errors can go. */
export const blockIdsOf = (blocks: readonly { block_id?: string | undefined }[]): string[] =>
  blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));

/**
 * Tells one person about a refusal or failure where they are: an ephemeral message in the channel the click
 * came from, or a DM when there is no channel (Home tab, modal).
 */
export async function tellUser(client: WebClient, where: { userId: string; channelId?: string | null | undefined }, error: unknown, logger?: Logger): Promise<void> {
  const reply = problemMessage(userMessageFor(error, logger));
  try {
    if (where.channelId) await client.chat.postEphemeral({ channel: where.channelId, user: where.userId, text: reply.text, blocks: reply.blocks });
    else await client.chat.postMessage({ channel: where.userId, text: reply.text, blocks: reply.blocks });
  } catch (sendError) {
    logger?.warn('could not tell a user about a refusal', sendError);
  }
}
