import type { EntityManager } from '@mikro-orm/postgresql';

/** Webhook signing secrets and delivery attempts as admins see and manage them (the worker writes both). */

export async function webhookSecretsOf(em: EntityManager, teamId: string, workflowKey: string): Promise<Map<string, { secret: string; createdAt: Date }>> {
  const rows = await em.execute<{ url: string; secret: string; created_at: Date }[]>(
    'select url, secret, created_at from webhook_secret where team_id = ? and workflow_key = ?',
    [teamId, workflowKey],
  );
  return new Map(rows.map((r) => [r.url, { secret: r.secret, createdAt: new Date(r.created_at) }]));
}

/** Sets the secret of one webhook, whether or not it had one. */
export async function replaceWebhookSecret(em: EntityManager, teamId: string, workflowKey: string, url: string, secret: string): Promise<void> {
  await em.execute(
    `insert into webhook_secret (team_id, workflow_key, url, secret) values (?, ?, ?, ?)
     on conflict (team_id, workflow_key, url) do update set secret = excluded.secret, created_at = now()`,
    [teamId, workflowKey, url, secret],
  );
}

export interface WebhookAttemptRow {
  readonly deliveryId: string;
  readonly submissionId: string | null;
  readonly workflowKey: string;
  readonly event: string;
  readonly url: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly succeeded: boolean;
  readonly at: Date;
}

/** A workflow's delivery attempts, newest first. */
export async function webhookAttemptsOf(em: EntityManager, teamId: string, workflowKey: string, filter: { url?: string; submissionId?: string; limit: number }): Promise<WebhookAttemptRow[]> {
  const rows = await em.execute<{ delivery_id: string; submission_id: string | null; workflow_key: string; event: string; url: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; succeeded: boolean; attempted_at: Date }[]>(
    `select delivery_id, submission_id, workflow_key, event, url, attempt, status_code, error, duration_ms, succeeded, attempted_at from webhook_delivery
     where team_id = ? and workflow_key = ? and (?::text is null or url = ?::text) and (?::uuid is null or submission_id = ?::uuid)
     order by attempted_at desc, id desc limit ?`,
    [teamId, workflowKey, filter.url ?? null, filter.url ?? null, filter.submissionId ?? null, filter.submissionId ?? null, filter.limit],
  );
  return rows.map((r) => ({
    deliveryId: r.delivery_id, submissionId: r.submission_id, workflowKey: r.workflow_key, event: r.event, url: r.url, attempt: r.attempt,
    statusCode: r.status_code, error: r.error, durationMs: r.duration_ms, succeeded: r.succeeded, at: new Date(r.attempted_at),
  }));
}
