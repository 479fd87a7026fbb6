import { randomBytes } from 'node:crypto';
import { ensureWebhookSecret, type WebhookAttempt } from '../db/delivery-repository.ts';
import { requireAdmin } from './admins.ts';
import type { ServiceDeps } from './deps.ts';

export interface NotificationFailureView {
  readonly id: number;
  readonly messageKey: string;
  readonly kind: string;
  readonly recipientId: string | null;
  readonly submissionId: string | null;
  readonly error: string;
  readonly detail: string | null;
  readonly at: Date;
}

/** A webhook delivery attempt as admins see it. */
export type WebhookAttemptView = Omit<WebhookAttempt, 'teamId'> & { readonly at: Date };

/** What admins see of delivery: Slack messages that could not be delivered, webhook attempts, webhook secrets. */
export function createDeliveryService(deps: ServiceDeps) {
  async function notificationFailures(teamId: string, actorId: string, limit = 50): Promise<NotificationFailureView[]> {
    const em = deps.orm.em.fork();
    await requireAdmin(deps, em, teamId, actorId);
    const rows = await em.execute<{ id: string; message_key: string; kind: string; recipient_id: string | null; submission_id: string | null; error: string; detail: string | null; created_at: Date }[]>(
      'select id, message_key, kind, recipient_id, submission_id, error, detail, created_at from notification_failure where team_id = ? order by created_at desc, id desc limit ?',
      [teamId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), messageKey: r.message_key, kind: r.kind, recipientId: r.recipient_id, submissionId: r.submission_id, error: r.error, detail: r.detail, at: new Date(r.created_at) }));
  }

  async function webhookDeliveries(teamId: string, actorId: string, filter: { submissionId?: string; limit?: number } = {}): Promise<WebhookAttemptView[]> {
    const em = deps.orm.em.fork();
    await requireAdmin(deps, em, teamId, actorId);
    const rows = await em.execute<{ delivery_id: string; submission_id: string | null; workflow_key: string; event: string; url: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; succeeded: boolean; attempted_at: Date }[]>(
      `select delivery_id, submission_id, workflow_key, event, url, attempt, status_code, error, duration_ms, succeeded, attempted_at from webhook_delivery
       where team_id = ? and (?::uuid is null or submission_id = ?::uuid) order by attempted_at desc, id desc limit ?`,
      [teamId, filter.submissionId ?? null, filter.submissionId ?? null, filter.limit ?? 100],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id, submissionId: r.submission_id, workflowKey: r.workflow_key, event: r.event, url: r.url, attempt: r.attempt,
      statusCode: r.status_code, error: r.error, durationMs: r.duration_ms, succeeded: r.succeeded, at: new Date(r.attempted_at),
    }));
  }

  /** The signing secret of one webhook (created if the workflow was published before the worker saw it). */
  async function webhookSecret(teamId: string, actorId: string, workflowKey: string, url: string): Promise<string> {
    const em = deps.orm.em.fork();
    await requireAdmin(deps, em, teamId, actorId);
    return ensureWebhookSecret(em, teamId, workflowKey, url, `whsec_${randomBytes(24).toString('base64url')}`);
  }

  return { notificationFailures, webhookDeliveries, webhookSecret };
}
export type DeliveryService = ReturnType<typeof createDeliveryService>;
