import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain/index.ts';
import type { WorkflowDefinition } from '../domain/index.ts';
import { replaceWebhookSecret, webhookAttemptsOf, webhookSecretsOf, type WebhookAttemptRow } from '../db/webhook-repository.ts';
import { ensureWebhookSecret } from '../db/delivery-repository.ts';
import { requireAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';

/** A webhook signing secret: `whsec_` and 24 random bytes, base64url. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

export interface WebhookView {
  readonly url: string;
  readonly events: readonly string[];
  /** The HMAC-SHA256 key every delivery to this URL is signed with (docs/webhooks.md). */
  readonly secret: string;
  readonly secretCreatedAt: Date;
  /** The latest attempts to this URL, newest first. */
  readonly recentAttempts: readonly WebhookAttemptRow[];
}

const RECENT_ATTEMPTS = 10;

/**
 * What admins manage of a workflow's webhooks: each URL with its signing secret and its latest delivery
 * attempts (status code, error, time), rotating a secret (recorded in the audit trail, the secret itself
 * never), and the attempt log. Admins only.
 */
export function createWebhookAdminService(deps: ServiceDeps, workflows: { current(teamId: string, key: string): Promise<{ version: number; definition: WorkflowDefinition }> }) {
  async function webhooksOf(teamId: string, actorId: string, workflowKey: string): Promise<{ workflowKey: string; version: number; webhooks: WebhookView[] }> {
    const em = deps.orm.em.fork();
    await requireAdmin(deps, em, teamId, actorId);
    const { version, definition } = await workflows.current(teamId, workflowKey);
    const secrets = await webhookSecretsOf(em, teamId, workflowKey);
    const webhooks: WebhookView[] = [];
    for (const hook of definition.webhooks) {
      // A workflow published before the worker saw it has no secret yet: make it now, as the worker would.
      const known = secrets.get(hook.url);
      const secret = known?.secret ?? (await ensureWebhookSecret(em, teamId, workflowKey, hook.url, newWebhookSecret()));
      const recentAttempts = await webhookAttemptsOf(em, teamId, workflowKey, { url: hook.url, limit: RECENT_ATTEMPTS });
      webhooks.push({ url: hook.url, events: hook.events, secret, secretCreatedAt: known?.createdAt ?? deps.clock(), recentAttempts });
    }
    return { workflowKey, version, webhooks };
  }

  /** A new secret for one of the workflow's webhooks; the next attempt (a retry too) is signed with it. */
  async function rotateSecret(teamId: string, actorId: string, workflowKey: string, url: string, meta: RequestMeta): Promise<{ url: string; secret: string }> {
    const { definition } = await workflows.current(teamId, workflowKey);
    if (!definition.webhooks.some((hook) => hook.url === url)) {
      throw new DomainError('not_found', `Workflow "${workflowKey}" has no webhook ${url}.`, { url: 'not one of the workflow\'s webhook URLs' });
    }
    const secret = newWebhookSecret();
    await inTransaction(deps, teamId, meta, async (em, uow) => {
      await requireAdmin(deps, em, teamId, actorId);
      await replaceWebhookSecret(em, teamId, workflowKey, url, secret);
      uow.record({ type: 'webhook.secret_rotated', workflowKey, actorId, capacity: { kind: 'admin' }, details: { url } });
    });
    return { url, secret };
  }

  async function attempts(teamId: string, actorId: string, workflowKey: string, filter: { submissionId?: string; limit?: number } = {}): Promise<WebhookAttemptRow[]> {
    const em = deps.orm.em.fork();
    await requireAdmin(deps, em, teamId, actorId);
    await workflows.current(teamId, workflowKey);
    return webhookAttemptsOf(em, teamId, workflowKey, { ...(filter.submissionId ? { submissionId: filter.submissionId } : {}), limit: filter.limit ?? 100 });
  }

  return { webhooksOf, rotateSecret, attempts };
}
export type WebhookAdminService = ReturnType<typeof createWebhookAdminService>;
