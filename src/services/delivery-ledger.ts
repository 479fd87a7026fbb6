import type { DelegationRepository } from '../db/delegation-repository.ts';
import type { DeliveryIntentRepository } from '../db/delivery-intent-repository.ts';
import type { NotificationFailure, NotificationFailureRepository } from '../db/notification-failure-repository.ts';
import type { OutboxRepository } from '../db/outbox-repository.ts';
import type { SlackMessageRepository } from '../db/slack-message-repository.ts';
import type { SubmissionRepository } from '../db/submission-repository.ts';
import type { TimerRepository } from '../db/timer-repository.ts';
import type { WebhookAttempt, WebhookRepository } from '../db/webhook-repository.ts';
import { systemMeta } from './deps.ts';
import { newWebhookSecret } from './delivery-service.ts';
import type { Transact } from './unit-of-work.ts';

export type { MessageRef, StoredMessage, Claim } from '../db/slack-message-repository.ts';
export type { TimerRow } from '../db/timer-repository.ts';
export type { DeliveryIntent } from '../db/delivery-intent-repository.ts';
export type { OutboxRow } from '../db/outbox-repository.ts';
export type { DelegationRow } from '../db/delegation-repository.ts';
export type { TeamScope } from '../db/team-scope.ts';
export type { NotificationFailure } from '../db/notification-failure-repository.ts';

export interface DeliveryLedgerDeps {
  readonly transact: Transact;
  readonly messages: SlackMessageRepository;
  readonly timers: TimerRepository;
  readonly intents: DeliveryIntentRepository;
  readonly outbox: OutboxRepository;
  readonly delegations: Pick<DelegationRepository, 'find' | 'activeFrom'>;
  readonly submissions: Pick<SubmissionRepository, 'openStagesWithPoolMember'>;
  readonly failures: Pick<NotificationFailureRepository, 'insert'>;
  readonly webhooks: Pick<WebhookRepository, 'ensureSecret' | 'insertAttempt'>;
}

/**
 * The worker's bookkeeping, all in Postgres so Redis is only a cache of work: which Slack message was posted
 * where, which timers are pending, which messages and webhooks are still to be sent, which outbox rows are
 * relayed, what could not be delivered. The worker reaches the database only through here; the use cases that
 * also write the audit trail live here too.
 */
export function createDeliveryLedger(deps: DeliveryLedgerDeps) {
  /**
   * A message Slack refused for good (or that ran out of retries): one row admins can list and one audit event,
   * written together. The approval itself goes on; only its notice is missing.
   */
  async function recordNotificationFailure(failure: NotificationFailure): Promise<void> {
    await deps.transact(failure.teamId, systemMeta('slack-delivery'), async (tx, uow) => {
      await deps.failures.insert(tx, failure);
      uow.record({
        type: 'notification.failed',
        submissionId: failure.submissionId,
        capacity: { kind: 'system', rule: 'Slack refused the message' },
        reason: failure.error,
        details: { kind: failure.kind, recipientId: failure.recipientId, messageKey: failure.messageKey, error: failure.error },
      });
    });
  }

  /** A webhook delivery gave up: recorded in the audit trail (every attempt is already in webhook_delivery). */
  async function recordWebhookFailure(job: { teamId: string; submissionId: string; workflowKey: string; workflowVersion: number; deliveryId: string; url: string; event: string }, error: string): Promise<void> {
    await deps.transact(job.teamId, systemMeta('webhook-delivery'), async (_tx, uow) => {
      uow.record({
        type: 'webhook.failed', submissionId: job.submissionId, workflowKey: job.workflowKey, workflowVersion: job.workflowVersion,
        capacity: { kind: 'system', rule: 'webhook delivery gave up' }, reason: error,
        details: { deliveryId: job.deliveryId, url: job.url, event: job.event },
      });
    });
  }

  /**
   * A delegation's start or end timer fired: the timer is finished and the phase audited in one transaction, so
   * a timer that runs twice records it once. Returns false when another run already did.
   */
  async function recordDelegationPhase(jobId: string, delegation: { id: string; teamId: string; fromUserId: string; toUserId: string; workflowKey: string | null }, phase: 'started' | 'ended', when: Record<string, string>): Promise<boolean> {
    const { result } = await deps.transact(delegation.teamId, systemMeta('delegation-timer'), async (tx, uow) => {
      if (!(await deps.timers.finish(jobId, 'fired', tx))) return false;
      uow.record({
        type: phase === 'started' ? 'delegation.started' : 'delegation.ended',
        workflowKey: delegation.workflowKey,
        capacity: { kind: 'system', rule: `out-of-office delegation reached its ${phase === 'started' ? 'start' : 'end'}` },
        details: { delegationId: delegation.id, from: delegation.fromUserId, to: delegation.toUserId, ...when },
      });
      return true;
    });
    return result;
  }

  return {
    messages: deps.messages,
    timers: deps.timers,
    /** Every message and webhook to send, recorded before its job goes to Redis. */
    intents: deps.intents,
    outbox: deps.outbox,
    delegations: deps.delegations,
    /** Open stages of active requests whose pool includes a person (a delegation's start hands them on). */
    openStagesWithPoolMember: deps.submissions.openStagesWithPoolMember,
    webhookSecret: (teamId: string, workflowKey: string, url: string) => deps.webhooks.ensureSecret(teamId, workflowKey, url, newWebhookSecret()),
    recordWebhookAttempt: (attempt: WebhookAttempt) => deps.webhooks.insertAttempt(attempt),
    recordNotificationFailure,
    recordWebhookFailure,
    recordDelegationPhase,
  };
}
export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>;
