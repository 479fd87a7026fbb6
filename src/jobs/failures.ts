import { insertNotificationFailure } from '../db/delivery-repository.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import type { WorkerContext } from './context.ts';
import { systemMeta } from './context.ts';

export interface NotificationFailureInput {
  readonly teamId: string;
  readonly messageKey: string;
  readonly kind: string;
  readonly recipientId: string | null;
  readonly submissionId: string | null;
  readonly error: string;
  readonly detail?: string | null;
}

/**
 * A message Slack refused for good (or that ran out of retries): one row admins can list and one audit event,
 * written together. The approval itself goes on; only its notice is missing.
 */
export async function recordNotificationFailure(ctx: WorkerContext, failure: NotificationFailureInput): Promise<void> {
  await inTransaction(ctx.deps, failure.teamId, systemMeta('slack-delivery'), async (em, uow) => {
    await insertNotificationFailure(em, { ...failure, detail: failure.detail ?? null });
    uow.record({
      type: 'notification.failed',
      submissionId: failure.submissionId,
      capacity: { kind: 'system', rule: 'Slack refused the message' },
      reason: failure.error,
      details: { kind: failure.kind, recipientId: failure.recipientId, messageKey: failure.messageKey, error: failure.error },
    });
  });
}
