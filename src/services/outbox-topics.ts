import { z } from 'zod';
import { SUBMISSION_EVENT_TYPES, type SubmissionEventType } from '../domain/index.ts';

/**
 * Every outbox topic and the payload it carries, in one place (as `jobs/registry.ts` is for BullMQ jobs).
 * Writers go through `UnitOfWork.enqueue`, typed by `OutboxPayload<T>`; the worker parses each row with the
 * same schema, so a writer cannot leave a message its reader would not understand.
 */
const uuid = z.uuid();

/** A submission fact the worker turns into cards, timers and webhooks (it reads the submission's current state). */
const submissionFact = z.object({
  eventId: uuid,
  submissionId: uuid,
  stageInstanceId: uuid.nullable(),
  actorId: z.string().nullable(),
});

const submissionTopics = Object.fromEntries(SUBMISSION_EVENT_TYPES.map((type) => [type, submissionFact])) as {
  readonly [K in SubmissionEventType]: typeof submissionFact;
};

export const OUTBOX_SCHEMAS = {
  ...submissionTopics,
  /** A refused decision: the clicker's card and Home are redrawn from the current state (they may be stale). */
  'decision.refused': z.object({ submissionId: uuid, stageInstanceId: uuid.nullable(), actorId: z.string().min(1) }),
  'workflow.published': z.object({ key: z.string().min(1), version: z.number().int().positive() }),
  'delegation.created': z.object({ delegationId: uuid, startsAt: z.iso.datetime(), endsAt: z.iso.datetime() }),
  'delegation.revoked': z.object({ delegationId: uuid }),
  /** A signed audit checkpoint to post to the witness channel. */
  'checkpoint.post': z.object({ channelId: z.string().min(1), chainId: z.string().min(1), seq: z.number().int().positive(), text: z.string().min(1) }),
} as const;

export type OutboxTopic = keyof typeof OUTBOX_SCHEMAS;
export type OutboxPayload<T extends OutboxTopic> = z.infer<(typeof OUTBOX_SCHEMAS)[T]>;
export type OutboxMessage = { [T in OutboxTopic]: { readonly topic: T; readonly payload: OutboxPayload<T> } }[OutboxTopic];

export const isOutboxTopic = (topic: string): topic is OutboxTopic => Object.hasOwn(OUTBOX_SCHEMAS, topic);

/** Parses a relayed row; throws when the topic is unknown or the payload does not match its schema. */
export function parseOutboxMessage(topic: string, payload: unknown): OutboxMessage {
  if (!isOutboxTopic(topic)) throw new Error(`unknown outbox topic ${topic}`);
  return { topic, payload: OUTBOX_SCHEMAS[topic].parse(payload) } as OutboxMessage;
}
