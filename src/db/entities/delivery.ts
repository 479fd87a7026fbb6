import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Tables of Migration20261122020000_delivery. The worker reads and writes them with plain SQL (see
 * src/db/delivery-repository.ts) because its updates are conditional claims; these entities are for reading
 * them elsewhere (admin screens, tools) once listed in ALL_ENTITIES.
 */
export const SlackMessage = defineEntity({
  name: 'SlackMessage',
  tableName: 'slack_message',
  properties: {
    teamId: p.string().primary(),
    key: p.string().primary(),
    kind: p.string().$type<'reviewer' | 'requester' | 'outcome' | 'delegate' | 'reminder' | 'delegation_notice'>(),
    submissionId: p.uuid().nullable(),
    stageInstanceId: p.uuid().nullable(),
    delegationId: p.uuid().nullable(),
    recipientId: p.string(),
    channel: p.string().nullable(),
    ts: p.string().nullable(),
    threadTs: p.string().nullable(),
    claimedBy: p.string().nullable(),
    claimedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type SlackMessage = InferEntity<typeof SlackMessage>;

export const ScheduledTimer = defineEntity({
  name: 'ScheduledTimer',
  tableName: 'scheduled_timer',
  properties: {
    jobId: p.string().primary(),
    teamId: p.string(),
    name: p.string(),
    payload: p.json<Record<string, unknown>>(),
    fireAt: p.datetime(),
    stageInstanceId: p.uuid().nullable(),
    delegationId: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    doneAt: p.datetime().nullable(),
    outcome: p.string().$type<'fired' | 'cancelled' | 'skipped'>().nullable(),
  },
});
export type ScheduledTimer = InferEntity<typeof ScheduledTimer>;

export const NotificationFailure = defineEntity({
  name: 'NotificationFailure',
  tableName: 'notification_failure',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    teamId: p.string(),
    messageKey: p.string(),
    kind: p.string(),
    recipientId: p.string().nullable(),
    submissionId: p.uuid().nullable(),
    error: p.string(),
    detail: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type NotificationFailure = InferEntity<typeof NotificationFailure>;

export const WebhookSecret = defineEntity({
  name: 'WebhookSecret',
  tableName: 'webhook_secret',
  properties: {
    teamId: p.string().primary(),
    workflowKey: p.string().primary(),
    url: p.string().primary(),
    secret: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type WebhookSecret = InferEntity<typeof WebhookSecret>;

export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    teamId: p.string(),
    deliveryId: p.string(),
    submissionId: p.uuid().nullable(),
    workflowKey: p.string(),
    event: p.string(),
    url: p.string(),
    attempt: p.integer(),
    statusCode: p.integer().nullable(),
    error: p.text().nullable(),
    durationMs: p.integer(),
    succeeded: p.boolean(),
    attemptedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;

export const DELIVERY_ENTITIES = [SlackMessage, ScheduledTimer, NotificationFailure, WebhookSecret, WebhookDelivery];
