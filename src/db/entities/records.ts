import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The first outcome of a decision key, returned again for retries and double submits. */
export const IdempotencyRecord = defineEntity({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_record',
  properties: {
    teamId: p.string().primary(),
    key: p.string().primary(),
    submissionId: p.uuid().nullable(),
    outcome: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdempotencyRecord = InferEntity<typeof IdempotencyRecord>;

export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    teamId: p.string(),
    submissionId: p.uuid().nullable(),
    topic: p.string(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    availableAt: p.datetime().onCreate(() => new Date()),
    relayedAt: p.datetime().nullable(),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
  },
});
export type OutboxMessage = InferEntity<typeof OutboxMessage>;
