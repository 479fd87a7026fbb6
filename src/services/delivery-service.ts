import { randomBytes } from 'node:crypto';
import type { NotificationFailureRepository, StoredNotificationFailure } from '../db/notification-failure-repository.ts';
import type { StoredWebhookAttempt, WebhookRepository } from '../db/webhook-repository.ts';
import type { AdminCheck } from './admins.ts';

export type NotificationFailureView = StoredNotificationFailure;
export type WebhookAttemptView = StoredWebhookAttempt;

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

export interface DeliveryServiceDeps {
  readonly failures: Pick<NotificationFailureRepository, 'latest'>;
  readonly webhooks: Pick<WebhookRepository, 'attempts' | 'ensureSecret'>;
  readonly admins: Pick<AdminCheck, 'requireAdmin'>;
}

/** What admins see of delivery: Slack messages that could not be delivered, webhook attempts, webhook secrets. */
export function createDeliveryService(deps: DeliveryServiceDeps) {
  async function notificationFailures(teamId: string, actorId: string, limit = 50): Promise<NotificationFailureView[]> {
    await deps.admins.requireAdmin(teamId, actorId);
    return deps.failures.latest(teamId, limit);
  }

  async function webhookDeliveries(teamId: string, actorId: string, filter: { submissionId?: string; limit?: number } = {}): Promise<WebhookAttemptView[]> {
    await deps.admins.requireAdmin(teamId, actorId);
    return deps.webhooks.attempts(teamId, { submissionId: filter.submissionId, limit: filter.limit ?? 100 });
  }

  /** The signing secret of one webhook (created if the workflow was published before the worker saw it). */
  async function webhookSecret(teamId: string, actorId: string, workflowKey: string, url: string): Promise<string> {
    await deps.admins.requireAdmin(teamId, actorId);
    return deps.webhooks.ensureSecret(teamId, workflowKey, url, newWebhookSecret());
  }

  return { notificationFailures, webhookDeliveries, webhookSecret };
}
export type DeliveryService = ReturnType<typeof createDeliveryService>;
