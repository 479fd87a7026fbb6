import type { WorkerContext } from './context.ts';
import { jobIds, messageKeys, reusesJobId, type CardOfRequest, type JobData } from './registry.ts';

/** Slack jobs that send a message someone waits for (Home is a view drawn fresh when opened, so it is not one). */
export type MessageJobName = 'card' | 'redraw' | 'reminder' | 'delegation-notice' | 'checkpoint';

export type Delivery =
  | { readonly [N in MessageJobName]: { readonly queue: 'slack'; readonly name: N; readonly data: JobData<'slack', N>; readonly jobId: string } }[MessageJobName]
  | { readonly queue: 'webhooks'; readonly name: 'deliver'; readonly data: JobData<'webhooks', 'deliver'>; readonly jobId: string };

/** Job ids of the slack and webhooks jobs that are delivery intents (see queueDeliveries). */
export const isDeliveryJob = (queue: string, name: string): boolean => queue === 'webhooks' || (queue === 'slack' && name !== 'home');

/**
 * Records each delivery as a Postgres row first, then adds its job to Redis, so a Redis that loses the job (a
 * flush, a failover) gets it back from the reconciler. A delivery recorded and finished before (an event that runs
 * again) is not sent again. The job marks its row done when it finishes (runtime.ts). A card's redraw is one row
 * and one job per card: asking for it again while its job waits (a burst of decisions, a 429 pause) adds nothing
 * to Redis, and asking while it draws makes it draw once more (see handleRedrawJob).
 *
 * A request's redraw is one row and one job per request: asking for it again while it waits adds its cards to
 * the row (delivery-intent-repository.ts), so the job loads the request once for all of them.
 */
export async function queueDeliveries(ctx: WorkerContext, deliveries: readonly Delivery[], options: { readonly processedOutboxId?: number } = {}): Promise<void> {
  const unique = mergeRedraws(deliveries);
  if (unique.length === 0 && options.processedOutboxId === undefined) return;
  const pending = await ctx.services.ledger.intents.record(unique.map((d) => ({
    jobId: d.jobId, teamId: d.data.teamId, queue: d.queue, name: d.name, payload: d.data as unknown as Record<string, unknown>, coalesce: reusesJobId(d.queue, d.name),
  })), options);
  const due = unique.filter((d) => pending.has(d.jobId));
  await ctx.queues.addBulk('slack', due.flatMap((d) => (d.queue === 'slack' ? [{ name: d.name, data: d.data, jobId: d.jobId }] : [])));
  await ctx.queues.addBulk('webhooks', due.flatMap((d) => (d.queue === 'webhooks' ? [{ name: d.name, data: d.data, jobId: d.jobId }] : [])));
}

type Card = JobData<'slack', 'card'>;
type Redraw = JobData<'slack', 'redraw'>;

/** One delivery per job id; the redraws of one request unite their cards. */
function mergeRedraws(deliveries: readonly Delivery[]): Delivery[] {
  const byId = new Map<string, Delivery>();
  for (const d of deliveries) {
    const earlier = byId.get(d.jobId);
    if (earlier?.name === 'redraw' && d.name === 'redraw') {
      const keyOf = (c: CardOfRequest): string => messageKeys.card(c.kind, d.data.submissionId, c.stageInstanceId, c.recipientId, c.delegationId);
      const cards = new Map([...earlier.data.cards, ...d.data.cards].map((c) => [keyOf(c), c]));
      byId.set(d.jobId, { ...earlier, data: { ...earlier.data, cards: [...cards.values()] } });
    } else {
      byId.set(d.jobId, d);
    }
  }
  return [...byId.values()];
}

/** The job id of a card job: tied to the event that caused it, so a re-run event adds nothing. */
export const cardJobId = (cause: string, card: Card): string =>
  jobIds.card(cause, card.kind === 'delegate' ? `${card.kind}-${card.delegationId ?? ''}` : card.kind, card.stageInstanceId, card.recipientId);

/** A card to post (or reassert) as its own job per event; a card to update only, in its request's one redraw job. */
function cardDelivery(cause: string, card: Card): Delivery {
  if (card.mode !== 'refresh') return { queue: 'slack', name: 'card', data: card, jobId: cardJobId(cause, card) };
  const data: Redraw = {
    teamId: card.teamId, submissionId: card.submissionId,
    cards: [{ kind: card.kind, stageInstanceId: card.stageInstanceId, recipientId: card.recipientId, delegationId: card.delegationId }],
  };
  return { queue: 'slack', name: 'redraw', data, jobId: jobIds.redraw(card.submissionId) };
}

/** Collects what one event or timer asks to send, and queues it in one go (queueDeliveries). */
export class Outgoing {
  private readonly deliveries: Delivery[] = [];
  private readonly cause: string;

  constructor(cause: string) {
    this.cause = cause;
  }

  card(card: Card): void {
    this.deliveries.push(cardDelivery(this.cause, card));
  }

  add(delivery: Delivery): void {
    this.deliveries.push(delivery);
  }

  /** Queues what was asked for so far; `processedOutboxId`: the event is done, marked in the same round trip. */
  async send(ctx: WorkerContext, options: { readonly processedOutboxId?: number } = {}): Promise<void> {
    await queueDeliveries(ctx, this.deliveries.splice(0), options);
  }
}
