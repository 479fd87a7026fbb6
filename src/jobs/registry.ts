import { z } from 'zod';
import { CARD_KINDS } from '../domain/index.ts';

/**
 * Every queue, every job name and the payload each carries, in one place. Producers and workers go through
 * `JobData<Q, N>`; workers parse payloads with these schemas, so a malformed job fails loudly instead of
 * half-running. Job ids are built from domain ids (see `jobIds`) and never contain ':' (BullMQ's separator).
 */
const uuid = z.uuid();
const team = z.string().min(1);
const user = z.string().min(1);
/** Which card of a request: kind, stage, recipient and (a delegate's card) delegation. */
export const cardOfRequest = z.object({ kind: z.enum(CARD_KINDS), stageInstanceId: uuid.nullable(), recipientId: user, delegationId: uuid.nullable() });
export type CardOfRequest = z.infer<typeof cardOfRequest>;

export const JOB_SCHEMAS = {
  /** Committed outbox rows, relayed one job per row (job id `outbox-<id>`); the payload is parsed by its topic's schema (services/outbox-topics.ts). */
  events: {
    outbox: z.object({
      outboxId: z.number().int().positive(),
      teamId: team,
      submissionId: uuid.nullable(),
      topic: z.string().min(1),
      payload: z.record(z.string(), z.unknown()),
    }),
  },
  /** Everything that talks to Slack; one job per message so one failure never holds back the others. */
  slack: {
    /**
     * `ensure` posts the card or updates it; `refresh` only updates a card that exists (queued as the card's one
     * `redraw` job); `reassert` updates it even when it shows the request's current version (a refused click: the
     * clicker's screen may not show what Slack has).
     */
    card: z.object({
      teamId: team,
      kind: z.enum(CARD_KINDS),
      mode: z.enum(['ensure', 'refresh', 'reassert']),
      submissionId: uuid,
      stageInstanceId: uuid.nullable(),
      recipientId: user,
      delegationId: uuid.nullable(),
    }),
    /**
     * Updates the cards of one request that exist, to show it as it is now. One job per request (job id
     * `redraw-<request>`), so the redraws many events ask for while it waits merge into it, and the request is
     * loaded once for all of its cards. The cards to draw are the intent's (see queueDeliveries): asking again
     * adds cards there, not here, so this list is only what the first ask wanted.
     */
    redraw: z.object({
      teamId: team,
      submissionId: uuid,
      cards: z.array(cardOfRequest),
    }),
    reminder: z.object({ teamId: team, submissionId: uuid, stageInstanceId: uuid, recipientId: user, n: z.number().int().positive() }),
    'delegation-notice': z.object({ teamId: team, delegationId: uuid, phase: z.enum(['started', 'ended', 'revoked']) }),
    home: z.object({ teamId: team, userId: user }),
    /** A signed audit checkpoint posted to the witness channel (AUDIT_CHANNEL_ID). */
    checkpoint: z.object({ teamId: team, chainId: z.string().min(1), seq: z.number().int().positive(), channelId: z.string().min(1), text: z.string().min(1) }),
  },
  /** Delayed jobs; each is also a scheduled_timer row so the reconciler can restore it. */
  timers: {
    sla: z.object({ teamId: team, submissionId: uuid, stageInstanceId: uuid }),
    reminder: z.object({ teamId: team, submissionId: uuid, stageInstanceId: uuid, n: z.number().int().positive() }),
    'delegation-start': z.object({ teamId: team, delegationId: uuid }),
    'delegation-end': z.object({ teamId: team, delegationId: uuid }),
  },
  webhooks: {
    deliver: z.object({
      teamId: team,
      deliveryId: z.string().min(1),
      submissionId: uuid,
      workflowKey: z.string().min(1),
      workflowVersion: z.number().int().positive(),
      url: z.url(),
      event: z.enum(['approved', 'rejected', 'withdrawn']),
    }),
  },
} as const;

export type QueueName = keyof typeof JOB_SCHEMAS;
export type JobName<Q extends QueueName> = keyof (typeof JOB_SCHEMAS)[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = (typeof JOB_SCHEMAS)[Q][N] extends z.ZodType<infer T> ? T : never;
export const QUEUE_NAMES = Object.keys(JOB_SCHEMAS) as QueueName[];

/**
 * Jobs whose id names a thing rather than an event (a request's redraw): their id is used again for the next run,
 * so Redis drops them as soon as they end instead of keeping them a day.
 */
export const reusesJobId = (queue: QueueName, name: string): boolean => queue === 'slack' && name === 'redraw';

/** Parses a job's payload against its schema; throws (an unrecoverable job) when the name or shape is wrong. */
export function parseJob<Q extends QueueName>(queue: Q, name: string, data: unknown): { [N in JobName<Q>]: { name: N; data: JobData<Q, N> } }[JobName<Q>] {
  const schemas = JOB_SCHEMAS[queue] as Record<string, z.ZodType>;
  const schema = schemas[name];
  if (!schema) throw new Error(`queue ${queue} has no job named ${name}`);
  return { name, data: schema.parse(data) } as { [N in JobName<Q>]: { name: N; data: JobData<Q, N> } }[JobName<Q>];
}

const safe = (part: string | number): string => String(part).replace(/[^A-Za-z0-9_-]/g, '_');
const id = (...parts: (string | number | null)[]): string => parts.filter((p) => p !== null).map((p) => safe(p as string | number)).join('-');

/** Job ids from domain ids: the same fact always makes the same id, so adding it twice adds it once. */
export const jobIds = {
  outbox: (outboxId: number) => id('outbox', outboxId),
  sla: (stageInstanceId: string) => id('sla', stageInstanceId),
  reminder: (submissionId: string, stageInstanceId: string, n: number) => id('reminder', submissionId, stageInstanceId, n),
  delegationStart: (delegationId: string) => id('delegation-start', delegationId),
  delegationEnd: (delegationId: string) => id('delegation-end', delegationId),
  card: (cause: string, kind: string, stageInstanceId: string | null, recipientId: string) => id('card', cause, kind, stageInstanceId, recipientId),
  redraw: (submissionId: string) => id('redraw', submissionId),
  reminderNotice: (stageInstanceId: string, n: number, recipientId: string) => id('remind', stageInstanceId, n, recipientId),
  delegationNotice: (delegationId: string, phase: string) => id('delegation-notice', delegationId, phase),
  home: (cause: string, userId: string) => id('home', cause, userId),
  checkpoint: (chainId: string, seq: number) => id('checkpoint', chainId, seq),
  webhook: (deliveryId: string) => id('webhook', deliveryId),
};

/** Keys of slack_message rows: what a message is about, so retries find it. */
export const messageKeys = {
  card: (kind: string, submissionId: string, stageInstanceId: string | null, recipientId: string, delegationId: string | null) =>
    [kind, submissionId, stageInstanceId ?? '-', recipientId, delegationId ?? '-'].join('/'),
  reminder: (stageInstanceId: string, n: number, recipientId: string) => ['reminder', stageInstanceId, n, recipientId].join('/'),
  delegationNotice: (delegationId: string, phase: string) => ['delegation_notice', delegationId, phase].join('/'),
  checkpoint: (chainId: string, seq: number) => ['checkpoint', chainId, seq].join('/'),
};
