import type { Services } from '../../services/index.ts';
import type { WebhookAttemptRow, WebhookView } from '../../services/webhook-admin-service.ts';
import { defineRoute, type ApiRoute } from './route.ts';
import { rotatedSecretView, rotateSecretBody, webhookAttemptsQuery, webhookAttemptsView, webhooksView, workflowKeyParams } from './schemas.ts';

const attemptView = (a: WebhookAttemptRow) => ({ ...a, at: a.at.toISOString() });
const webhookView = (w: WebhookView) => ({ url: w.url, events: [...w.events], secret: w.secret, secretCreatedAt: w.secretCreatedAt.toISOString(), recentAttempts: w.recentAttempts.map(attemptView) });

/**
 * A workflow's outgoing webhooks for its admins: each URL with its signing secret and latest attempts,
 * rotating a secret, and every delivery attempt with the status code the receiver answered.
 */
export function buildWebhookRoutes(services: Services): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/api/v1/workflows/:key/webhooks', summary: 'The workflow\'s webhooks with their signing secrets and latest delivery attempts; the token owner must be an approval admin.',
      scopes: ['workflows:write'], params: workflowKeyParams, response: webhooksView, errors: [404],
      handle: async ({ params, auth }) => {
        const found = await services.webhooks.webhooksOf(auth.teamId, auth.userId, params.key);
        return { body: { workflowKey: found.workflowKey, version: found.version, webhooks: found.webhooks.map(webhookView) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/v1/workflows/:key/webhooks/rotate-secret', summary: 'Replaces one webhook\'s signing secret and returns the new one (recorded in the audit trail; the secret itself is not).',
      scopes: ['workflows:write'], params: workflowKeyParams, body: { schema: rotateSecretBody, kind: 'json' }, response: rotatedSecretView, errors: [404],
      handle: async ({ params, body, auth }) => ({ body: await services.webhooks.rotateSecret(auth.teamId, auth.userId, params.key, body.url, auth.meta) }),
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/workflows/:key/webhooks/deliveries', summary: 'Every delivery attempt of the workflow\'s webhooks, newest first, with the status code the receiver answered.',
      scopes: ['workflows:write'], params: workflowKeyParams, query: webhookAttemptsQuery, response: webhookAttemptsView, errors: [404],
      handle: async ({ params, query, auth }) => ({
        body: { attempts: (await services.webhooks.attempts(auth.teamId, auth.userId, params.key, { limit: query.limit, ...(query.submission ? { submissionId: query.submission } : {}) })).map(attemptView) },
      }),
    }),
  ];
}
