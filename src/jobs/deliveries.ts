import type { WorkerContext } from './context.ts';
import { jobIds, reusesJobId, type JobData } from './registry.ts';

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
 */
export async function queueDeliveries(ctx: WorkerContext, deliveries: readonly Delivery[]): Promise<void> {
  const unique = [...new Map(deliveries.map((d) => [d.jobId, d])).values()];
  if (unique.length === 0) return;
  const pending = await ctx.services.ledger.intents.record(unique.map((d) => ({
    jobId: d.jobId, teamId: d.data.teamId, queue: d.queue, name: d.name, payload: d.data as unknown as Record<string, unknown>, coalesce: reusesJobId(d.queue, d.name),
  })));
  const due = unique.filter((d) => pending.has(d.jobId));
  await ctx.queues.addBulk('slack', due.flatMap((d) => (d.queue === 'slack' ? [{ name: d.name, data: d.data, jobId: d.jobId }] : [])));
  await ctx.queues.addBulk('webhooks', due.flatMap((d) => (d.queue === 'webhooks' ? [{ name: d.name, data: d.data, jobId: d.jobId }] : [])));
}

type Card = JobData<'slack', 'card'>;

/** The job id of a card job: tied to the event that caused it, so a re-run event adds nothing. */
export const cardJobId = (cause: string, card: Card): string =>
  jobIds.card(cause, card.kind === 'delegate' ? `${card.kind}-${card.delegationId ?? ''}` : card.kind, card.stageInstanceId, card.recipientId);

/** A card to post (or reassert) as its own job per event; a card to update only, as the card's one redraw job. */
function cardDelivery(cause: string, card: Card): Delivery {
  if (card.mode !== 'refresh') return { queue: 'slack', name: 'card', data: card, jobId: cardJobId(cause, card) };
  const { mode: _mode, ...redraw } = card;
  return { queue: 'slack', name: 'redraw', data: redraw, jobId: jobIds.redraw(card.kind, card.submissionId, card.stageInstanceId, card.recipientId, card.delegationId) };
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

  async send(ctx: WorkerContext): Promise<void> {
    await queueDeliveries(ctx, this.deliveries.splice(0));
  }
}
