import { sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import type { Tx } from './transaction.ts';

export interface WebhookAttempt {
  readonly teamId: string;
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
}

/** A webhook delivery attempt as admins see it. */
export type StoredWebhookAttempt = Omit<WebhookAttempt, 'teamId'> & { readonly at: Date };

/** Webhook signing secrets (one per workspace, workflow and URL) and every delivery attempt. */
export function createWebhookRepository(db: SqlRunner) {
  const rows = async (statement: Sql, tx?: Tx): Promise<SqlRow[]> => (await (tx?.sql ?? db).run([statement]))[0] ?? [];
  return {
    /** The webhook's secret, stored as `fresh` when it has none yet (whoever asks first creates it). */
    async ensureSecret(teamId: string, workflowKey: string, url: string, fresh: string): Promise<string> {
      const [row] = await rows(sql`with inserted as (
          insert into webhook_secret (team_id, workflow_key, url, secret) values (${teamId}, ${workflowKey}, ${url}, ${fresh}) on conflict do nothing returning secret)
        select secret from inserted union all
        select secret from webhook_secret where team_id = ${teamId} and workflow_key = ${workflowKey} and url = ${url} and not exists (select 1 from inserted)`);
      return (row?.secret as string | undefined) ?? fresh;
    },
    /** A workflow's secrets by URL. */
    async secretsOf(teamId: string, workflowKey: string): Promise<Map<string, { secret: string; createdAt: Date }>> {
      const found = await rows(sql`select url, secret, created_at from webhook_secret where team_id = ${teamId} and workflow_key = ${workflowKey}`);
      return new Map(found.map((r) => [r.url as string, { secret: r.secret as string, createdAt: new Date(r.created_at as string) }]));
    },
    /** Sets the secret of one webhook, whether or not it had one. */
    async replaceSecret(tx: Tx, teamId: string, workflowKey: string, url: string, secret: string): Promise<void> {
      await rows(sql`insert into webhook_secret (team_id, workflow_key, url, secret) values (${teamId}, ${workflowKey}, ${url}, ${secret})
        on conflict (team_id, workflow_key, url) do update set secret = excluded.secret, created_at = now()`, tx);
    },
    async insertAttempt(a: WebhookAttempt): Promise<void> {
      await rows(sql`insert into webhook_delivery (team_id, delivery_id, submission_id, workflow_key, event, url, attempt, status_code, error, duration_ms, succeeded)
        values (${a.teamId}, ${a.deliveryId}, ${a.submissionId}, ${a.workflowKey}, ${a.event}, ${a.url}, ${a.attempt}, ${a.statusCode}, ${a.error}, ${a.durationMs}, ${a.succeeded})`);
    },
    /** Delivery attempts, newest first: a workspace's, or one workflow's (and one URL's, or one request's). */
    async attempts(teamId: string, filter: { workflowKey?: string | undefined; url?: string | undefined; submissionId?: string | undefined; limit: number }): Promise<StoredWebhookAttempt[]> {
      const where = [
        filter.workflowKey ? sql` and workflow_key = ${filter.workflowKey}` : sql``,
        filter.url ? sql` and url = ${filter.url}` : sql``,
        filter.submissionId ? sql` and submission_id = ${filter.submissionId}::uuid` : sql``,
      ].map((part) => part.text).join('');
      return (await rows(sql`select delivery_id, submission_id, workflow_key, event, url, attempt, status_code, error, duration_ms, succeeded, attempted_at
        from webhook_delivery where team_id = ${teamId}${{ text: where }} order by attempted_at desc, id desc limit ${filter.limit}`)).map((r) => ({
        deliveryId: r.delivery_id as string, submissionId: r.submission_id as string | null, workflowKey: r.workflow_key as string, event: r.event as string,
        url: r.url as string, attempt: r.attempt as number, statusCode: r.status_code as number | null, error: r.error as string | null,
        durationMs: r.duration_ms as number, succeeded: r.succeeded as boolean, at: new Date(r.attempted_at as string),
      }));
    },
  };
}
export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
