import { z } from 'zod';
import type { SlackMessage } from '../../blocks/cards.ts';
import type { DelegationRow, StoredMessage } from '../services/delivery-ledger.ts';
import { MessageBusyError, updateInPlace } from './card-delivery.ts';
import type { WorkerContext } from './context.ts';
import { cardVersion, loadDeliveryInput, renderCard, type DeliveryInput } from './render.ts';
import { cardOfRequest, messageKeys, type CardOfRequest, type JobData } from './registry.ts';
import { failureCode, SlackDeliveryError } from './slack-client.ts';
import { reserveCalls } from './team-slack.ts';

type Redraw = JobData<'slack', 'redraw'>;

/** How one card's redraw went: drawn at a version, nothing to draw, or a failure the job acts on once the others are done. */
type CardOutcome =
  | { readonly kind: 'drawn'; readonly key: string; readonly version: string }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'failed'; readonly card: CardOfRequest; readonly key: string; readonly error: unknown };

const cardsOf = z.array(cardOfRequest);

/**
 * Redraws the cards of one request from the request as it is now, for every event that asked since they were
 * last drawn: the request is loaded once, the cards' records read in one query, their turns in the workspace's
 * pace taken in one round trip, and the versions they now show written with the intent's end. The count of requests
 * is read before the request is loaded: if another event asks while this draws (its state may be newer than the
 * one drawn), finishing fails and the cards are drawn again; a card already showing the new state costs no Slack call.
 * Returns when the intent is finished; runtime.ts must not finish it for the job (a request may have come since).
 */
export async function handleRedrawJob(ctx: WorkerContext, jobId: string, job: Redraw, claimant: string, lastAttempt: boolean): Promise<void> {
  const intents = ctx.services.ledger.intents;
  for (;;) {
    const pending = await intents.requests(jobId);
    if (pending === null) return;
    const cards = cardsOf.parse(pending.payload.cards ?? job.cards);
    const versions = await redrawCards(ctx, job.teamId, job.submissionId, cards, claimant, lastAttempt);
    if (await intents.finishRequests(jobId, pending.requests, { teamId: job.teamId, versions })) return;
  }
}

/** Draws the cards; returns the versions drawn (recorded with the intent's end), or throws to go back having recorded them. */
async function redrawCards(ctx: WorkerContext, teamId: string, submissionId: string, cards: readonly CardOfRequest[], claimant: string, lastAttempt: boolean): Promise<Drawn[]> {
  const input = await loadDeliveryInput(ctx, teamId, submissionId);
  if (!input) return [];
  const keyOf = (card: CardOfRequest): string => messageKeys.card(card.kind, submissionId, card.stageInstanceId, card.recipientId, card.delegationId);
  const [stored, delegations] = await Promise.all([ctx.services.ledger.messages.findMany(teamId, cards.map(keyOf)), delegationsOf(ctx, cards)]);
  const planned = cards.map((card) => {
    const key = keyOf(card);
    return plan(input, card, key, stored.get(key) ?? null, delegations);
  });
  const draws = planned.flatMap((p) => (p.kind === 'draw' ? [p] : []));
  // The workspace's pace gives the job all its calls in one round trip, or puts the whole job back until it can.
  if (draws.length > 0) await reserveCalls(ctx, teamId, 'chat.update', draws.length, claimant);
  const outcomes: CardOutcome[] = planned.flatMap((p) => (p.kind === 'draw' ? [] : [p.outcome]));
  for (const draw of draws) {
    const outcome = await drawOne(ctx, teamId, draw);
    outcomes.push(outcome);
    // Slack said wait (a 429): the cards left wait too, calling on would only be refused.
    if (outcome.kind === 'failed' && isSlack(outcome.error, 'rate_limited')) break;
  }
  const drawn = outcomes.flatMap((o) => (o.kind === 'drawn' ? [{ key: o.key, version: o.version }] : []));
  const failures = outcomes.flatMap((o) => (o.kind === 'failed' ? [o] : []));
  if (failures.length > 0) {
    // Going back (or giving some up): what was drawn is recorded now, so the next try skips it.
    await ctx.services.ledger.messages.drawnMany(teamId, drawn);
    await settleFailures(ctx, input, failures, lastAttempt);
    return [];
  }
  return drawn;
}

type Drawn = { readonly key: string; readonly version: string };

type Planned =
  | { readonly kind: 'draw'; readonly card: CardOfRequest; readonly key: string; readonly channel: string; readonly ts: string; readonly message: SlackMessage; readonly version: string }
  | { readonly kind: 'settled'; readonly outcome: CardOutcome };

/** What one card needs: a chat.update, unless it shows this version already, is not posted, or has nothing to show. */
function plan(input: DeliveryInput, card: CardOfRequest, key: string, stored: StoredMessage | null, delegations: ReadonlyMap<string, DelegationRow>): Planned {
  const skipped: Planned = { kind: 'settled', outcome: { kind: 'skipped' } };
  const identity = { ...card, teamId: input.submission.teamId, submissionId: input.submission.id };
  const delegation = card.delegationId ? delegations.get(card.delegationId) ?? null : null;
  const message = renderCard(input, identity, delegation);
  if (!message || !stored) return skipped;
  if (!stored.ts || !stored.channel) {
    // Being posted right now: update it once it is. Claimed by nobody (a job gave up on it): nothing to update;
    // whoever posts it draws it as it is then.
    return stored.claimedBy ? { kind: 'settled', outcome: { kind: 'failed', card, key, error: new MessageBusyError(key) } } : skipped;
  }
  const version = cardVersion(input, identity, delegation);
  if (version === stored.drawnVersion) return skipped;
  return { kind: 'draw', card, key, channel: stored.channel, ts: stored.ts, message, version };
}

async function drawOne(ctx: WorkerContext, teamId: string, draw: Extract<Planned, { kind: 'draw' }>): Promise<CardOutcome> {
  try {
    const done = await updateInPlace(ctx, { teamId, key: draw.key }, draw.channel, draw.ts, draw.message, 'reserved');
    return done === 'updated' ? { kind: 'drawn', key: draw.key, version: draw.version } : { kind: 'skipped' };
  } catch (error) {
    return { kind: 'failed', card: draw.card, key: draw.key, error };
  }
}

async function delegationsOf(ctx: WorkerContext, cards: readonly CardOfRequest[]): Promise<Map<string, DelegationRow>> {
  const ids = [...new Set(cards.flatMap((c) => (c.delegationId ? [c.delegationId] : [])))];
  const found = await Promise.all(ids.map((id) => ctx.services.ledger.delegations.find(id)));
  return new Map(found.flatMap((d) => (d ? [[d.id, d] as const] : [])));
}

const isSlack = (error: unknown, kind: SlackDeliveryError['failure']['kind']): boolean => error instanceof SlackDeliveryError && error.failure.kind === kind;

/**
 * Cards Slack refused for good, or that failed on the job's last attempt, are given up on and recorded (the admins
 * see them). The others go back: after the workspace's wait when Slack asked for one (without using an attempt),
 * else as a retry; the cards drawn meanwhile show their version, so the retry draws only what is left.
 */
async function settleFailures(ctx: WorkerContext, input: DeliveryInput, failures: readonly Extract<CardOutcome, { kind: 'failed' }>[], lastAttempt: boolean): Promise<void> {
  const retried = failures.filter((f) => isSlack(f.error, 'rate_limited') || f.error instanceof MessageBusyError || (!lastAttempt && !isSlack(f.error, 'permanent')));
  for (const failure of failures) {
    if (retried.includes(failure)) continue;
    await ctx.services.ledger.recordNotificationFailure({
      teamId: input.submission.teamId, messageKey: failure.key, kind: failure.card.kind, recipientId: failure.card.recipientId,
      submissionId: input.submission.id, error: failureCode(failure.error), detail: failure.error instanceof Error ? failure.error.message : String(failure.error),
    });
  }
  const waits = retried.flatMap((f) => (f.error instanceof SlackDeliveryError && f.error.failure.kind === 'rate_limited' ? [f.error.failure.retryAfterMs] : []));
  if (waits.length > 0) throw new SlackDeliveryError({ kind: 'rate_limited', retryAfterMs: Math.max(...waits) });
  const [first] = retried;
  if (first) throw first.error;
}
