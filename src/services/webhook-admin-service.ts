import { DomainError, type WorkflowDefinition } from '../domain/index.ts';
import type { StoredWebhookAttempt, WebhookRepository } from '../db/webhook-repository.ts';
import type { AdminCheck } from './admins.ts';
import { policyGuard } from './policy-refusals.ts';
import type { RequestMeta } from './deps.ts';
import { newWebhookSecret } from './delivery-service.ts';
import type { Transact } from './unit-of-work.ts';

export type WebhookAttemptRow = StoredWebhookAttempt;

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

export interface WebhookAdminServiceDeps {
  readonly transact: Transact;
  readonly webhooks: Pick<WebhookRepository, 'secretsOf' | 'ensureSecret' | 'replaceSecret' | 'attempts'>;
  readonly currentVersion: (teamId: string, key: string) => Promise<{ version: number; definition: WorkflowDefinition }>;
  readonly admins: Pick<AdminCheck, 'requireAdmin'>;
  readonly clock: () => Date;
}

/**
 * What admins manage of a workflow's webhooks: each URL with its signing secret and its latest delivery
 * attempts (status code, error, time), rotating a secret (recorded in the audit trail, the secret itself
 * never), and the attempt log. Admins only.
 */
export function createWebhookAdminService(deps: WebhookAdminServiceDeps) {
  async function webhooksOf(teamId: string, actorId: string, workflowKey: string): Promise<{ workflowKey: string; version: number; webhooks: WebhookView[] }> {
    await deps.admins.requireAdmin(teamId, actorId);
    const { version, definition } = await deps.currentVersion(teamId, workflowKey);
    const secrets = await deps.webhooks.secretsOf(teamId, workflowKey);
    const webhooks: WebhookView[] = [];
    for (const hook of definition.webhooks) {
      // A workflow published before the worker saw it has no secret yet: make it now, as the worker would.
      const known = secrets.get(hook.url);
      const secret = known?.secret ?? (await deps.webhooks.ensureSecret(teamId, workflowKey, hook.url, newWebhookSecret()));
      const recentAttempts = await deps.webhooks.attempts(teamId, { workflowKey, url: hook.url, limit: RECENT_ATTEMPTS });
      webhooks.push({ url: hook.url, events: hook.events, secret, secretCreatedAt: known?.createdAt ?? deps.clock(), recentAttempts });
    }
    return { workflowKey, version, webhooks };
  }

  /** A new secret for one of the workflow's webhooks; the next attempt (a retry too) is signed with it. */
  async function rotateSecret(teamId: string, actorId: string, workflowKey: string, url: string, meta: RequestMeta): Promise<{ url: string; secret: string }> {
    const { definition } = await deps.currentVersion(teamId, workflowKey);
    if (!definition.webhooks.some((hook) => hook.url === url)) {
      throw new DomainError('not_found', `Workflow "${workflowKey}" has no webhook ${url}.`, { url: 'not one of the workflow\'s webhook URLs' });
    }
    const secret = newWebhookSecret();
    await deps.transact(teamId, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(teamId, actorId, tx);
      await deps.webhooks.replaceSecret(tx, teamId, workflowKey, url, secret);
      uow.record({ type: 'webhook.secret_rotated', workflowKey, actorId, capacity: { kind: 'admin' }, details: { url } });
    });
    return { url, secret };
  }

  async function attempts(teamId: string, actorId: string, workflowKey: string, filter: { submissionId?: string; limit?: number } = {}): Promise<WebhookAttemptRow[]> {
    await deps.admins.requireAdmin(teamId, actorId);
    await deps.currentVersion(teamId, workflowKey);
    return deps.webhooks.attempts(teamId, { workflowKey, submissionId: filter.submissionId, limit: filter.limit ?? 100 });
  }

  const guarded = policyGuard(deps.transact);
  return {
    webhooksOf,
    rotateSecret: (teamId: string, actorId: string, workflowKey: string, url: string, meta: RequestMeta) =>
      guarded(teamId, actorId, { attempted: 'webhook.rotate_secret', workflowKey, url }, meta, () => rotateSecret(teamId, actorId, workflowKey, url, meta)),
    attempts,
  };
}
export type WebhookAdminService = ReturnType<typeof createWebhookAdminService>;
